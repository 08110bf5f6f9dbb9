/**
 * The cache engine against real Kv adapters: the memory adapter always, and the Upstash adapter
 * (the real @upstash/redis client) through the local REST bridge in front of Redis when reachable.
 * Time is a manual clock: the engine's fresh/stale/grace decisions follow it (the memory Kv's
 * expiry too; Redis keeps its own, longer, real-time expiry, which these tests never reach).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryKv } from '@strata/core/adapters/kv/memory';
import { createUpstashKv } from '@strata/core/adapters/kv/upstash';
import { cacheKeys, cacheTags, createCache, type CacheOptions } from '@strata/core/cache/index';
import { manualClock } from '@strata/core/ports/clock';
import type { Kv } from '@strata/core/ports/kv';
import { describeWith, REDIS_URL } from '../support/reachable';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';
import { gate, randomVersionId, wrapKv } from '../support/cache-wrappers';

type Clock = ReturnType<typeof manualClock>;
const S = 1000;

/** One shared Kv per test plus a factory for caches ("isolates") over it. */
function engineSuite(makeKv: (clock: Clock) => Kv) {
  function setup(extra: Partial<CacheOptions> = {}) {
    const clock = manualClock();
    const kv = wrapKv(makeKv(clock));
    // random() = 0.5 → no jitter, so windows are exact
    const isolate = (o: Partial<CacheOptions> = {}) => createCache({ kv, clock, random: () => 0.5, kvTimeoutMs: 2000, ...extra, ...o });
    return { clock, kv, isolate };
  }
  /** A loader returning `values` in turn (the last one repeats), counting its calls. */
  const counter = (values: unknown[]) => {
    const load = async () => values[Math.min(load.calls++, values.length - 1)] as { n: number } | null;
    load.calls = 0;
    return load;
  };

  it('miss → origin, then L1 hit; another isolate hits L2, then its own L1', async () => {
    const { isolate, clock } = setup();
    const a = isolate();
    const b = isolate();
    const key = cacheKeys.asset(randomVersionId());
    const load = counter([{ n: 1 }]);
    expect(await a.get('assets', key, load)).toEqual({ value: { n: 1 }, status: 'miss', tier: 'origin' });
    expect(await a.get('assets', key, load)).toEqual({ value: { n: 1 }, status: 'hit', tier: 'l1' });
    await a.settle();
    expect(await b.get('assets', key, load)).toEqual({ value: { n: 1 }, status: 'hit', tier: 'l2' });
    expect(await b.get('assets', key, load)).toEqual({ value: { n: 1 }, status: 'hit', tier: 'l1' });
    clock.advance(6 * S); // past the 5 s L1 window: back to L2, still fresh there
    expect((await b.get('assets', key, load)).tier).toBe('l2');
    expect(load.calls).toBe(1);
    const stats = b.stats().reads.assets;
    expect(stats?.l2.hit).toBe(2);
    expect(stats?.l1.hit).toBe(1);
  });

  it('a tag bump invalidates every isolate (writer at once, others within the L1 window)', async () => {
    const { isolate, clock } = setup();
    const [writer, other] = [isolate(), isolate()];
    const tag = cacheTags.of('t', randomUUID());
    const key = cacheKeys.listings({ q: 'a b|c', limit: 50, offset: 0 });
    let version = 1;
    const load = async () => ({ version });
    await writer.get('listings', key, load, { tags: [tag] });
    await writer.settle();
    expect((await other.get('listings', key, load, { tags: [tag] })).value).toEqual({ version: 1 });

    version = 2; // the "write" commits, then invalidates
    expect(await writer.invalidate({ tags: [tag] })).toEqual({ applied: true });
    expect(await writer.get('listings', key, load, { tags: [tag] })).toEqual({ value: { version: 2 }, status: 'miss', tier: 'origin' });
    clock.advance(6 * S);
    const seen = await other.get('listings', key, load, { tags: [tag] });
    expect(seen.value).toEqual({ version: 2 });
  });

  it('a key delete invalidates', async () => {
    const { isolate, clock } = setup();
    const [writer, other] = [isolate(), isolate()];
    const key = cacheKeys.producer(`p-${randomUUID()}`);
    let version = 1;
    const load = async () => ({ version });
    await writer.get('producers', key, load);
    await writer.settle();
    await other.get('producers', key, load);
    version = 2;
    expect(await writer.invalidate({ keys: [key] })).toEqual({ applied: true });
    expect((await writer.get('producers', key, load)).value).toEqual({ version: 2 });
    clock.advance(31 * S); // producers keep L1 for 30 s
    expect((await other.get('producers', key, load)).value).toEqual({ version: 2 });
  });

  it('stale-while-revalidate serves the stale value and refreshes once', async () => {
    const { isolate, clock } = setup();
    const c = isolate();
    const key = cacheKeys.asset(randomVersionId());
    let calls = 0;
    const release = gate();
    const load = async () => {
      calls++;
      if (calls > 1) await release.promise;
      return { n: calls };
    };
    await c.get('assets', key, load);
    await c.settle();
    clock.advance(301 * S); // fresh 300 s over, stale window 60 s
    const burst = await Promise.all(Array.from({ length: 5 }, () => c.get('assets', key, load)));
    const later = await c.get('assets', key, load);
    for (const r of [...burst, later]) expect(r).toEqual({ value: { n: 1 }, status: 'stale', tier: 'l2' });
    release.open();
    await c.settle();
    expect(calls).toBe(2);
    expect(await c.get('assets', key, load)).toEqual({ value: { n: 2 }, status: 'hit', tier: 'l1' });
    expect(c.stats().refreshes).toEqual({ started: 1, failed: 0 });
  });

  it('single-flight: 100 concurrent gets run the loader once', async () => {
    const { isolate, kv } = setup();
    const c = isolate();
    const key = cacheKeys.asset(randomVersionId());
    const release = gate();
    let calls = 0;
    const load = async () => {
      calls++;
      await release.promise;
      return { ok: true };
    };
    const all = Promise.all(Array.from({ length: 100 }, () => c.get('assets', key, load)));
    await new Promise((r) => setTimeout(r, 20));
    release.open();
    const results = await all;
    expect(calls).toBe(1);
    expect(results.every((r) => r.status === 'miss' && (r.value as { ok: boolean }).ok)).toBe(true);
    expect(kv.calls.filter((op) => op === 'mget')).toHaveLength(1);
  });

  it('lease: two isolates missing together run the loader once', async () => {
    const { isolate } = setup({ lease: { pollMs: 10, waitMs: 3000 } });
    const [a, b] = [isolate(), isolate()];
    const key = cacheKeys.bundle(randomVersionId(), 8);
    let calls = 0;
    const load = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 100));
      return { bundle: calls };
    };
    const [ra, rb] = await Promise.all([a.get('bundles', key, load, { lease: true }), b.get('bundles', key, load, { lease: true })]);
    expect(calls).toBe(1);
    expect(ra.value).toEqual({ bundle: 1 });
    expect(rb.value).toEqual({ bundle: 1 });
    expect([ra.tier, rb.tier].sort()).toEqual(['l2', 'origin']);
    await Promise.all([a.settle(), b.settle()]);
  });

  it('negative caching: null is cached for the namespace negative TTL', async () => {
    const { isolate, clock } = setup();
    const [a, b] = [isolate(), isolate()];
    const key = cacheKeys.asset(randomVersionId());
    const load = counter([null, { n: 1 }]);
    expect(await a.get('assets', key, load)).toEqual({ value: null, status: 'miss', tier: 'origin' });
    expect(await a.get('assets', key, load)).toEqual({ value: null, status: 'hit', tier: 'l1' });
    await a.settle();
    expect(await b.get('assets', key, load)).toEqual({ value: null, status: 'hit', tier: 'l2' });
    clock.advance(31 * S); // negative: 30 s, no stale window
    expect(await b.get('assets', key, load)).toEqual({ value: { n: 1 }, status: 'miss', tier: 'origin' });
    expect(load.calls).toBe(2);
  });

  it('stale-if-error within grace, the error beyond it', async () => {
    const { isolate, clock } = setup();
    const c = isolate();
    const key = cacheKeys.asset(randomVersionId());
    await c.get('assets', key, async () => ({ n: 1 }));
    await c.settle();
    const boom = async (): Promise<{ n: number }> => {
      throw new Error('postgres down');
    };
    clock.advance(361 * S); // past fresh (300) + stale (60), inside grace (3600)
    expect(await c.get('assets', key, boom)).toEqual({ value: { n: 1 }, status: 'stale-if-error', tier: 'l2' });
    clock.advance(3600 * S);
    await expect(c.get('assets', key, boom)).rejects.toThrow('postgres down');
    expect(c.stats().reads.assets?.origin.error).toBe(1);
  });

  it('an invalidated entry is a miss, served only as stale-if-error when the origin fails', async () => {
    const { isolate } = setup();
    const c = isolate();
    const tag = cacheTags.of('t', randomUUID());
    const key = cacheKeys.asset(randomVersionId());
    await c.get('assets', key, async () => ({ n: 1 }), { tags: [tag] });
    await c.settle();
    await c.invalidate({ tags: [tag] });
    const down = await c.get('assets', key, async () => Promise.reject(new Error('down')), { tags: [tag] });
    expect(down).toEqual({ value: { n: 1 }, status: 'stale-if-error', tier: 'l2' });
    expect((await c.get('assets', key, async () => ({ n: 2 }), { tags: [tag] })).status).toBe('miss');
  });

  for (const how of ['key', 'tag'] as const) {
    it(`a fill that started before a ${how} invalidation never resurrects the old value`, async () => {
      const { isolate, clock } = setup();
      const [reader, other] = [isolate(), isolate()];
      const tag = cacheTags.of('t', randomUUID());
      const key = cacheKeys.asset(randomVersionId());
      let row = 'old';
      const loaded = gate();
      const release = gate();
      const slow = async () => {
        const v = row;
        loaded.open();
        await release.promise;
        return { row: v };
      };
      const load = async () => ({ row });
      const pendingRead = reader.get('assets', key, slow, { tags: [tag] }); // reads 'old', then stalls
      await loaded.promise;
      row = 'new'; // the write commits in this isolate…
      const inv = how === 'key' ? { keys: [key] } : { tags: [tag] };
      expect((await reader.invalidate(inv)).applied).toBe(true); // …and is acknowledged
      // a read after the ack must not join the load that began before it
      expect((await reader.get('assets', key, load, { tags: [tag] })).value).toEqual({ row: 'new' });
      release.open();
      expect((await pendingRead).value).toEqual({ row: 'old' }); // concurrent with the write: allowed
      await reader.settle(); // both fills (the stale one last or not) have landed in L2
      expect((await reader.get('assets', key, load, { tags: [tag] })).value).toEqual({ row: 'new' });
      expect((await other.get('assets', key, load, { tags: [tag] })).value).toEqual({ row: 'new' });
      clock.advance(6 * S);
      expect((await reader.get('assets', key, load, { tags: [tag] })).value).toEqual({ row: 'new' });
    });

    it(`a stale fill from another isolate landing after a ${how} invalidation stays invalid`, async () => {
      const { isolate } = setup();
      const [reader, writer, fresh] = [isolate(), isolate(), isolate()];
      const tag = cacheTags.of('t', randomUUID());
      const key = cacheKeys.asset(randomVersionId());
      let row = 'old';
      const loaded = gate();
      const release = gate();
      const pendingRead = reader.get(
        'assets',
        key,
        async () => {
          const v = row;
          loaded.open();
          await release.promise;
          return { row: v };
        },
        { tags: [tag] },
      );
      await loaded.promise;
      row = 'new';
      expect((await writer.invalidate(how === 'key' ? { keys: [key] } : { tags: [tag] })).applied).toBe(true);
      release.open();
      await pendingRead;
      await reader.settle(); // the old value is now in L2, written after the invalidation
      const r = await fresh.get('assets', key, async () => ({ row }), { tags: [tag] });
      expect(r).toEqual({ value: { row: 'new' }, status: 'miss', tier: 'origin' });
    });
  }

  it('round trips: L2 hit = 1 Kv call, miss = 1 on the request path (fill in background), L1 hit = 0, invalidate = 1', async () => {
    const { isolate, kv } = setup();
    const [a, b] = [isolate(), isolate()];
    const key = cacheKeys.asset(randomVersionId());
    const hold = gate();
    kv.holdSets = hold.promise;
    kv.calls.length = 0;
    const miss = await a.get('assets', key, async () => ({ n: 1 }), { tags: ['listings'] });
    expect(miss.status).toBe('miss');
    // the request is answered while the L2 write is still held: it is not on the request path
    expect(kv.calls.filter((c) => c !== 'set')).toEqual(['mget']);
    expect(a.stats().fills.ok).toBe(0);
    kv.holdSets = null;
    hold.open();
    await a.settle();
    expect(a.stats().fills.ok).toBe(1);

    kv.calls.length = 0;
    expect((await b.get('assets', key, async () => ({ n: 2 }), { tags: ['listings'] })).tier).toBe('l2');
    expect(kv.calls).toEqual(['mget']);
    kv.calls.length = 0;
    expect((await b.get('assets', key, async () => ({ n: 2 }), { tags: ['listings'] })).tier).toBe('l1');
    expect(kv.calls).toEqual([]);
    await b.invalidate({ keys: [key, cacheKeys.asset(randomVersionId())], tags: ['listings', cacheTags.of('x')] });
    expect(kv.calls).toEqual(['exec']);
  });

  it('values are deeply frozen, so callers cannot corrupt what others read', async () => {
    const { isolate } = setup();
    const c = isolate();
    const key = cacheKeys.bundle(randomVersionId(), 3);
    const r = await c.get('bundles', key, async () => ({ proofs: [{ confirmations: 0 }] }));
    expect(() => {
      (r.value as { proofs: { confirmations: number }[] }).proofs[0]!.confirmations = 5;
    }).toThrow(TypeError);
    const again = await c.get('bundles', key, async () => null);
    expect(again.value).toEqual({ proofs: [{ confirmations: 0 }] });
  });

  it('large values are stored gzip-compressed and read back by another isolate; small ones stay JSON; a corrupt one is a miss', async () => {
    const { isolate, kv } = setup();
    const [a, b] = [isolate(), isolate()];
    const graph = { nodes: Array.from({ length: 400 }, (_, i) => ({ id: `dataset:bench:l08.d${String(i).padStart(5, '0')}`, facets: {}, distance: i % 5 })) };
    const big = cacheKeys.lineage('dataset:bench:l08.d00001', 5, 'both', 'simple');
    const small = cacheKeys.asset(randomVersionId());
    await a.get('lineage', big, async () => graph);
    await a.get('assets', small, async () => ({ n: 1 }));
    await a.settle();
    const [storedBig, storedSmall] = await kv.mget([big, small]);
    expect(storedBig!.startsWith('z1:')).toBe(true);
    expect(storedBig!.length * 4).toBeLessThan(JSON.stringify(graph).length);
    expect(JSON.parse(storedSmall!)).toMatchObject({ v: { n: 1 } });
    expect(await b.get('lineage', big, async () => null)).toEqual({ value: graph, status: 'hit', tier: 'l2' });

    // damaged bytes (truncated gzip, bad base64) count as absent: the next isolate loads from the origin
    for (const damaged of [storedBig!.slice(0, -40), `z1:${'%'.repeat(20)}`]) {
      await kv.set(big, damaged);
      const r = await isolate().get('lineage', big, async () => ({ reloaded: true }));
      expect(r).toEqual({ value: { reloaded: true }, status: 'miss', tier: 'origin' });
    }
  });
}

describe('cache engine: memory Kv', () => {
  engineSuite((clock) => createMemoryKv({ clock }));
});

await describeWith(['redis'], 'cache engine: Upstash Kv via REST bridge', () => {
  let bridge: UpstashBridge;
  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: `t-${randomUUID()}` });
  });
  afterAll(async () => bridge?.close());
  engineSuite(() => createUpstashKv({ url: bridge.url, token: bridge.token, timeoutMs: 5000 }));
});
