/**
 * The broadcaster port (payments/broadcast.ts): the dryrun adapter, and the ARC adapter over real
 * HTTP against the local ARC (test/support/arc-server.ts) and against a scripted server for the
 * answers that ARC stand-in never gives (failed statuses with HTTP 200, bodies that are not JSON
 * objects, slow answers). What is sent (path, headers, body), how every answer maps to accepted /
 * rejected / unavailable, ARC's status object read field by field, and the adapter the
 * configuration selects.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@strata/core/config/index';
import { ARC_ERRORS, createArcBroadcaster, createBroadcaster, dryrunBroadcaster, parseTxStatus, type ArcOptions } from '@strata/core/payments/broadcast';
import { startArcServer, type ArcServer } from '../support/arc-server';
import { makeTx } from '../support/chain';
import { listenOn, stopListening } from '../support/listen';

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}
interface Answer {
  readonly status: number;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  readonly delayMs?: number;
}

/** An HTTP server answering each request with the next scripted answer (default 200 `{}`), recording what it got. */
async function scripted() {
  const seen: Seen[] = [];
  const queue: Answer[] = [];
  const open = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const a = queue.shift() ?? { status: 200, body: {} };
      const send = () => {
        res.writeHead(a.status, { 'content-type': 'application/json' });
        res.end(typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? {}));
      };
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
    });
  });
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  const port = await listenOn(server, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    next: (...a: Answer[]) => queue.push(...a),
    close: () => stopListening(server, open),
  };
}

const TXID = 'ab'.repeat(32);
let arc: ArcServer;
let s: Awaited<ReturnType<typeof scripted>>;
beforeAll(async () => {
  arc = await startArcServer();
  s = await scripted();
});
afterAll(async () => {
  await arc?.close();
  await s?.close();
});

const adapter = (o: Partial<ArcOptions> = {}) => createArcBroadcaster({ url: s.url, waitFor: 'SEEN_ON_NETWORK', timeoutMs: 5000, ...o });

describe('dryrun', () => {
  it('accepts everything as DRYRUN and knows no status', async () => {
    expect(dryrunBroadcaster.kind).toBe('dryrun');
    expect(await dryrunBroadcaster.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: true, txStatus: 'DRYRUN' });
    expect(await dryrunBroadcaster.status(TXID)).toBeNull();
  });
});

describe('the ARC adapter against the local ARC', () => {
  it('POST /v1/tx with the bearer key, callback URL and token, X-WaitFor and {rawTx}; accepted with ARC\'s status', async () => {
    const b = createArcBroadcaster({ url: `${arc.url}//`, apiKey: arc.apiKey, callbackUrl: 'http://strata.test/payments/arc-callback', callbackToken: 'cb-token-0123456789', waitFor: 'STORED', timeoutMs: 5000 });
    expect(b.kind).toBe('arc');
    const tx = makeTx('broadcast me');
    expect(await b.broadcast({ txid: tx.txid, hex: tx.rawTx })).toEqual({ ok: true, txStatus: 'SEEN_ON_NETWORK' });
    const sent = arc.requests.at(-1)!;
    expect([sent.method, sent.path, sent.status]).toEqual(['POST', '/v1/tx', 200]);
    expect(sent.headers).toEqual({
      authorization: `Bearer ${arc.apiKey}`,
      'x-callbackurl': 'http://strata.test/payments/arc-callback',
      'x-callbacktoken': 'cb-token-0123456789',
      'x-waitfor': 'STORED',
      'content-type': 'application/json',
    });
    expect(arc.txs.get(tx.txid)?.rawTx).toBe(tx.rawTx);
    // status: GET /v1/tx/{txid}; unknown → null
    expect(await b.status(tx.txid)).toEqual({ txid: tx.txid, txStatus: 'SEEN_ON_NETWORK', merklePath: null, blockHash: null, blockHeight: null });
    expect([arc.requests.at(-1)!.method, arc.requests.at(-1)!.path, arc.requests.at(-1)!.headers.authorization]).toEqual(['GET', `/v1/tx/${tx.txid}`, `Bearer ${arc.apiKey}`]);
    // mined (set on ARC's record directly: its callback would go to the unresolvable strata.test)
    Object.assign(arc.txs.get(tx.txid)!, { txStatus: 'MINED', blockHash: 'CD'.repeat(32), blockHeight: 812, merklePath: 'FE00' });
    expect(await b.status(tx.txid)).toEqual({ txid: tx.txid, txStatus: 'MINED', merklePath: 'fe00', blockHash: 'cd'.repeat(32), blockHeight: 812 });
    expect(await b.status('ef'.repeat(32))).toBeNull();
  });

  it('every 46x is a refusal with its code and detail, naming ARC\'s own detail', async () => {
    const b = createArcBroadcaster({ url: arc.url, apiKey: arc.apiKey, waitFor: 'SEEN_ON_NETWORK', timeoutMs: 5000 });
    const tx = makeTx();
    const codes = {
      460: 'not-extended-format',
      461: 'invalid-unlocking-scripts',
      462: 'invalid-inputs',
      463: 'malformed-transaction',
      464: 'invalid-outputs',
      465: 'fee-too-low',
      466: 'conflicting-transaction',
      467: 'mined-ancestors-not-found',
      468: 'invalid-bumps',
      469: 'invalid-merkle-roots',
    } as const;
    expect(Object.fromEntries(Object.entries(ARC_ERRORS).map(([k, v]) => [k, v.code]))).toEqual(codes);
    for (const status of Object.keys(codes).map(Number)) {
      arc.failNext(status, `detail ${status}`);
      const r = await b.broadcast({ txid: tx.txid, hex: tx.rawTx });
      expect(r).toEqual({ ok: false, kind: 'rejected', status, code: codes[status as keyof typeof codes], detail: `${ARC_ERRORS[status]!.detail} (ARC: detail ${status})` });
    }
    expect(ARC_ERRORS[465]!.detail).toBe('The fee is below what ARC requires.');
    expect(ARC_ERRORS[460]!.detail).toBe('ARC needs the transaction in Extended Format or BEEF (the source outputs of its inputs).');
  });

  it('no key: no authorization header (ARC answers 401, which is unavailable: nothing is known about the tx); ARC down is unavailable', async () => {
    const b = createArcBroadcaster({ url: arc.url, waitFor: 'SEEN_ON_NETWORK', timeoutMs: 5000 });
    const tx = makeTx();
    expect(await b.broadcast({ txid: tx.txid, hex: tx.rawTx })).toEqual({ ok: false, kind: 'unavailable', detail: 'ARC answered HTTP 401' });
    expect(arc.requests.at(-1)!.headers.authorization).toBeUndefined();
    expect(arc.requests.at(-1)!.headers['x-callbackurl']).toBeUndefined();
    expect(arc.requests.at(-1)!.headers['x-callbacktoken']).toBeUndefined();
    await expect(b.status(tx.txid)).rejects.toThrow('ARC answered HTTP 401');
    const keyed = createArcBroadcaster({ url: arc.url, apiKey: arc.apiKey, waitFor: 'SEEN_ON_NETWORK', timeoutMs: 5000 });
    arc.setDown(true);
    try {
      expect(await keyed.broadcast({ txid: tx.txid, hex: tx.rawTx })).toEqual({ ok: false, kind: 'unavailable', detail: 'ARC answered HTTP 503' });
      await expect(keyed.status(tx.txid)).rejects.toThrow('ARC answered HTTP 503');
    } finally {
      arc.setDown(false);
    }
  });
});

describe('the ARC adapter against scripted answers', () => {
  it('HTTP 200 or 201 with a failed status is a refusal named by the status (case-insensitive), with ARC\'s extraInfo', async () => {
    const b = adapter();
    for (const [txStatus, code] of [
      ['REJECTED', 'rejected'],
      ['DOUBLE_SPEND_ATTEMPTED', 'double-spend-attempted'],
      ['INVALID', 'invalid'],
      ['MALFORMED', 'malformed'],
      ['MINED_IN_STALE_BLOCK', 'mined-in-stale-block'],
      ['SEEN_IN_ORPHAN_MEMPOOL', 'seen-in-orphan-mempool'],
      ['rejected', 'rejected'],
    ] as const) {
      s.next({ status: 200, body: { txStatus, extraInfo: 'why not' } });
      expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'rejected', status: 200, code, detail: 'why not' });
    }
    s.next({ status: 201, body: { txStatus: 'DOUBLE_SPEND_ATTEMPTED', extraInfo: '' } });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'rejected', status: 201, code: 'double-spend-attempted', detail: 'DOUBLE_SPEND_ATTEMPTED' });
    s.next({ status: 201, body: { txStatus: 'STORED' } }, { status: 200, body: { txStatus: '' } }, { status: 200, body: 'not json' }, { status: 200, body: ['STORED'] });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: true, txStatus: 'STORED' });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: true, txStatus: 'UNKNOWN' });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: true, txStatus: 'UNKNOWN' });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: true, txStatus: 'UNKNOWN' });
    const sent = s.seen.at(-1)!;
    expect([sent.method, sent.path, JSON.parse(sent.body), sent.headers['content-type'], sent.headers['x-waitfor']]).toEqual(['POST', '/v1/tx', { rawTx: '00' }, 'application/json', 'SEEN_ON_NETWORK']);
  });

  it('400, 409 and 422 refuse the transaction with ARC\'s detail, else its title, else the HTTP status; other statuses are unavailable', async () => {
    const b = adapter();
    s.next(
      { status: 400, body: { detail: 'bad tx', title: 'Bad request' } },
      { status: 409, body: { detail: '', title: 'Conflict' } },
      { status: 422, body: 'nope' },
      { status: 422, body: { detail: 7, title: null } },
    );
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'rejected', status: 400, code: 'invalid-transaction', detail: 'ARC refused the transaction (bad tx).' });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'rejected', status: 409, code: 'invalid-transaction', detail: 'ARC refused the transaction (Conflict).' });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'rejected', status: 422, code: 'invalid-transaction', detail: 'ARC refused the transaction (HTTP 422).' });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'rejected', status: 422, code: 'invalid-transaction', detail: 'ARC refused the transaction (HTTP 422).' });
    s.next({ status: 465, body: 'null' });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'rejected', status: 465, code: 'fee-too-low', detail: 'The fee is below what ARC requires. (ARC: HTTP 465)' });
    for (const status of [202, 401, 403, 404, 410, 500, 502]) {
      s.next({ status, body: { detail: 'x', txStatus: 'STORED' } });
      expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'unavailable', detail: `ARC answered HTTP ${status}` });
    }
  });

  it('status: 404 is null; any other non-200, or a body that is not a JSON object (text, array, number, string), throws; a status for another txid is null', async () => {
    const b = adapter({ apiKey: 'k-123' });
    s.next(
      { status: 404, body: {} },
      { status: 500, body: {} },
      { status: 200, body: 'not json' },
      { status: 200, body: [1] },
      { status: 200, body: '5' },
      { status: 200, body: '"MINED"' },
      { status: 200, body: { txid: 'cd'.repeat(32), txStatus: 'MINED' } },
    );
    expect(await b.status(TXID)).toBeNull();
    expect([s.seen.at(-1)!.method, s.seen.at(-1)!.path, s.seen.at(-1)!.headers.authorization]).toEqual(['GET', `/v1/tx/${TXID}`, 'Bearer k-123']);
    await expect(b.status(TXID)).rejects.toThrow('ARC answered HTTP 500');
    for (let i = 0; i < 4; i++) await expect(b.status(TXID)).rejects.toThrow('ARC answered HTTP 200');
    expect(await b.status(TXID)).toBeNull();
  });

  it('a slow ARC times out; a closed port is unreachable; an injected fetch is the one used', async () => {
    const b = adapter({ timeoutMs: 150 });
    s.next({ status: 200, body: { txStatus: 'STORED' }, delayMs: 1500 }, { status: 200, body: {}, delayMs: 1500 });
    expect(await b.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'unavailable', detail: 'ARC timed out' });
    await expect(b.status(TXID)).rejects.toThrow('ARC timed out');
    const gone = await scripted();
    await gone.close();
    const closed = createArcBroadcaster({ url: gone.url, waitFor: 'SEEN_ON_NETWORK', timeoutMs: 2000 });
    expect(await closed.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: false, kind: 'unavailable', detail: 'ARC unreachable' });
    await expect(closed.status(TXID)).rejects.toThrow('ARC unreachable');
    const urls: string[] = [];
    const viaFetch = adapter({ fetch: (input, init) => (urls.push(String(input)), fetch(input, init)) });
    s.next({ status: 200, body: { txStatus: 'QUEUED' } });
    expect(await viaFetch.broadcast({ txid: TXID, hex: '00' })).toEqual({ ok: true, txStatus: 'QUEUED' });
    expect(urls).toEqual([`${s.url}/v1/tx`]);
  });
});

describe("ARC's status object", () => {
  const base = { txid: TXID, txStatus: 'MINED', blockHash: 'cd'.repeat(32), blockHeight: 5, merklePath: 'fe00' };

  it('reads every field, lower-casing the hex', () => {
    expect(parseTxStatus({ ...base, txid: TXID.toUpperCase(), blockHash: 'CD'.repeat(32), merklePath: 'FE0A' }, TXID)).toEqual({
      txid: TXID,
      txStatus: 'MINED',
      merklePath: 'fe0a',
      blockHash: 'cd'.repeat(32),
      blockHeight: 5,
    });
    expect(parseTxStatus({ txid: TXID })).toEqual({ txid: TXID, txStatus: 'UNKNOWN', merklePath: null, blockHash: null, blockHeight: null });
    expect(parseTxStatus({ txid: TXID, txStatus: '', merklePath: '', blockHash: '' })).toEqual({ txid: TXID, txStatus: 'UNKNOWN', merklePath: null, blockHash: null, blockHeight: null });
  });

  it('no txid, a malformed one, or another than expected: null', () => {
    for (const txid of [undefined, '', 5, TXID.slice(2), `${TXID}ab`, `x${TXID.slice(1)}`, `${TXID.slice(1)}x`, 'g'.repeat(64)]) {
      expect(parseTxStatus({ ...base, txid })).toBeNull();
    }
    expect(parseTxStatus(base, 'cd'.repeat(32))).toBeNull();
    expect(parseTxStatus(base, TXID)).not.toBeNull();
    expect(parseTxStatus(base)).not.toBeNull();
  });

  it('a block height must be a positive safe integer; a block hash 64 hex digits; a merkle path whole hex bytes', () => {
    const heightOf = (blockHeight: unknown) => parseTxStatus({ ...base, blockHeight })!.blockHeight;
    expect([0, -1, 1.5, '5', 2 ** 53, null].map(heightOf)).toEqual([null, null, null, null, null, null]);
    expect([1, 2 ** 53 - 1].map(heightOf)).toEqual([1, 2 ** 53 - 1]);
    const hashOf = (blockHash: unknown) => parseTxStatus({ ...base, blockHash })!.blockHash;
    expect([`x${'c'.repeat(63)}`, `${'c'.repeat(63)}x`, 'c'.repeat(63), 'c'.repeat(65), 5].map(hashOf)).toEqual([null, null, null, null, null]);
    const pathOf = (merklePath: unknown) => parseTxStatus({ ...base, merklePath })!.merklePath;
    expect(['fe0', 'zzfe', 'fezz', 'fe 0', 7].map(pathOf)).toEqual([null, null, null, null, null]);
    expect(['Ab', 'abcdef'].map(pathOf)).toEqual(['ab', 'abcdef']);
  });
});

describe('the adapter the configuration selects', () => {
  const cfg = (env: Record<string, string>) => parseConfig({ LOG_LEVEL: 'silent', ...env });

  it('dryrun without ARC_URL or when BROADCAST_MODE says so; ARC when ARC_URL is set', () => {
    expect(createBroadcaster(cfg({}))).toBe(dryrunBroadcaster);
    expect(createBroadcaster(cfg({ ARC_URL: s.url, BROADCAST_MODE: 'dryrun' }))).toBe(dryrunBroadcaster);
    expect(createBroadcaster(cfg({ ARC_URL: s.url })).kind).toBe('arc');
    expect(createBroadcaster(cfg({ ARC_URL: s.url, BROADCAST_MODE: 'arc' })).kind).toBe('arc');
    // a configuration object that names arc without a URL (the parser refuses it) still gets no ARC
    expect(createBroadcaster({ ...cfg({}), BROADCAST_MODE: 'arc' })).toBe(dryrunBroadcaster);
  });

  it('passes the key, the callback (explicit, else from PUBLIC_BASE_URL), its token, X-WaitFor, the timeout and the fetch', async () => {
    const urls: string[] = [];
    const f: typeof fetch = (input, init) => (urls.push(String(input)), fetch(input, init));
    const full = createBroadcaster(
      cfg({ ARC_URL: `${s.url}/`, ARC_API_KEY: 'key-1', ARC_CALLBACK_TOKEN: 'callback-token-0123456789', PUBLIC_BASE_URL: 'https://strata.example//', ARC_WAIT_FOR: 'MINED', ARC_TIMEOUT_MS: '100' }),
      { fetch: f },
    );
    s.next({ status: 200, body: { txStatus: 'MINED' } });
    expect(await full.broadcast({ txid: TXID, hex: 'beef' })).toEqual({ ok: true, txStatus: 'MINED' });
    const h = s.seen.at(-1)!.headers;
    expect([h.authorization, h['x-callbackurl'], h['x-callbacktoken'], h['x-waitfor']]).toEqual([
      'Bearer key-1',
      'https://strata.example/payments/arc-callback',
      'callback-token-0123456789',
      'MINED',
    ]);
    expect(urls).toEqual([`${s.url}/v1/tx`]);
    s.next({ status: 200, body: {}, delayMs: 1000 });
    expect(await full.broadcast({ txid: TXID, hex: 'beef' })).toEqual({ ok: false, kind: 'unavailable', detail: 'ARC timed out' });

    const explicit = createBroadcaster(cfg({ ARC_URL: s.url, ARC_CALLBACK_URL: 'https://cb.example/arc', PUBLIC_BASE_URL: 'https://strata.example' }));
    s.next({ status: 200, body: { txStatus: 'STORED' } });
    await explicit.broadcast({ txid: TXID, hex: 'beef' });
    const e = s.seen.at(-1)!.headers;
    expect([e.authorization, e['x-callbackurl'], e['x-callbacktoken'], e['x-waitfor']]).toEqual([undefined, 'https://cb.example/arc', undefined, 'SEEN_ON_NETWORK']);

    const bare = createBroadcaster(cfg({ ARC_URL: s.url }));
    s.next({ status: 200, body: { txStatus: 'STORED', }, delayMs: 300 });
    // the default timeout (10 s) outlasts a 300 ms answer
    expect(await bare.broadcast({ txid: TXID, hex: 'beef' })).toEqual({ ok: true, txStatus: 'STORED' });
    expect(s.seen.at(-1)!.headers['x-callbackurl']).toBeUndefined();
  });
});
