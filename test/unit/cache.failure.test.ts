/**
 * Kv failures never fail a read: a real Kv wrapped to throw or hang (and, when Redis is
 * reachable, the real Upstash client against a bridge that is taken down).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryKv } from '@strata/core/adapters/kv/memory';
import { createUpstashKv } from '@strata/core/adapters/kv/upstash';
import { applyInvalidation, cacheKeys, cacheTags, createCache } from '@strata/core/cache/index';
import { manualClock } from '@strata/core/ports/clock';
import { describeWith, REDIS_URL } from '../support/reachable';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';
import { randomVersionId, wrapKv } from '../support/cache-wrappers';

const S = 1000;

function setup() {
  const clock = manualClock();
  const kv = wrapKv(createMemoryKv({ clock }));
  const cache = createCache({ kv, clock, random: () => 0.5, kvTimeoutMs: 50, breaker: { failureThreshold: 2, openMs: 5 * S } });
  return { clock, kv, cache };
}

describe('cache engine: Kv failures (memory Kv with failure injection)', () => {
  it('a hanging Kv costs one timeout per call until the breaker opens, then no Kv calls at all; it recovers', async () => {
    const { clock, kv, cache } = setup();
    const key = cacheKeys.asset(randomVersionId());
    kv.mode = 'hang';
    for (let i = 0; i < 2; i++) {
      const k = i === 0 ? key : cacheKeys.asset(randomVersionId());
      expect(await cache.get('assets', k, async () => ({ i }))).toMatchObject({ status: 'miss', tier: 'origin' });
    }
    expect(cache.stats().kv).toMatchObject({ timeouts: 2, breaker: 'open', opened: 1 });
    const before = kv.calls.length;
    cache.clearL1();
    for (let i = 0; i < 20; i++) {
      expect((await cache.get('assets', cacheKeys.asset(randomVersionId()), async () => ({ i }))).tier).toBe('origin');
    }
    expect(await cache.invalidate({ keys: [key] })).toEqual({ applied: false, reason: 'kv-unavailable' });
    expect(kv.calls.length).toBe(before); // open: nothing reached the Kv, not even background fills
    expect(cache.stats().kv.skipped).toBeGreaterThanOrEqual(21);

    kv.mode = 'ok';
    clock.advance(5 * S); // half-open: one probe goes through and closes the breaker
    expect(cache.stats().kv.breaker).toBe('half-open');
    expect((await cache.get('assets', key, async () => ({ back: true }))).status).toBe('miss');
    expect(cache.stats().kv.breaker).toBe('closed');
    await cache.settle();
    cache.clearL1();
    expect(await cache.get('assets', key, async () => ({ other: true }))).toEqual({ value: { back: true }, status: 'hit', tier: 'l2' });
  });

  it('a failed half-open probe re-opens the breaker at once', async () => {
    const { clock, kv, cache } = setup();
    kv.mode = 'throw';
    for (let i = 0; i < 2; i++) await cache.get('assets', cacheKeys.asset(randomVersionId()), async () => null);
    clock.advance(5 * S);
    const before = kv.calls.length;
    await cache.get('assets', cacheKeys.asset(randomVersionId()), async () => null);
    expect(kv.calls.length).toBe(before + 1); // the probe
    expect(cache.stats().kv.breaker).toBe('open');
    await cache.get('assets', cacheKeys.asset(randomVersionId()), async () => null);
    expect(kv.calls.length).toBe(before + 1);
  });

  it('Kv down and origin down: a stale L1 copy inside grace is served as stale-if-error', async () => {
    const { clock, kv, cache } = setup();
    const key = cacheKeys.asset(randomVersionId());
    await cache.get('assets', key, async () => ({ n: 1 }));
    kv.mode = 'throw';
    clock.advance(400 * S);
    const r = await cache.get('assets', key, () => Promise.reject(new Error('pg down')));
    expect(r).toEqual({ value: { n: 1 }, status: 'stale-if-error', tier: 'l1' });
    clock.advance(4000 * S);
    await expect(cache.get('assets', key, () => Promise.reject(new Error('pg down')))).rejects.toThrow('pg down');
  });

  it('with Kv down the origin result is not written to L2 (its markers are unknown), only to L1', async () => {
    const { kv, cache } = setup();
    const key = cacheKeys.asset(randomVersionId());
    kv.mode = 'throw';
    await cache.get('assets', key, async () => ({ n: 1 }));
    await cache.settle();
    expect(kv.calls).toEqual(['mget']);
    expect(cache.peekL1(key)?.value).toEqual({ n: 1 });
  });

  it('invalidation with Kv down reports applied:false, never throws, and still clears this isolate', async () => {
    const { kv, cache } = setup();
    const tag = cacheTags.listings();
    const key = cacheKeys.listings({ limit: 50 });
    await cache.get('listings', key, async () => ({ page: 1 }), { tags: [tag] });
    kv.mode = 'throw';
    expect(await cache.invalidate({ tags: [tag] })).toEqual({ applied: false, reason: 'kv-unavailable' });
    expect(cache.peekL1(key)).toBeUndefined();
  });

  it('a failing L2 write or an unserialisable value never fails the read', async () => {
    const { kv, cache } = setup();
    kv.holdSets = Promise.reject(new Error('write refused'));
    kv.holdSets.catch(() => undefined);
    expect((await cache.get('assets', cacheKeys.asset(randomVersionId()), async () => ({ n: 1 }))).status).toBe('miss');
    kv.holdSets = null;
    expect((await cache.get('assets', cacheKeys.asset(randomVersionId()), async () => ({ big: 1n }))).value).toEqual({ big: 1n });
    await cache.settle();
    expect(cache.stats().fills).toEqual({ ok: 0, failed: 2 });
  });

  it('malformed keys and tags are refused by get and skipped by invalidate', async () => {
    const { kv, cache } = setup();
    await expect(cache.get('assets', 'has space', async () => null)).rejects.toThrow(TypeError);
    await expect(cache.get('assets', cacheKeys.asset(randomVersionId()), async () => null, { tags: ['a|b'] })).rejects.toThrow(TypeError);
    expect(await cache.invalidate({ keys: ['bad key'], tags: ['x|y'] })).toEqual({ applied: true });
    expect(kv.calls).toEqual([]);
    expect(await cache.invalidate('nope' as never)).toEqual({ applied: false, reason: 'invalid' });
  });

  it('applyInvalidation (the sweeper primitive) bumps markers so cached entries become misses', async () => {
    const clock = manualClock();
    const kv = createMemoryKv({ clock });
    const cache = createCache({ kv, clock, random: () => 0.5 });
    const key = cacheKeys.asset(randomVersionId());
    await cache.get('assets', key, async () => ({ n: 1 }), { tags: ['listings'] });
    await cache.settle();
    cache.clearL1();
    expect(await applyInvalidation(kv, { tags: ['listings'] }, { clock })).toEqual({ applied: true });
    expect((await cache.get('assets', key, async () => ({ n: 2 }), { tags: ['listings'] })).value).toEqual({ n: 2 });
    expect(await applyInvalidation(wrapKvThrowing(kv), { keys: [key] }, { clock })).toEqual({ applied: false, reason: 'kv-unavailable' });
  });
});

function wrapKvThrowing(kv: ReturnType<typeof createMemoryKv>) {
  const w = wrapKv(kv);
  w.mode = 'throw';
  return w;
}

await describeWith(['redis'], 'cache engine: Upstash Kv going down (bridge)', () => {
  let bridge: UpstashBridge;
  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: `t-${randomUUID()}` });
  });
  afterAll(async () => {
    await bridge?.setDown(false);
    await bridge?.close();
  });

  for (const mode of ['refuse', 'hang'] as const) {
    it(`bridge ${mode}: reads fall back to the origin, the breaker stops calls, recovery after the open window`, async () => {
      const clock = manualClock();
      const kv = wrapKv(createUpstashKv({ url: bridge.url, token: bridge.token, timeoutMs: 2000 }));
      // the per-call budget is not under test here (the adapter failure suites time it): 1 s keeps the
      // first call after recovery, which opens a new connection, clear of a loaded CI machine's stalls
      const cache = createCache({ kv, clock, random: () => 0.5, kvTimeoutMs: 1_000, breaker: { failureThreshold: 2, openMs: 5 * S } });
      const key = cacheKeys.asset(randomVersionId());
      await cache.get('assets', key, async () => ({ n: 1 }));
      await cache.settle();
      cache.clearL1();
      await bridge.setDown(mode);
      try {
        const r = await cache.get('assets', key, async () => ({ n: 2 }));
        expect(r).toEqual({ value: { n: 2 }, status: 'miss', tier: 'origin' });
        expect((await cache.get('assets', cacheKeys.asset(randomVersionId()), async () => null)).tier).toBe('origin');
        await cache.settle();
        expect(cache.stats().kv.breaker).toBe('open');
        const calls = kv.calls.length;
        cache.clearL1();
        expect((await cache.get('assets', key, async () => ({ n: 3 }))).value).toEqual({ n: 3 });
        expect(await cache.invalidate({ keys: [key] })).toEqual({ applied: false, reason: 'kv-unavailable' });
        expect(kv.calls.length).toBe(calls);
      } finally {
        await bridge.setDown(false);
      }
      clock.advance(5 * S);
      cache.clearL1();
      expect(await cache.invalidate({ keys: [key] })).toEqual({ applied: true });
      expect(cache.stats().kv.breaker).toBe('closed');
      expect((await cache.get('assets', key, async () => ({ n: 4 }))).value).toEqual({ n: 4 });
    });
  }
});
