/**
 * The outbox (ARCHITECTURE §5) on real stores: a write commits with its outbox and audit rows
 * or not at all; a row is marked applied only once its invalidation reached Kv; the sweeper
 * applies every key and tag of every pending row, and a sweep during a Kv outage leaves the rows
 * pending (with their attempts counted) for the sweep after it. PGlite with the memory Kv always;
 * PostgreSQL with Redis over TCP (through a proxy the test takes down) when they are reachable.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryKv } from '@strata/core/adapters/kv/memory';
import { createRedisKv } from '@strata/core/adapters/kv/redis';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { cacheKeys, cacheTags, createCache, type Cache } from '@strata/core/cache/index';
import { migrate } from '@strata/core/migrate/files';
import { StrataError } from '@strata/core/errors';
import type { NonceClaim } from '@strata/core/identity/nonces';
import { commitWrite, outboxBacklog, sweepOutbox, type Invalidation } from '@strata/core/outbox/outbox';
import { stmt, type Sql } from '@strata/core/ports/sql';
import { serviceDeps, type TestStack } from '../support/deps';
import { describeWith } from '../support/reachable';
import { randomVersionId, wrapKv, type WrappedKv } from '../support/cache-wrappers';

interface Store {
  readonly sql: Sql;
  /** The cache the writer invalidates through. */
  readonly cache: Cache;
  /** A second isolate over the same Kv: what other readers see. */
  readonly reader: () => Cache;
  kvDown(down: boolean): Promise<void>;
}

function outboxSuite(name: string, open: () => Promise<Store & { close(): Promise<void> }>) {
  describe(name, () => {
    let s: Store & { close(): Promise<void> };
    const background: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => void background.push(p);
    const settle = async () => {
      while (background.length > 0) await Promise.all(background.splice(0));
    };
    beforeAll(async () => {
      s = await open();
      await s.sql.query(`CREATE TABLE IF NOT EXISTS outbox_probe (id text PRIMARY KEY, v int NOT NULL)`);
    });
    afterAll(async () => s?.close());

    /** Rows of the outbox that carry `tag`, oldest first. */
    const rowsFor = (tag: string) =>
      s.sql.query<{ id: string; applied: boolean; attempts: number; keys: string[]; tags: string[] }>(
        'SELECT id::text, applied_at IS NOT NULL AS applied, attempts, keys, tags FROM cache_outbox WHERE $1 = ANY(tags) ORDER BY id',
        [tag],
      );
    const auditFor = (resource: string) => s.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log WHERE resource = $1', [resource]);
    const write = (id: string, v: number, tag: string, key: string, cache: Cache = s.cache) =>
      commitWrite(
        { sql: s.sql, cache, waitUntil },
        {
          statements: [stmt('INSERT INTO outbox_probe (id, v) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v RETURNING v', [id, v])],
          invalidate: { keys: [key], tags: [tag] },
          audit: { actor: 'system:test', action: 'probe.write', resource: `probe:${id}` },
        },
      );

    it('commits the data, the audit row and the outbox row together; marks the row applied after the invalidation', async () => {
      const id = randomUUID();
      const tag = cacheTags.of('probe', id);
      const key = cacheKeys.asset(randomVersionId());
      const r = await write(id, 1, tag, key);
      expect(r).toEqual({ results: [[{ v: 1 }]], invalidated: true });
      await settle();
      expect(await rowsFor(tag)).toMatchObject([{ applied: true, attempts: 0, keys: [key], tags: [tag] }]);
      expect(await auditFor(`probe:${id}`)).toEqual([{ n: 1 }]);
    });

    it('a failing statement leaves no data, no audit row, no outbox row and invalidates nothing', async () => {
      const id = randomUUID();
      const tag = cacheTags.of('probe', id);
      const key = cacheKeys.asset(randomVersionId());
      const reader = s.reader();
      await reader.get('assets', key, async () => ({ v: 0 }), { tags: [tag] });
      await reader.settle();
      await expect(write(id, null as unknown as number, tag, key)).rejects.toThrow();
      expect(await rowsFor(tag)).toEqual([]);
      expect(await auditFor(`probe:${id}`)).toEqual([{ n: 0 }]);
      expect(await s.sql.query('SELECT 1 FROM outbox_probe WHERE id = $1', [id])).toEqual([]);
      reader.clearL1();
      expect(await reader.get('assets', key, async () => ({ v: 9 }), { tags: [tag] })).toMatchObject({ value: { v: 0 }, status: 'hit' });
    });

    it('with Kv down the write still commits; its row stays pending, never marked; the sweep after the outage applies it', async () => {
      const id = randomUUID();
      const tag = cacheTags.of('probe', id);
      const key = cacheKeys.asset(randomVersionId());
      const reader = s.reader();
      expect((await reader.get('assets', key, async () => ({ v: 0 }), { tags: [tag] })).value).toEqual({ v: 0 });
      await reader.settle();

      await s.kvDown(true);
      const r = await write(id, 1, tag, key);
      expect(r).toEqual({ results: [[{ v: 1 }]], invalidated: false });
      await settle();
      expect(await rowsFor(tag)).toMatchObject([{ applied: false, attempts: 0 }]);
      expect((await outboxBacklog(s.sql)).outboxPending).toBeGreaterThanOrEqual(1);

      // a sweep while Kv is still down: nothing marked applied, the attempt counted
      const during = await sweepOutbox({ sql: s.sql, cache: s.reader() });
      expect(during.applied).toBe(0);
      expect(during.failed).toBeGreaterThanOrEqual(1);
      expect(await rowsFor(tag)).toMatchObject([{ applied: false, attempts: 1 }]);

      await s.kvDown(false);
      // the reader still holds the old value in L2 until the sweep applies the row
      reader.clearL1();
      expect((await reader.get('assets', key, async () => ({ v: 1 }), { tags: [tag] })).value).toEqual({ v: 0 });
      const after = await sweepOutbox({ sql: s.sql, cache: s.reader() });
      expect(after.applied).toBeGreaterThanOrEqual(1);
      expect(after.pending).toBe(0);
      expect(await rowsFor(tag)).toMatchObject([{ applied: true, attempts: 1 }]);
      reader.clearL1();
      expect(await reader.get('assets', key, async () => ({ v: 1 }), { tags: [tag] })).toMatchObject({ value: { v: 1 }, status: 'miss' });
    });

    it('the sweep applies every key and every tag of every pending row, in one invalidation', async () => {
      const reader = s.reader();
      const entries = Array.from({ length: 3 }, () => ({ id: randomUUID(), key: cacheKeys.asset(randomVersionId()), other: cacheKeys.asset(randomVersionId()) }));
      for (const e of entries) {
        // one entry reached by key, one by tag, per row
        await reader.get('assets', e.key, async () => ({ v: 0 }));
        await reader.get('assets', e.other, async () => ({ v: 0 }), { tags: [cacheTags.of('probe', e.id)] });
      }
      await reader.settle();
      await s.kvDown(true);
      const writer = s.reader(); // a writer isolate that meets the outage
      for (const e of entries) expect((await write(e.id, 1, cacheTags.of('probe', e.id), e.key, writer)).invalidated).toBe(false);
      await s.kvDown(false);
      const swept = await sweepOutbox({ sql: s.sql, cache: s.reader() });
      expect(swept.applied).toBeGreaterThanOrEqual(3);
      reader.clearL1();
      for (const e of entries) {
        expect((await reader.get('assets', e.key, async () => ({ v: 1 }))).value).toEqual({ v: 1 });
        expect((await reader.get('assets', e.other, async () => ({ v: 1 }), { tags: [cacheTags.of('probe', e.id)] })).value).toEqual({ v: 1 });
      }
      expect((await outboxBacklog(s.sql)).outboxPending).toBe(0);
    });

    it('the sweep leaves rows younger than its bound, and takes at most its limit, oldest first', async () => {
      const ids = Array.from({ length: 3 }, () => randomUUID());
      await s.kvDown(true);
      const writer = s.reader();
      for (const id of ids) await write(id, 1, cacheTags.of('probe', id), cacheKeys.asset(randomVersionId()), writer);
      await s.kvDown(false);
      expect(await sweepOutbox({ sql: s.sql, cache: s.reader() }, { olderThanSec: 3600 })).toEqual({ applied: 0, failed: 0, pending: 0 });
      expect((await outboxBacklog(s.sql)).outboxPending).toBe(3);
      expect(await sweepOutbox({ sql: s.sql, cache: s.reader() }, { limit: 2 })).toEqual({ applied: 2, failed: 0, pending: 0 });
      const first = await rowsFor(cacheTags.of('probe', ids[0]!));
      const last = await rowsFor(cacheTags.of('probe', ids[2]!));
      expect([first[0]?.applied, last[0]?.applied]).toEqual([true, false]);
      expect(await sweepOutbox({ sql: s.sql, cache: s.reader() })).toEqual({ applied: 1, failed: 0, pending: 0 });
      expect(await sweepOutbox({ sql: s.sql, cache: s.reader() })).toEqual({ applied: 0, failed: 0, pending: 0 });
    });

    it('a write without keys or tags writes no outbox row', async () => {
      const id = randomUUID();
      const before = await s.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM cache_outbox');
      const r = await commitWrite(
        { sql: s.sql, cache: s.cache, waitUntil },
        { statements: [stmt('INSERT INTO outbox_probe (id, v) VALUES ($1, 1)', [id])], invalidate: { keys: [], tags: [] }, audit: { actor: 'system:test', action: 'probe.write', resource: `probe:${id}` } },
      );
      expect(r).toEqual({ results: [[]], invalidated: true });
      expect(await s.sql.query('SELECT count(*)::int AS n FROM cache_outbox')).toEqual(before);
      expect(await auditFor(`probe:${id}`)).toEqual([{ n: 1 }]);
    });

    /** An invalidator that records what it is asked and applies nothing. */
    const recorder = () => {
      const calls: Invalidation[] = [];
      return { calls, cache: { invalidate: async (inv: Invalidation) => (calls.push(inv), { applied: true }) } };
    };
    const probeWrite = (id: string, o: { nonce?: NonceClaim; sql?: Sql; cache?: { invalidate: (i: Invalidation) => Promise<{ applied: boolean }> }; v?: number | null } = {}) =>
      commitWrite(
        { sql: o.sql ?? s.sql, cache: o.cache ?? s.cache, waitUntil },
        {
          statements: [stmt('INSERT INTO outbox_probe (id, v) VALUES ($1, $2) RETURNING v', [id, o.v === undefined ? 1 : o.v])],
          invalidate: { keys: [], tags: [cacheTags.of('t', id)] },
          audit: { actor: 'system:test', action: 'probe.write', resource: `probe:${id}` },
          nonce: o.nonce ?? null,
        },
      );
    const probe = (id: string) => s.sql.query<{ v: number }>('SELECT v FROM outbox_probe WHERE id = $1', [id]);
    const claimOf = (nonce: string): NonceClaim => ({ identityKey: `02${'c'.repeat(64)}`, nonce, signedAt: new Date(), claimed: false });

    it('claims a nonce inside the write: a replay writes nothing, a claim already held is not claimed again', async () => {
      const nonce = randomUUID();
      const first = claimOf(nonce);
      const a = randomUUID();
      // the caller's results exclude the claim's own row
      expect(await probeWrite(a, { nonce: first, v: 7 })).toMatchObject({ results: [[{ v: 7 }]] });
      expect(first.claimed).toBe(true);
      const b = randomUUID();
      await expect(probeWrite(b, { nonce: claimOf(nonce) })).rejects.toMatchObject({ code: 'nonce-replayed' });
      expect(await probe(b)).toEqual([]);
      expect(await auditFor(`probe:${b}`)).toEqual([{ n: 0 }]);
      expect(await rowsFor(cacheTags.of('t', b))).toEqual([]);
      // the same request writing again (its claim already committed) is no replay
      const c = randomUUID();
      expect(await probeWrite(c, { nonce: first })).toMatchObject({ results: [[{ v: 1 }]] });
      expect(await probe(c)).toEqual([{ v: 1 }]);
    });

    it('a failing write that carries a claim reports its own error, and leaves the nonce unclaimed', async () => {
      const claim = claimOf(randomUUID());
      const id = randomUUID();
      const err = await probeWrite(id, { nonce: claim, v: null }).catch((e: unknown) => e);
      expect(err).not.toMatchObject({ code: 'nonce-replayed' });
      expect(claim.claimed).toBe(false);
      expect(await probe(id)).toEqual([]);
      expect(await probeWrite(id, { nonce: claim })).toMatchObject({ results: [[{ v: 1 }]] });
    });

    it('an unreachable database is `unavailable` with its cause; any other error passes through as it is', async () => {
      const failing = (e: unknown): Sql => ({ ...s.sql, batch: async () => { throw e; } });
      const cause = new Error('ECONNREFUSED');
      const down = new StrataError('unavailable', 'pg down', { cause });
      for (const nonce of [undefined, claimOf(randomUUID())]) {
        const e = await probeWrite(randomUUID(), { sql: failing(down), nonce }).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(StrataError);
        expect(e).toMatchObject({ code: 'unavailable', message: 'The database is unavailable; nothing was written. Retry later.' });
        expect((e as Error).cause).toBe(cause);
      }
      const bare = new StrataError('unavailable', 'pg down');
      expect(((await probeWrite(randomUUID(), { sql: failing(bare) }).catch((x: unknown) => x)) as Error).cause).toBe(bare);
      for (const other of [new StrataError('conflict', 'no'), new Error('syntax error')]) {
        expect(await probeWrite(randomUUID(), { sql: failing(other), nonce: claimOf(randomUUID()) }).catch((x: unknown) => x)).toBe(other);
      }
    });

    it('asks Kv nothing when there is nothing to invalidate or nothing pending', async () => {
      const r = recorder();
      const id = randomUUID();
      await commitWrite(
        { sql: s.sql, cache: r.cache, waitUntil },
        { statements: [stmt('INSERT INTO outbox_probe (id, v) VALUES ($1, 1)', [id])], invalidate: { keys: [], tags: [] }, audit: { actor: 'system:test', action: 'probe.write', resource: `probe:${id}` } },
      );
      expect(await sweepOutbox({ sql: s.sql, cache: r.cache }, { olderThanSec: 1e9 })).toEqual({ applied: 0, failed: 0, pending: 0 });
      expect(r.calls).toEqual([]);
      // and a write that has something to invalidate asks once, with exactly its keys and tags
      await probeWrite(randomUUID(), { cache: r.cache });
      expect(r.calls).toHaveLength(1);
      await settle();
    });
  });
}

outboxSuite('outbox: PGlite + memory Kv', async () => {
  const sql = await createPgliteSql();
  await migrate(sql);
  const kv: WrappedKv = wrapKv(createMemoryKv());
  const make = () => createCache({ kv, kvTimeoutMs: 2000 });
  return {
    sql,
    cache: make(),
    reader: make,
    async kvDown(down) {
      kv.mode = down ? 'throw' : 'ok';
    },
    close: () => sql.close(),
  };
});

await describeWith(['postgres', 'redis'], 'outbox on PostgreSQL + Redis over TCP', () => {
  let stack: TestStack;
  outboxSuite('outbox: PostgreSQL + Redis', async () => {
    stack = await serviceDeps({ kv: 'redis' });
    const kvEnv = stack.kvEnv!;
    const readers: { close(): Promise<void> }[] = [];
    return {
      sql: stack.deps.sql,
      cache: stack.deps.cache,
      reader: () => {
        const kv = createRedisKv({ url: kvEnv.REDIS_URL!, timeoutMs: 2000 });
        readers.push(kv);
        return createCache({ kv, kvTimeoutMs: 2000 });
      },
      kvDown: (down) => stack.kvDown!(down),
      async close() {
        for (const r of readers) await r.close();
        await stack.close();
      },
    };
  });
});
