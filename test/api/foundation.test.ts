import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lazyBlobStore } from '@strata/core/adapters/lazy';
import { parseConfig } from '@strata/core/config/index';
import { createDeps, DepsError } from '@strata/core/create-deps';
import { embeddedDeps, serviceDeps, type TestStack } from '../support/deps';
import { describeWith } from '../support/reachable';

async function json(res: Response): Promise<Record<string, any>> {
  return (await res.json()) as Record<string, any>;
}

describe('app foundation (embedded default)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps();
  });
  afterAll(() => stack.close());

  it('GET /health answers 200 naming every tier', async () => {
    const res = await stack.app.request('/health');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.status).toBe('ok');
    expect(body.database.tier).toBe('pglite');
    expect(body.cache.tier).toBe('memory');
    expect(body.storage.tier).toBe('fs');
    expect(body.queue.tier).toBe('memory');
    expect(body.failing).toEqual([]);
    expect(Date.parse(body.timestamp)).not.toBeNaN();
  });

  it('GET /health reports the backlog of post-commit work, which alone does not make it 503', async () => {
    expect((await json(await stack.app.request('/health'))).backlog).toEqual({ outboxPending: 0, outboxOldestSec: 0, deadLetters: 0 });
    await stack.deps.sql.query(`INSERT INTO cache_outbox (keys, tags, created_at) VALUES ($1::text[], '{}', now() - interval '120 seconds')`, [['v1:cache:asset:x']]);
    await stack.deps.sql.query(`INSERT INTO dead_letters (id, job_type, payload, attempts, last_error) VALUES ('dl-health', 'outbox.sweep', '{}'::jsonb, 5, 'x')`);
    const res = await stack.app.request('/health');
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body.backlog).toMatchObject({ outboxPending: 1, deadLetters: 1 });
    expect(body.backlog.outboxOldestSec).toBeGreaterThanOrEqual(119);
    await stack.deps.sql.query(`UPDATE cache_outbox SET applied_at = now()`);
    await stack.deps.sql.query(`UPDATE dead_letters SET replayed_at = now()`);
    expect((await json(await stack.app.request('/health'))).backlog).toEqual({ outboxPending: 0, outboxOldestSec: 0, deadLetters: 0 });
    // /health/db stays the two probes
    expect(Object.keys(await json(await stack.app.request('/health/db'))).sort()).toEqual(['cache', 'database', 'failing', 'status', 'timestamp']);
  });

  it('GET /health/db checks Postgres and Kv', async () => {
    const res = await stack.app.request('/health/db');
    expect(res.status).toBe(200);
    expect((await json(res)).database.ok).toBe(true);
  });

  it('echoes a well-formed request id and replaces a hostile one', async () => {
    const ok = await stack.app.request('/health', { headers: { 'x-request-id': 'abc-123' } });
    expect(ok.headers.get('x-request-id')).toBe('abc-123');
    const bad = await stack.app.request('/health', { headers: { 'x-request-id': 'x'.repeat(500) } });
    expect(bad.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const res = await stack.app.request('/no/such/route');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    const body = await json(res);
    expect(body).toMatchObject({ type: '/docs/errors#not-found', status: 404, error: 'not-found', instance: '/no/such/route' });
    expect(body.requestId).toBe(res.headers.get('x-request-id'));
  });

  it('rejects an oversized body with 413 before reading it', async () => {
    const big = 'x'.repeat(stack.deps.config.BODY_LIMIT_BYTES + 1);
    const res = await stack.app.request('/health', { method: 'POST', body: big, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(413);
    expect((await json(res)).error).toBe('payload-too-large');
  });

  it('answers browsers with CORS headers (preflight included) and other clients without them', async () => {
    const browser = await stack.app.request('/health', { headers: { origin: 'https://app.example' } });
    expect(browser.headers.get('access-control-allow-origin')).toBe('*');
    expect(browser.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const preflight = await stack.app.request('/submit', {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-signature' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('x-signature');
    const cli = await stack.app.request('/health');
    expect(cli.headers.get('access-control-allow-origin')).toBeNull();
    expect(cli.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves the OpenAPI document and the interactive reference', async () => {
    const first = await stack.app.request('/openapi.json');
    expect(first.headers.get('content-type')).toMatch(/^application\/json/);
    const text = await first.text();
    // generated once, then the same document
    expect(await (await stack.app.request('/openapi.json')).text()).toBe(text);
    const doc = JSON.parse(text) as { openapi: string; paths: Record<string, unknown>; components: { schemas: Record<string, unknown> } };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/health');
    expect(doc.components.schemas.Problem).toBeDefined();
    const docs = await stack.app.request('/docs');
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/openapi.json');
  });

  it('exposes Prometheus metrics including storage round trips', async () => {
    await stack.app.request('/health');
    const text = await (await stack.app.request('/metrics')).text();
    expect(text).toMatch(/strata_storage_round_trips_total\{op="query",tier="sql"\} \d+/);
  });

  it('refuses the local blob route without a valid signature', async () => {
    const res = await stack.app.request('/blobs/some/key?method=GET&expires=9999999999&sig=00');
    expect(res.status).toBe(403);
    expect((await json(res)).error).toBe('forbidden');
  });
});

it('refuses REDIS_URL where there is no TCP socket (Workers), naming the alternative', async () => {
  const config = parseConfig({
    DATABASE_URL: 'postgres://user@db.example.com/app',
    REDIS_URL: 'redis://127.0.0.1:6379',
    S3_BUCKET: 'strata-test',
    ADMIN_TOKEN: 'test-admin-token-0123456789',
    INGEST_TOKEN: 'test-ingest-token-0123456789',
    LOG_LEVEL: 'silent',
  });
  // a Worker's platform as far as the Kv step: a queue binding and an S3 store
  const err = await createDeps(config, {
    runtime: 'worker',
    queue: { kind: 'memory', send: async () => undefined },
    // never loaded: the start fails at the Kv step first
    openS3BlobStore: () => lazyBlobStore('s3', async () => Promise.reject(new Error('not loaded'))),
  }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DepsError);
  expect((err as Error).message).toMatch(/REDIS_URL needs a TCP connection.*UPSTASH_REDIS_REST_URL.*on worker/);
});

for (const kv of ['upstash', 'redis'] as const) {
  await describeWith(['postgres', 'redis'], `app foundation (PostgreSQL + ${kv === 'upstash' ? 'Upstash bridge' : 'Redis over TCP'})`, () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await serviceDeps({ kv, env: { KV_TIMEOUT_MS: '300' } });
    });
    afterAll(() => stack.close());

    it('names the real tiers', async () => {
      const body = await json(await stack.app.request('/health'));
      expect(body.database.tier).toBe('pg');
      expect(body.cache.tier).toBe(kv);
    });

    it('answers 503 degraded naming the cache tier when Kv is down, and recovers', async () => {
      await stack.kvDown!(true);
      try {
        const res = await stack.app.request('/health/db');
        expect(res.status).toBe(503);
        const body = await json(res);
        expect(body.status).toBe('degraded');
        expect(body.failing).toEqual(['cache']);
        expect(body.database.ok).toBe(true);
        const full = await json(await stack.app.request('/health'));
        expect(full.rateLimit.failOpen).toBe(true);
      } finally {
        await stack.kvDown!(false);
      }
      // the TCP client reconnects with backoff (at most 2 s)
      for (let i = 0; i < 60 && (await stack.app.request('/health/db')).status !== 200; i++) await new Promise((r) => setTimeout(r, 100));
      expect((await stack.app.request('/health/db')).status).toBe(200);
    });
  });
}
