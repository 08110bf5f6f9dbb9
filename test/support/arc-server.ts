/**
 * A local stand-in for ARC (bitcoin-sv/arc), the transaction processor Strata broadcasts
 * payments through, speaking the parts of its HTTP API Strata uses: POST /v1/tx (JSON
 * `{rawTx}` as raw, Extended Format or BEEF hex; `Authorization: Bearer`, `X-CallbackUrl`,
 * `X-CallbackToken`, `X-WaitFor`), GET /v1/tx/{txid}, the 46x error statuses with ARC's
 * problem body, and the MINED callback (POST to the callback URL with the callback token).
 * Transactions are parsed with @bsv/sdk, independently of the code under test.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import { Transaction } from '@bsv/sdk';
import { listenOn, stopListening } from './listen';

export interface ArcTx {
  readonly txid: string;
  readonly rawTx: string;
  txStatus: string;
  blockHash: string | null;
  blockHeight: number | null;
  merklePath: string | null;
  readonly callbackUrl: string | null;
  readonly callbackToken: string | null;
}

export interface ArcRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface ArcServer {
  readonly url: string;
  readonly apiKey: string;
  /** Every request, in arrival order. */
  readonly requests: ArcRequest[];
  /** Known transactions by txid. */
  readonly txs: Map<string, ArcTx>;
  /** The next POST /v1/tx answers this status (a 46x, 5xx, …) instead of accepting. */
  failNext(status: number, detail?: string): void;
  /** Answers every request with 503 (true) or serves again (false). */
  setDown(down: boolean): void;
  /** Records a tx as MINED with its BUMP, and posts the callback it was registered with. */
  mine(txid: string, block: { blockHash: string; blockHeight: number; merklePath: string }): Promise<{ callbackStatus: number | null }>;
  close(): Promise<void>;
}

const TITLES: Record<number, string> = {
  460: 'Not extended format',
  461: 'Malformed transaction: invalid unlocking scripts',
  462: 'Invalid inputs',
  463: 'Malformed transaction',
  464: 'Invalid outputs',
  465: 'Fee too low',
  466: 'Conflicting tx found',
  467: 'Mined ancestors not found in BEEF',
  468: 'Invalid BUMPs in BEEF',
  469: 'Invalid Merkle Roots',
};

function parseTx(hex: string): Transaction {
  const h = hex.toLowerCase();
  if (h.startsWith('0100beef') || h.startsWith('0200beef') || h.startsWith('01010101')) return Transaction.fromHexBEEF(h);
  if (h.slice(8, 20) === '0000000000ef') return Transaction.fromHexEF(h);
  return Transaction.fromHex(h);
}

export async function startArcServer(o: {
  apiKey?: string;
  /** How callbacks are delivered (default: fetch). Tests route them into an in-process app. */
  deliver?: (url: string, init: RequestInit) => Response | Promise<Response>;
} = {}): Promise<ArcServer> {
  const apiKey = o.apiKey ?? 'arc-test-key-0123456789';
  const deliver = o.deliver ?? ((url: string, init: RequestInit) => fetch(url, init));
  const requests: ArcRequest[] = [];
  const txs = new Map<string, ArcTx>();
  const open = new Set<Socket>();
  let failNext: { status: number; detail: string } | null = null;
  let down = false;

  const statusBody = (t: ArcTx) => ({
    blockHash: t.blockHash ?? '',
    blockHeight: t.blockHeight ?? 0,
    competingTxs: null,
    extraInfo: '',
    merklePath: t.merklePath ?? '',
    timestamp: new Date().toISOString(),
    txStatus: t.txStatus,
    txid: t.txid,
  });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0] as string;
      const send = (status: number, body: unknown) => {
        requests.push({
          method: req.method ?? '',
          path,
          status,
          headers: {
            authorization: req.headers.authorization,
            'x-callbackurl': req.headers['x-callbackurl'] as string | undefined,
            'x-callbacktoken': req.headers['x-callbacktoken'] as string | undefined,
            'x-waitfor': req.headers['x-waitfor'] as string | undefined,
            'content-type': req.headers['content-type'],
          },
        });
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const problem = (status: number, title: string, detail: string, txid?: string) =>
        send(status, { type: `https://bitcoin-sv.github.io/arc/#/errors?id=_${status}`, title, status, detail, instance: null, txid: txid ?? null, extraInfo: '' });

      if (down) return problem(503, 'Service Unavailable', 'down for the test');
      if (req.headers.authorization !== `Bearer ${apiKey}`) return problem(401, 'Security requirements failed', 'missing or wrong bearer key');

      if (req.method === 'POST' && path === '/v1/tx') {
        let rawTx: string;
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { rawTx?: unknown };
          if (typeof body.rawTx !== 'string') throw new Error('no rawTx');
          rawTx = body.rawTx;
        } catch {
          return problem(400, 'Bad request', 'body must be JSON {rawTx}');
        }
        let txid: string;
        try {
          txid = parseTx(rawTx).id('hex');
        } catch {
          return problem(463, TITLES[463] as string, 'could not parse the transaction');
        }
        if (failNext) {
          const f = failNext;
          failNext = null;
          return problem(f.status, TITLES[f.status] ?? 'Error', f.detail, txid);
        }
        const known = txs.get(txid);
        const t: ArcTx = known ?? {
          txid,
          rawTx,
          txStatus: 'SEEN_ON_NETWORK',
          blockHash: null,
          blockHeight: null,
          merklePath: null,
          callbackUrl: (req.headers['x-callbackurl'] as string | undefined) ?? null,
          callbackToken: (req.headers['x-callbacktoken'] as string | undefined) ?? null,
        };
        txs.set(txid, t);
        return send(200, { ...statusBody(t), status: 200, title: 'OK' });
      }
      const m = /^\/v1\/tx\/([0-9a-f]{64})$/.exec(path);
      if (req.method === 'GET' && m) {
        const t = txs.get(m[1] as string);
        if (!t) return problem(404, 'Not found', 'transaction not found');
        return send(200, statusBody(t));
      }
      return problem(404, 'Not found', `no route ${req.method} ${path}`);
    });
  });
  server.on('connection', (s) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  const port = await listenOn(server, 0);

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    txs,
    failNext(status, detail = 'induced by the test') {
      failNext = { status, detail };
    },
    setDown(d) {
      down = d;
    },
    async mine(txid, block) {
      const t = txs.get(txid);
      if (!t) throw new Error(`ARC never saw ${txid}`);
      t.txStatus = 'MINED';
      t.blockHash = block.blockHash;
      t.blockHeight = block.blockHeight;
      t.merklePath = block.merklePath;
      if (!t.callbackUrl) return { callbackStatus: null };
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (t.callbackToken) headers.authorization = `Bearer ${t.callbackToken}`;
      const res = await deliver(t.callbackUrl, { method: 'POST', headers, body: JSON.stringify(statusBody(t)) });
      await res.text();
      return { callbackStatus: res.status };
    },
    close: () => stopListening(server, open),
  };
}
