/**
 * The typed client over real HTTP against `node functions/src/entry/node.ts` in a child process:
 * the embedded default, and PostgreSQL + Redis when they answer. Signatures the server accepts,
 * typed problems off the wire, and the retry rule on real connections: an idempotent GET is
 * sent again after a reset connection (TCP proxy that resets once) and after a 503 (an HTTP
 * front that answers 503 once, then forwards), an idempotent POST too, a non-idempotent POST
 * (POST /pay, which creates a receipt per call) never; a hung server is a timeout.
 */
import http from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataClient, StrataHttpError, StrataNetworkError, StrataProblem } from '@strata/client';
import { makePublication } from '../support/dlm1';
import { listenOn } from '../support/listen';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith, REDIS_URL } from '../support/reachable';
import { freePort, killGroup, runStrata, type StrataProcess } from '../support/strata-process';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

const ADMIN = 'client-http-admin-token-0123456789';
const INGEST = 'client-http-ingest-token-0123456789';

interface Server {
  readonly base: string;
  readonly port: number;
  close(): Promise<void>;
}

async function startServer(env: Record<string, string>): Promise<Server & { p: StrataProcess }> {
  const port = await freePort();
  const p = runStrata('node-start', { ADMIN_TOKEN: ADMIN, INGEST_TOKEN: INGEST, RATE_LIMIT_PER_MIN: '0', RATE_LIMIT_SUBMIT_PER_MIN: '0', PORT: String(port), ...env });
  try {
    await p.waitForLog('strata listening', 120_000);
  } catch (e) {
    killGroup(p);
    throw e;
  }
  return {
    p,
    port,
    base: `http://127.0.0.1:${port}`,
    async close() {
      try {
        process.kill(p.pid, 'SIGTERM');
        await p.exited(30_000);
      } catch {
        killGroup(p);
      }
    },
  };
}

/** An HTTP front that answers the next `failNext` requests 503 (problem+json), then forwards. */
async function startFlakyFront(target: string) {
  let failNext = 0;
  const seen: string[] = [];
  const server = http.createServer(async (req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (failNext > 0) {
      failNext--;
      res.writeHead(503, { 'content-type': 'application/problem+json' });
      res.end(JSON.stringify({ type: '/docs/errors#unavailable', title: 'Service unavailable', status: 503, detail: 'front refuses once', instance: req.url, error: 'unavailable', requestId: 'front' }));
      return;
    }
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'connection', 'content-length'].includes(k))) as Record<string, string>;
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const up = await fetch(`${target}${req.url}`, { method: req.method!, headers, ...(body ? { body } : {}) });
    const out = Buffer.from(await up.arrayBuffer());
    res.writeHead(up.status, Object.fromEntries([...up.headers].filter(([k]) => !['content-encoding', 'transfer-encoding', 'content-length', 'connection'].includes(k))));
    res.end(out);
  });
  const port = await listenOn(server, 0);
  return {
    base: `http://127.0.0.1:${port}`,
    seen,
    failNext: (n: number) => (failNext = n),
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

function suite(label: string, open: () => Promise<Server>) {
  describe(`client over HTTP [${label}]`, () => {
    let server: Server;
    let proxy: TcpProxy;
    let front: Awaited<ReturnType<typeof startFlakyFront>>;
    const key = PrivateKey.fromRandom();
    const client = (base: string, o: Partial<ConstructorParameters<typeof StrataClient>[0]> = {}) =>
      new StrataClient({ baseUrl: base, adminToken: ADMIN, ingestToken: INGEST, identityKey: key, retry: { baseDelayMs: 20, maxDelayMs: 200 }, ...o });

    beforeAll(async () => {
      server = await open();
      proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port });
      front = await startFlakyFront(server.base);
    }, 180_000);
    afterAll(async () => {
      await front?.close();
      await proxy?.close();
      await server?.close();
    }, 60_000);

    it('publishes and registers with signatures the server accepts; problems arrive typed', async () => {
      const strata = client(server.base);
      expect((await strata.health()).status).toBe('ok');
      const p = makePublication({}, { signer: key });
      expect((await strata.submit({ rawTx: p.rawTx, manifest: p.manifest as never })).versionId).toBe(p.versionId);
      const reg = await strata.registerProducer({ name: `HTTP ${label}` });
      expect((await strata.producer(reg.producerId)).identityKey).toBe(key.toPublicKey().toString());
      expect((await strata.listing(p.versionId)).versionId).toBe(p.versionId);
      const e = (await strata.price('zz').catch((x: unknown) => x)) as StrataProblem;
      expect(e).toBeInstanceOf(StrataProblem);
      expect([e.status, e.code, e.issues[0]?.path]).toEqual([400, 'validation-failed', 'query.versionId']);
      expect(e.requestId).toMatch(/.+/);
    });

    it('an idempotent GET is sent again after a reset connection; a non-idempotent POST is not', async () => {
      const retries: string[] = [];
      const via = client(`http://127.0.0.1:${proxy.port}`, { onRetry: (i) => retries.push(`${i.method} ${new URL(i.url).pathname} #${i.attempt}`) });
      expect((await via.health()).status).toBe('ok'); // a kept-alive connection now exists
      proxy.resetNext(1);
      expect((await via.health()).status).toBe('ok');
      expect(retries).toEqual(['GET /health #1']);

      const p = makePublication({}, { signer: key });
      await client(server.base).submit({ rawTx: p.rawTx, manifest: p.manifest as never });
      proxy.resetNext(1);
      const e = await via.pay({ versionId: p.versionId, quantity: 1 }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StrataNetworkError);
      expect([(e as StrataNetworkError).attempts, (e as StrataNetworkError).timeout]).toEqual([1, false]);
      expect(retries).toEqual(['GET /health #1']);
    });

    it('an idempotent GET and an idempotent POST are sent again after a 503; POST /pay is not (the front saw it once)', async () => {
      const strata = client(front.base);
      front.seen.length = 0;
      front.failNext(1);
      const p = makePublication({}, { signer: key });
      const sub = await strata.api.POST('/submit', { body: { rawTx: p.rawTx, manifest: p.manifest as never } });
      expect(sub.response.status).toBe(201); // POST /submit is idempotent on the same transaction
      expect(front.seen).toEqual(['POST /submit', 'POST /submit']);

      front.seen.length = 0;
      front.failNext(1);
      expect((await strata.listing(p.versionId)).versionId).toBe(p.versionId);
      expect(front.seen).toEqual([`GET /listings/${p.versionId}`, `GET /listings/${p.versionId}`]);

      front.seen.length = 0;
      front.failNext(1);
      const e = (await strata.pay({ versionId: p.versionId, quantity: 1 }).catch((x: unknown) => x)) as StrataHttpError;
      expect(e).toBeInstanceOf(StrataProblem);
      expect([e.status, (e as StrataProblem).code]).toEqual([503, 'unavailable']);
      expect(front.seen).toEqual(['POST /pay']);
      // a receipt is made only by the next, deliberate call
      const r = await strata.pay({ versionId: p.versionId, quantity: 1 });
      expect((await strata.receipt(r.receiptId)).status).toBe('pending');
    });

    it('gives up on a hung server after its timeout, per attempt, and says so', async () => {
      await proxy.setDown('hang');
      try {
        const strata = client(`http://127.0.0.1:${proxy.port}`, { timeoutMs: 300, retry: { retries: 1, baseDelayMs: 10 } });
        const t0 = Date.now();
        const e = (await strata.health().catch((x: unknown) => x)) as StrataNetworkError;
        expect(e).toBeInstanceOf(StrataNetworkError);
        expect([e.timeout, e.attempts]).toEqual([true, 2]);
        expect(Date.now() - t0).toBeGreaterThanOrEqual(600);
      } finally {
        await proxy.setDown(false);
      }
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-client-http-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

suite('embedded', () => startServer({ PGLITE_DIR: join(dir, 'pglite'), BLOB_DIR: join(dir, 'blobs') }));

await describeWith(['postgres', 'redis'], 'client over HTTP on PostgreSQL + Redis', () => {
  let db: TestDatabase | undefined;
  suite('postgres+redis', async () => {
    db = await createTestDatabase();
    const s = await startServer({ DATABASE_URL: db.url, MIGRATE_ON_START: 'true', REDIS_URL: `${REDIS_URL}/14`, BLOB_DIR: join(dir, 'blobs-pg') });
    return {
      ...s,
      async close() {
        await s.close();
        await db?.drop();
      },
    };
  });
});
