/**
 * Failure paths on the real tiers (local PostgreSQL; Redis through the Upstash bridge, and for
 * Kv down also over TCP): Kv down, Postgres down (connections refused and terminated), and a
 * writer that dies between commit and invalidation — the outbox sweeper repairs what the
 * request path could not.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyInvalidation, cacheKeys } from '@strata/core/cache/index';
import { publish } from '@strata/core/catalog/service';
import { ANONYMOUS } from '@strata/core/context';
import { sweepOutbox, type Invalidator } from '@strata/core/outbox/outbox';
import { manualClock, systemClock } from '@strata/core/ports/clock';
import type { Kv } from '@strata/core/ports/kv';
import { describeWith } from '../support/reachable';
import { serviceDeps, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { call, submit } from '../support/catalog-http';
import { blockDatabase, isolateOf, unblockDatabase } from '../support/catalog-isolate';

const ids = (r: { body: { items: { versionId: string }[] } }) => r.body.items.map((i) => i.versionId).sort();
const ENV = { RATE_LIMIT_PER_MIN: '0', FEATURE_FLAGS_JSON: '{"lineageHooks":false}' };

/** Waits until a Kv answers again (a TCP client reconnects with backoff of at most 2 s). */
async function waitForKv(kv: Kv): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await kv.ping().then(() => true, () => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The cron's view of the outbox: its own process, straight to Kv. */
const cron = (stack: TestStack): Invalidator => ({ invalidate: (inv) => applyInvalidation(stack.deps.kv, inv, { clock: systemClock }) });

for (const kv of ['upstash', 'redis'] as const) {
  await describeWith(['postgres', 'redis'], `catalog with Kv down (PostgreSQL + ${kv === 'upstash' ? 'Upstash bridge' : 'Redis over TCP'})`, () => {
    let stack: TestStack;
    beforeAll(async () => {
      stack = await serviceDeps({ kv, env: ENV });
    });
    afterAll(async () => {
      await stack?.kvDown!(false);
      await stack?.close();
    });

    it('Kv down: reads come from Postgres, writes succeed; once Kv is back the sweeper applies the invalidation', async () => {
      const reader = await isolateOf(stack, ENV);
      try {
        const a = makePublication({ datasetId: 'ds-kvdown' });
        expect((await submit(stack, a)).status).toBe(201);
        const url = '/listings?datasetId=ds-kvdown';
        expect(ids(await call(reader, 'GET', url))).toEqual([a.versionId]);
        await reader.settle();

        await stack.kvDown!(true);
        const b = makePublication({ datasetId: 'ds-kvdown' });
        const w = await submit(stack, b);
        expect(w.status).toBe(201);
        const pending = await stack.deps.sql.query('SELECT applied_at FROM cache_outbox WHERE $1 = ANY(keys)', [cacheKeys.asset(b.versionId)]);
        expect(pending).toEqual([{ applied_at: null }]);
        const detail = await call(stack, 'GET', `/listings/${b.versionId}`);
        expect(detail.status).toBe(200);
        expect(detail.headers.get('x-cache')).toBe('miss');
        expect(ids(await call(stack, 'GET', url))).toEqual([a.versionId, b.versionId].sort());

        await stack.kvDown!(false);
        await waitForKv(reader.deps.kv);
        // before the sweep, another isolate can still read the page cached before the write
        reader.deps.cache.clearL1();
        expect(ids(await call(reader, 'GET', url))).toEqual([a.versionId]);

        const swept = await sweepOutbox({ sql: stack.deps.sql, cache: cron(stack) });
        expect(swept.applied).toBeGreaterThanOrEqual(1);
        expect(swept.pending).toBe(0);
        reader.deps.cache.clearL1();
        const fresh = await call(reader, 'GET', url);
        expect(fresh.headers.get('x-cache')).toBe('miss');
        expect(ids(fresh)).toEqual([a.versionId, b.versionId].sort());
        const left = await stack.deps.sql.query('SELECT count(*)::int AS n FROM cache_outbox WHERE applied_at IS NULL');
        expect(left[0]!.n).toBe(0);
      } finally {
        await stack.kvDown!(false);
        await reader.close();
      }
    });
  });
}

await describeWith(['postgres', 'redis'], 'catalog failure paths (PostgreSQL + Upstash bridge)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await serviceDeps({ env: ENV });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('a writer that dies between commit and invalidation leaves an outbox row the sweeper applies', async () => {
    const reader = await isolateOf(stack, ENV);
    try {
      const a = makePublication({ datasetId: 'ds-killed' });
      await submit(stack, a);
      await stack.settle();
      // start from an empty backlog
      await sweepOutbox({ sql: stack.deps.sql, cache: cron(stack) });
      const url = '/listings?datasetId=ds-killed';
      await call(reader, 'GET', url);
      await reader.settle();

      // the process "dies" right after the commit: invalidate never reaches Kv
      const dying = { ...stack.deps, cache: { ...stack.deps.cache, invalidate: () => Promise.reject(new Error('killed')) } };
      const b = makePublication({ datasetId: 'ds-killed' });
      await expect(publish({ deps: dying, ctx: { waitUntil: () => undefined, requestId: 'r-killed', actor: ANONYMOUS }, input: b })).rejects.toThrow('killed');

      reader.deps.cache.clearL1();
      expect(ids(await call(reader, 'GET', url))).toEqual([a.versionId]);
      const swept = await sweepOutbox({ sql: stack.deps.sql, cache: cron(stack) });
      expect(swept.applied).toBe(1);
      reader.deps.cache.clearL1();
      expect(ids(await call(reader, 'GET', url))).toEqual([a.versionId, b.versionId].sort());
    } finally {
      await reader.close();
    }
  });
});

await describeWith(['postgres', 'redis'], 'catalog with Postgres down (real refused and terminated connections)', () => {
  const clock = manualClock(Date.now());
  let stack: TestStack;
  beforeAll(async () => {
    stack = await serviceDeps({ env: ENV, platform: { clock } });
  });
  afterAll(async () => {
    if (stack?.db) await unblockDatabase(stack.db.name);
    await stack?.close();
  });

  it('serves cached entries as stale within grace, answers writes 503 and writes nothing', async () => {
    const a = makePublication({ datasetId: 'ds-pgdown' });
    expect((await submit(stack, a)).status).toBe(201);
    const url = '/listings?datasetId=ds-pgdown';
    await call(stack, 'GET', `/listings/${a.versionId}`);
    await call(stack, 'GET', url);
    await stack.settle();

    // past fresh + stale (assets 300 s ±10 % + 60 s, listings 180 s + 60 s), inside grace
    clock.advance(500_000);
    await blockDatabase(stack.db!.name);
    try {
      const detail = await call(stack, 'GET', `/listings/${a.versionId}`);
      expect(detail.status).toBe(200);
      expect(detail.headers.get('x-cache')).toBe('stale');
      expect(detail.body.versionId).toBe(a.versionId);
      const page = await call(stack, 'GET', url);
      expect(page.status).toBe(200);
      expect(page.headers.get('x-cache')).toBe('stale');
      expect(ids(page)).toEqual([a.versionId]);

      const unknown = await call(stack, 'GET', `/listings/${'e'.repeat(64)}`);
      expect(unknown.status).toBe(503);
      expect(unknown.body.error).toBe('unavailable');

      const b = makePublication({ datasetId: 'ds-pgdown' });
      const w = await submit(stack, b);
      expect(w.status).toBe(503);
      expect(w.headers.get('content-type')).toBe('application/problem+json');
      expect(w.body).toMatchObject({ error: 'unavailable' });
      expect(JSON.stringify(w.body)).not.toMatch(/ALLOW_CONNECTIONS|strata_t_|postgres:/);

      await unblockDatabase(stack.db!.name);
      for (const [table, col] of [['manifests', 'version_id'], ['assets', 'version_id'], ['declarations', 'version_id']] as const) {
        const rows = await stack.deps.sql.query(`SELECT 1 FROM ${table} WHERE ${col} = $1`, [b.versionId]);
        expect(rows, table).toEqual([]);
      }
      const audit = await stack.deps.sql.query('SELECT 1 FROM audit_log WHERE resource = $1', [`version:${b.versionId}`]);
      expect(audit).toEqual([]);
      const outbox = await stack.deps.sql.query('SELECT 1 FROM cache_outbox WHERE $1 = ANY(keys)', [cacheKeys.asset(b.versionId)]);
      expect(outbox).toEqual([]);
      // and once Postgres is back the same publish goes through
      expect((await submit(stack, b)).status).toBe(201);
    } finally {
      await unblockDatabase(stack.db!.name);
    }
  });
});
