/**
 * Invariants of the cache engine that depend on Kv expiry, so they run on the memory Kv whose
 * expiry follows the manual clock: invalidation markers outlive every entry that could have
 * recorded the value they replaced, marker tokens never repeat, entries leave L2 at the end of
 * their grace window, an in-flight load is dropped by the invalidation of any one of its tags,
 * and the lease is held, waited on and released as its contract says.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createMemoryKv } from '@strata/core/adapters/kv/memory';
import { cacheKeys, cacheTags, createCache, type CacheOptions } from '@strata/core/cache/index';
import { COMPRESS_FROM_BYTES, decodeEntry, deepFreeze, encodeEntry, markersMatch, type Entry } from '@strata/core/cache/entry';
import { applyInvalidation, markerTtlMs, newMarkerToken } from '@strata/core/cache/invalidate';
import { keyVersionKey, leaseKey, tagVersionKey } from '@strata/core/cache/keys';
import { DEFAULT_NAMESPACES, maxHorizonMs, type NamespaceTable } from '@strata/core/cache/namespaces';
import type { Kv } from '@strata/core/ports/kv';
import { manualClock } from '@strata/core/ports/clock';
import { gate, randomVersionId, wrapKv } from '../support/cache-wrappers';

const S = 1000;

function setup(extra: Partial<CacheOptions> = {}) {
  const clock = manualClock();
  const kv = wrapKv(createMemoryKv({ clock }));
  const isolate = (o: Partial<CacheOptions> = {}) => createCache({ kv, clock, random: () => 0.5, kvTimeoutMs: 2000, ...extra, ...o });
  return { clock, kv, isolate };
}

describe('invalidation markers', () => {
  it('live for the marker lifetime: not a millisecond less', async () => {
    const { clock, kv } = setup();
    const key = cacheKeys.asset(randomVersionId());
    const tag = cacheTags.of('t', randomUUID());
    expect(await applyInvalidation(kv, { keys: [key], tags: [tag] }, { clock })).toEqual({ applied: true });
    const ttl = markerTtlMs();
    expect(ttl).toBeGreaterThanOrEqual(24 * 3600 * S);
    clock.advance(ttl - 1);
    const [kver, tv] = await kv.mget([keyVersionKey(key), tagVersionKey(tag)]);
    expect(kver).not.toBeNull();
    expect(tv).toBe(kver); // one token per invalidation
    clock.advance(2);
    expect(await kv.mget([keyVersionKey(key), tagVersionKey(tag)])).toEqual([null, null]);
  });

  it('a fill that raced an invalidation stays invalid for as long as its entry lives', async () => {
    const { clock, isolate } = setup();
    const [reader, writer, later] = [isolate(), isolate(), isolate()];
    const tag = cacheTags.of('t', randomUUID());
    const key = cacheKeys.asset(randomVersionId());
    let row = 'old';
    const loaded = gate();
    const release = gate();
    const pending = reader.get('assets', key, async () => {
      const v = row;
      loaded.open();
      await release.promise;
      return { row: v };
    }, { tags: [tag] });
    await loaded.promise; // markers read ("absent"), old row read
    row = 'new';
    expect(await writer.invalidate({ tags: [tag] })).toEqual({ applied: true });
    release.open();
    await pending;
    await reader.settle(); // the old row is in L2 now, recorded under the pre-bump markers
    for (const step of [10 * S, 60 * S, 200 * S]) {
      clock.advance(step); // still inside the entry's fresh window (300 s)
      const r = await later.get('assets', key, async () => ({ row }), { tags: [tag] });
      expect(r.value).toEqual({ row: 'new' });
      later.clearL1();
    }
  });

  it('two invalidations in the same millisecond write different tokens', async () => {
    const { clock, isolate } = setup();
    const tokens = new Set(Array.from({ length: 500 }, () => newMarkerToken(clock)));
    expect(tokens.size).toBe(500);
    // engine level: an entry filled between two same-millisecond bumps is invalidated by the second
    const [a, b] = [isolate(), isolate()];
    const tag = cacheTags.of('t', randomUUID());
    const key = cacheKeys.asset(randomVersionId());
    let row = 1;
    await a.invalidate({ tags: [tag] });
    await a.get('assets', key, async () => ({ row }), { tags: [tag] });
    await a.settle();
    row = 2;
    await a.invalidate({ tags: [tag] }); // the clock has not moved
    expect((await b.get('assets', key, async () => ({ row }), { tags: [tag] })).value).toEqual({ row: 2 });
  });

  it('tokens differ across milliseconds too, and carry no structure a Kv key could break on', () => {
    const clock = manualClock();
    const first = newMarkerToken(clock);
    clock.advance(1);
    const second = newMarkerToken(clock);
    expect(second).not.toBe(first);
    expect(first).toMatch(/^[0-9a-z]+\.[0-9a-f]{16}$/);
  });
});

describe('entries in L2', () => {
  it('expire at the end of their grace window (fresh 300 s + stale 60 s + grace 3600 s for assets)', async () => {
    const { clock, kv, isolate } = setup();
    const c = isolate();
    const key = cacheKeys.asset(randomVersionId());
    await c.get('assets', key, async () => ({ n: 1 }));
    await c.settle();
    clock.advance(3960 * S - 1);
    expect((await kv.mget([key]))[0]).not.toBeNull();
    clock.advance(2);
    expect((await kv.mget([key]))[0]).toBeNull();
  });

  it('an invalidated entry inside its grace window serves stale-if-error, and only there', async () => {
    const { clock, isolate } = setup();
    const [a, b] = [isolate(), isolate()];
    const key = cacheKeys.asset(randomVersionId());
    await a.get('assets', key, async () => ({ n: 1 }));
    await a.settle();
    const down = async (): Promise<{ n: number }> => {
      throw new Error('origin down');
    };
    clock.advance(3959 * S); // past fresh + stale, inside grace
    expect(await b.get('assets', key, down)).toEqual({ value: { n: 1 }, status: 'stale-if-error', tier: 'l2' });
    b.clearL1();
    clock.advance(2 * S); // past grace: gone from L2, nothing to fall back on
    await expect(b.get('assets', key, down)).rejects.toThrow('origin down');
  });
});

describe('in-flight loads', () => {
  it('a load under two tags is dropped by the invalidation of either one', async () => {
    for (const which of [0, 1]) {
      const { isolate } = setup();
      const c = isolate();
      const tags = [cacheTags.of('a', randomUUID()), cacheTags.of('b', randomUUID())];
      const key = cacheKeys.asset(randomVersionId());
      let row = 'old';
      const loaded = gate();
      const release = gate();
      const first = c.get('assets', key, async () => {
        const v = row;
        loaded.open();
        await release.promise;
        return { row: v };
      }, { tags });
      await loaded.promise;
      row = 'new';
      await c.invalidate({ tags: [tags[which]!] });
      const after = await c.get('assets', key, async () => ({ row }), { tags });
      expect([which, after.value]).toEqual([which, { row: 'new' }]);
      release.open();
      await first;
      await c.settle();
    }
  });
});

describe('the lease', () => {
  it('is released once the holder has filled L2, so the next miss can take it', async () => {
    const { clock, kv, isolate } = setup();
    const a = isolate();
    const key = cacheKeys.bundle(randomVersionId(), 8);
    await a.get('bundles', key, async () => ({ n: 1 }), { lease: true });
    await a.settle();
    expect((await kv.mget([leaseKey(key)]))[0]).toBeNull();
    expect((await kv.mget([key]))[0]).not.toBeNull();
    clock.advance(10 * 3600 * S);
    const b = isolate();
    expect(await b.get('bundles', key, async () => ({ n: 2 }), { lease: true })).toEqual({ value: { n: 2 }, status: 'miss', tier: 'origin' });
  });

  it('is released when the holder\'s load fails, and the error reaches the caller', async () => {
    const { kv, isolate } = setup();
    const a = isolate();
    const key = cacheKeys.bundle(randomVersionId(), 8);
    await expect(a.get('bundles', key, async () => Promise.reject(new Error('boom')), { lease: true })).rejects.toThrow('boom');
    await a.settle();
    expect((await kv.mget([leaseKey(key)]))[0]).toBeNull();
  });

  it('is held while the load runs, for a bounded time', async () => {
    const { clock, kv, isolate } = setup();
    const a = isolate();
    const key = cacheKeys.bundle(randomVersionId(), 8);
    const loaded = gate();
    const release = gate();
    const p = a.get('bundles', key, async () => {
      loaded.open();
      await release.promise;
      return { n: 1 };
    }, { lease: true });
    await loaded.promise;
    expect((await kv.mget([leaseKey(key)]))[0]).not.toBeNull();
    clock.advance(10 * S + 1); // the lease TTL: a crashed holder never blocks others for longer
    expect((await kv.mget([leaseKey(key)]))[0]).toBeNull();
    release.open();
    await p;
    await a.settle();
  });

  it('a waiter gets the holder\'s fill from L2 without loading', async () => {
    const { isolate } = setup({ lease: { pollMs: 5, waitMs: 2000 } });
    const [a, b] = [isolate(), isolate()];
    const key = cacheKeys.bundle(randomVersionId(), 8);
    const loaded = gate();
    const release = gate();
    let calls = 0;
    const held = a.get('bundles', key, async () => {
      calls++;
      loaded.open();
      await release.promise;
      return { n: 1 };
    }, { lease: true });
    await loaded.promise;
    const waiting = b.get('bundles', key, async () => {
      calls++;
      return { n: 99 };
    }, { lease: true });
    await new Promise((r) => setTimeout(r, 30)); // b polls a few times meanwhile
    release.open();
    expect(await held).toEqual({ value: { n: 1 }, status: 'miss', tier: 'origin' });
    expect(await waiting).toEqual({ value: { n: 1 }, status: 'hit', tier: 'l2' });
    expect(calls).toBe(1);
    await Promise.all([a.settle(), b.settle()]);
  });

  it('a waiter whose holder never delivers loads itself after the bounded wait, and does not take the lease', async () => {
    const { kv, isolate } = setup({ lease: { pollMs: 5, waitMs: 60 } });
    const [a, b] = [isolate(), isolate()];
    const key = cacheKeys.bundle(randomVersionId(), 8);
    const loaded = gate();
    const never = gate();
    void a.get('bundles', key, async () => {
      loaded.open();
      await never.promise;
      return { n: 1 };
    }, { lease: true });
    await loaded.promise;
    const tag = cacheTags.of('t', randomUUID());
    const mgetsBefore = kv.calls.filter((c) => c === 'mget').length;
    const waiting = b.get('bundles', key, async () => ({ n: 2 }), { lease: true, tags: [tag] });
    await new Promise((r) => setTimeout(r, 15));
    await isolate().invalidate({ tags: [tag] }); // a write lands while b waits
    const r = await waiting;
    expect(r).toEqual({ value: { n: 2 }, status: 'miss', tier: 'origin' });
    // it polled L2 while waiting: 60 ms / 5 ms, at least several reads, at most the bound
    const polls = kv.calls.filter((c) => c === 'mget').length - mgetsBefore - 1;
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(12);
    await b.settle();
    // b filled L2 under the markers it saw last (after the write), so others hit it; the lease is still a's
    expect(await isolate().get('bundles', key, async () => ({ n: 3 }), { tags: [tag] })).toEqual({ value: { n: 2 }, status: 'hit', tier: 'l2' });
    expect((await kv.mget([leaseKey(key)]))[0]).not.toBeNull();
    never.open();
    await a.settle();
  });

  it('is not taken when Kv cannot be read (no markers, no L2 write, no lease)', async () => {
    const { kv, isolate } = setup();
    const a = isolate();
    const key = cacheKeys.bundle(randomVersionId(), 8);
    kv.mode = 'throw';
    expect(await a.get('bundles', key, async () => ({ n: 1 }), { lease: true })).toEqual({ value: { n: 1 }, status: 'miss', tier: 'origin' });
    await a.settle();
    expect(kv.calls.filter((c) => c === 'set')).toEqual([]);
    kv.mode = 'ok';
    expect(await kv.mget([key, leaseKey(key)])).toEqual([null, null]);
  });
});

describe('the L2 entry format', () => {
  const entry = (v: unknown): Entry => ({ v, f: 1, s: 2, g: 3, t: { 'kver:a': 'x.1', 'tv:b': null } });

  it('is plain JSON below COMPRESS_FROM_BYTES and gzip from exactly that length on, both reading back the same', async () => {
    const overhead = JSON.stringify(entry('')).length;
    const below = entry('x'.repeat(COMPRESS_FROM_BYTES - overhead - 1));
    const at = entry('x'.repeat(COMPRESS_FROM_BYTES - overhead));
    expect(JSON.stringify(at).length).toBe(COMPRESS_FROM_BYTES);
    const plain = await encodeEntry(below);
    expect(plain).toBe(JSON.stringify(below));
    const packed = await encodeEntry(at);
    expect(packed.startsWith('z1:')).toBe(true);
    expect(packed.length).toBeLessThan(COMPRESS_FROM_BYTES / 10); // repetitive JSON shrinks
    expect(await decodeEntry(plain)).toEqual(below);
    expect(await decodeEntry(packed)).toEqual(at);
  });

  it('reads anything it cannot parse as absent (null), never as a value or an error', async () => {
    for (const raw of [null, undefined, '', 'not json', '{"v":1}', JSON.stringify({ v: 1, f: 1, s: 2, g: 3, t: { k: 5 } }), 'z1:!!!', 'z1:' + Buffer.from('plain').toString('base64')]) {
      expect(await decodeEntry(raw)).toBeNull();
    }
  });

  it('matches markers only when every one asked for was recorded with the token it holds now', () => {
    const e = entry(1);
    expect(markersMatch(e, { 'kver:a': 'x.1', 'tv:b': null })).toBe(true);
    expect(markersMatch(e, { 'kver:a': 'x.1' })).toBe(true);
    expect(markersMatch(e, { 'kver:a': 'x.2', 'tv:b': null })).toBe(false);
    expect(markersMatch(e, { 'kver:a': 'x.1', 'tv:b': 'y.1' })).toBe(false);
    // a marker the entry never recorded (a tag added since) does not match, even as "absent"
    expect(markersMatch(e, { 'kver:a': 'x.1', 'tv:c': null })).toBe(false);
  });

  it('deepFreeze freezes every nested object and array, and passes nulls and primitives through', () => {
    const v = deepFreeze({ a: null, b: [1, { c: 'x', d: undefined }], e: 5 });
    expect(Object.isFrozen(v) && Object.isFrozen(v.b) && Object.isFrozen(v.b[1])).toBe(true);
    expect(() => {
      (v.b[1] as { c: string }).c = 'y';
    }).toThrow(TypeError);
    expect(deepFreeze(null)).toBeNull();
    expect(deepFreeze('s')).toBe('s');
    // an already frozen object is returned as is (its unfrozen children stay as they are)
    const inner = { n: 1 };
    const outer = Object.freeze({ inner });
    expect(deepFreeze(outer)).toBe(outer);
    expect(Object.isFrozen(inner)).toBe(false);
  });
});

describe('applyInvalidation (the outbox sweeper primitive)', () => {
  const HOUR = 3_600_000;

  it('frees the invalidated keys at once and bumps their markers, in one atomic batch', async () => {
    const { clock, kv } = setup();
    const key = cacheKeys.asset(randomVersionId());
    const tag = cacheTags.of('t', randomUUID());
    await kv.set(key, 'cached bytes', { px: 60_000 });
    const batches: { atomic?: boolean }[] = [];
    const recording: Kv = { ...kv, exec: (commands, opts) => (batches.push({ ...opts }), kv.exec(commands, opts)) };
    expect(await applyInvalidation(recording, { keys: [key, key], tags: [tag] }, { clock })).toEqual({ applied: true });
    expect(await kv.mget([key])).toEqual([null]);
    const [kver, tv] = await kv.mget([keyVersionKey(key), tagVersionKey(tag)]);
    expect(kver).toMatch(/^[0-9a-z]+\.[0-9a-f]{16}$/);
    expect(tv).toBe(kver);
    // DEL and every marker SET go together: a reader never sees the value gone but the markers unbumped
    expect(batches).toEqual([{ atomic: true }]);
  });

  it('refuses a malformed invalidation for good, and treats one with nothing valid in it as done without asking Kv', async () => {
    const { clock, kv } = setup();
    const down: Kv = { ...kv, exec: async () => { throw new Error('kv down'); } };
    for (const bad of [null, 'tags', { keys: 'k' }, { tags: [1] }]) {
      expect(await applyInvalidation(down, bad, { clock })).toEqual({ applied: false, reason: 'invalid' });
    }
    for (const empty of [{}, { keys: [], tags: [] }, { keys: ['not a cache key'], tags: ['NOT A TAG'] }]) {
      expect(await applyInvalidation(down, empty, { clock })).toEqual({ applied: true });
    }
    expect(await applyInvalidation(down, { tags: [cacheTags.of('t', randomUUID())] }, { clock })).toEqual({ applied: false, reason: 'kv-unavailable' });
  });

  it('markers live the longest entry horizon plus an hour, and never less than a day', () => {
    const scaled = (secs: number) =>
      Object.fromEntries(Object.entries(DEFAULT_NAMESPACES).map(([ns, w]) => [ns, { ...w, fresh: secs, stale: secs, grace: secs, negative: secs }])) as unknown as NamespaceTable;
    expect(markerTtlMs(scaled(1))).toBe(24 * HOUR);
    const long = scaled(30 * 86_400);
    expect(markerTtlMs(long) - maxHorizonMs(long)).toBe(HOUR);
  });

  it('tokens always carry 16 hex digits of randomness', () => {
    const clock = manualClock();
    for (let i = 0; i < 300; i++) expect(newMarkerToken(clock)).toMatch(/^[0-9a-z]+\.[0-9a-f]{16}$/);
  });
});

describe('the engine at the edges of its windows, and what it counts', () => {
  // assets: fresh 300 s, stale 60 s, grace 3600 s, L1 5 s; random() = 0.5 → no jitter
  const fill = async () => {
    const { clock, kv, isolate } = setup();
    const a = isolate();
    const key = cacheKeys.asset(randomVersionId());
    await a.get('assets', key, async () => ({ n: 1 }));
    await a.settle();
    return { clock, kv, isolate, a, key };
  };

  it('fresh ends exactly at freshUntil, stale exactly at staleUntil', async () => {
    const { clock, isolate, key } = await fill();
    clock.advance(300 * S - 1);
    expect((await isolate().get('assets', key, async () => ({ n: 2 }))).status).toBe('hit');
    clock.advance(1);
    const b = isolate();
    expect(await b.get('assets', key, async () => ({ n: 2 }))).toEqual({ value: { n: 1 }, status: 'stale', tier: 'l2' });
    await b.settle();
    const { clock: c2, isolate: i2, key: k2 } = await fill();
    c2.advance(360 * S);
    expect(await i2().get('assets', k2, async () => ({ n: 2 }))).toEqual({ value: { n: 2 }, status: 'miss', tier: 'origin' });
  });

  it('L1 serves for its window (5 s) and not a millisecond longer', async () => {
    const { clock, kv, a, key } = await fill();
    const reads = () => kv.calls.filter((c) => c === 'mget').length;
    const before = reads();
    clock.advance(5 * S - 1);
    expect((await a.get('assets', key, async () => ({ n: 2 }))).tier).toBe('l1');
    expect(reads()).toBe(before);
    clock.advance(1);
    expect((await a.get('assets', key, async () => ({ n: 2 }))).tier).toBe('l2');
  });

  it('counts loads, fills and failed background refreshes', async () => {
    const { clock, isolate, key } = await fill();
    const b = isolate();
    expect(b.stats()).toMatchObject({ loads: 0, fills: { ok: 0, failed: 0 }, refreshes: { started: 0, failed: 0 } });
    clock.advance(300 * S); // stale: serves, and refreshes in the background, which fails
    expect((await b.get('assets', key, async () => Promise.reject(new Error('origin down')))).status).toBe('stale');
    await b.settle();
    expect(b.stats()).toMatchObject({ loads: 1, fills: { ok: 0, failed: 0 }, refreshes: { started: 1, failed: 1 } });
    const c = isolate();
    await c.get('assets', cacheKeys.asset(randomVersionId()), async () => ({ n: 3 }));
    await c.settle();
    expect(c.stats()).toMatchObject({ loads: 1, fills: { ok: 1, failed: 0 }, refreshes: { started: 0, failed: 0 } });
  });

  it('refuses an unknown namespace, a malformed key, and a tag list with any malformed tag', async () => {
    const c = setup().isolate();
    const key = cacheKeys.asset(randomVersionId());
    const load = async () => ({ n: 1 });
    await expect(c.get('nope' as never, key, load)).rejects.toThrow(new TypeError('unknown cache namespace: nope'));
    await expect(c.get('assets', 'not a key', load)).rejects.toThrow(new TypeError('cache: invalid key'));
    await expect(c.get('assets', key, load, { tags: [cacheTags.of('t', randomUUID()), 'NOT A TAG'] })).rejects.toThrow(new TypeError('cache: invalid tag'));
  });

  it('invalidates Kv in one atomic batch', async () => {
    const { kv } = setup();
    const batches: unknown[] = [];
    const recording = { ...kv, exec: (commands: Parameters<typeof kv.exec>[0], opts: Parameters<typeof kv.exec>[1]) => (batches.push(opts), kv.exec(commands, opts)) };
    const c = createCache({ kv: recording, clock: manualClock(), kvTimeoutMs: 2000 });
    expect(await c.invalidate({ keys: [cacheKeys.asset(randomVersionId())], tags: [cacheTags.of('t', randomUUID())] })).toEqual({ applied: true });
    expect(batches).toEqual([{ atomic: true }]);
  });

  it('an invalidation of another tag leaves an in-flight load joinable', async () => {
    const { isolate } = setup();
    const c = isolate();
    const key = cacheKeys.asset(randomVersionId());
    const [mine, other] = [cacheTags.of('t', randomUUID()), cacheTags.of('t', randomUUID())];
    const release = gate();
    let calls = 0;
    const load = async () => {
      calls++;
      await release.promise;
      return { n: calls };
    };
    const first = c.get('assets', key, load, { tags: [mine] });
    await c.invalidate({ tags: [other] });
    const second = c.get('assets', key, load, { tags: [mine] });
    release.open();
    expect((await first).value).toEqual({ n: 1 });
    expect((await second).value).toEqual({ n: 1 });
    expect(calls).toBe(1);
    await c.settle();
  });

  it('a detached load finishing late does not detach the load that replaced it', async () => {
    const { isolate } = setup();
    const c = isolate();
    const key = cacheKeys.asset(randomVersionId());
    const gates = [gate(), gate()];
    let calls = 0;
    const load = async () => {
      const i = calls++;
      await gates[Math.min(i, 1)]!.promise;
      return { n: i + 1 };
    };
    const first = c.get('assets', key, load);
    await c.invalidate({ keys: [key] }); // detaches the first load
    const second = c.get('assets', key, load);
    gates[0]!.open();
    await first; // finishing must not remove the second flight
    const third = c.get('assets', key, load);
    gates[1]!.open();
    expect((await second).value).toEqual({ n: 2 });
    expect((await third).value).toEqual({ n: 2 });
    expect(calls).toBe(2);
    await c.settle();
  });

  it('a failing load that does not hold the lease leaves the holder\'s lease alone', async () => {
    const { kv, isolate } = setup({ lease: { pollMs: 5, waitMs: 20 } });
    const [a, b, c] = [isolate(), isolate(), isolate()];
    const key = cacheKeys.bundle(randomVersionId(), 8);
    const loaded = gate();
    const never = gate();
    void a.get('bundles', key, async () => {
      loaded.open();
      await never.promise;
      return { n: 1 };
    }, { lease: true });
    await loaded.promise;
    // b waits for the lease, then loads itself and fails; c does not ask for the lease and fails
    await expect(b.get('bundles', key, async () => Promise.reject(new Error('b down')), { lease: true })).rejects.toThrow('b down');
    await expect(c.get('bundles', key, async () => Promise.reject(new Error('c down')))).rejects.toThrow('c down');
    await Promise.all([b.settle(), c.settle()]);
    expect((await kv.mget([leaseKey(key)]))[0]).not.toBeNull();
    never.open();
    await a.settle();
  });

  it('a waiter whose Kv fails mid-wait loads itself at once', async () => {
    const { kv, isolate } = setup({ lease: { pollMs: 5, waitMs: 2000 } });
    const [a, b] = [isolate(), isolate()];
    const key = cacheKeys.bundle(randomVersionId(), 8);
    const loaded = gate();
    const never = gate();
    void a.get('bundles', key, async () => {
      loaded.open();
      await never.promise;
      return { n: 1 };
    }, { lease: true });
    await loaded.promise;
    const started = Date.now();
    const waiting = b.get('bundles', key, async () => ({ n: 2 }), { lease: true });
    await new Promise((r) => setTimeout(r, 12));
    kv.mode = 'throw';
    expect(await waiting).toEqual({ value: { n: 2 }, status: 'miss', tier: 'origin' });
    expect(Date.now() - started).toBeLessThan(1500); // not the whole 2 s wait
    kv.mode = 'ok';
    never.open();
    await Promise.all([a.settle(), b.settle()]);
  });
});
