/**
 * The tiered cache engine (ARCHITECTURE §4): L1 memory → L2 Kv → origin loader.
 *
 * Request-path cost: an L1 hit costs nothing; an L2 hit or a miss costs exactly one Kv round
 * trip (`mget` of the entry and its version markers); L2 and L1 fills happen in the background
 * via `waitUntil`. Kv failures never fail a get: they count as a miss and feed the breaker.
 *
 * Invalidated entries: an entry whose recorded markers differ from the current ones was
 * invalidated by a write (a tag bump or a key delete). It is treated as a MISS, never served
 * stale-while-revalidate — doing so would hand out data older than an acknowledged write. It is
 * only kept as a stale-if-error fallback, served (and marked 'stale-if-error') when the origin
 * fails, which is the one case where old data beats no data.
 *
 * Fill races: a fill records the markers it read BEFORE loading (see entry.ts), so a fill that
 * lands after a concurrent invalidation is already invalid; L1 writes carry the L1 epoch read
 * before the Kv read (see l1.ts); and an invalidation drops matching in-flight loads, so a read
 * issued after `invalidate()` resolves never joins a load that began before it.
 */
import { systemClock } from '../ports/clock';
import { createKvGuard } from './breaker';
import { decodeEntry, deepFreeze, encodeEntry, markerKeys, markersMatch, type Entry } from './entry';
import { invalidationCommands, markerTtlMs, newMarkerToken, parseInvalidation, type InvalidationResult } from './invalidate';
import { isCacheKey, isCacheTag, leaseKey } from './keys';
import { createL1 } from './l1';
import { DEFAULT_NAMESPACES, type CacheNamespace, type NamespaceWindows } from './namespaces';
import { createCounters, type CacheStatus, type CacheTier } from './stats';
import type { Cache, CacheOptions, CacheResult, GetOptions, WaitUntil } from './types';

type Current = Readonly<Record<string, string | null>>;
interface Read {
  readonly entry: Entry | null;
  readonly current: Current;
}
interface Flight {
  readonly promise: Promise<CacheResult<unknown>>;
  readonly tags: readonly string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Builds a cache over a Kv; one per isolate. */
export function createCache(opts: CacheOptions): Cache {
  const { kv } = opts;
  const clock = opts.clock ?? systemClock;
  const table = opts.namespaces ?? DEFAULT_NAMESPACES;
  const random = opts.random ?? Math.random;
  const guard = createKvGuard({ clock, timeoutMs: opts.kvTimeoutMs ?? 250, breaker: opts.breaker });
  const l1 = createL1(opts.l1MaxEntries ?? 5000);
  const counters = createCounters();
  const markerTtl = markerTtlMs(table);
  const lease = { ttlMs: 10_000, waitMs: 2_000, pollMs: 50, ...opts.lease };
  const flights = new Map<string, Flight>();
  const refreshing = new Set<string>();
  const pending = new Set<Promise<unknown>>();

  const background = (work: Promise<unknown>, wu: WaitUntil | undefined): void => {
    const tracked: Promise<unknown> = work.catch(() => undefined).finally(() => pending.delete(tracked));
    pending.add(tracked);
    (wu ?? opts.waitUntil)?.(tracked);
  };

  const buildEntry = (cfg: NamespaceWindows, value: unknown, t: Current, now: number): Entry => {
    if (value === null) {
      const f = now + cfg.negative * 1000;
      return { v: null, f, s: f, g: f, t };
    }
    const f = Math.round(now + cfg.fresh * 1000 * (1 + (random() * 2 - 1) * cfg.jitter));
    const s = f + cfg.stale * 1000;
    return { v: value, f, s, g: s + cfg.grace * 1000, t };
  };

  const putL1 = (key: string, e: Entry, tags: readonly string[], epoch: number, cfg: NamespaceWindows, now: number): void => {
    const l1Until = Math.min(now + cfg.l1 * 1000, e.f);
    if (l1Until <= now) return;
    l1.set(key, { value: e.v, f: e.f, s: e.s, g: e.g, l1Until, tags }, epoch);
  };

  const readL2 = async (key: string, markers: readonly string[]): Promise<Read | null> => {
    try {
      const vals = await guard.run(() => kv.mget([key, ...markers]));
      const current: Record<string, string | null> = {};
      markers.forEach((m, i) => (current[m] = vals[i + 1] ?? null));
      return { entry: await decodeEntry(vals[0]), current };
    } catch {
      return null;
    }
  };

  const writeL2 = async (key: string, e: Entry): Promise<void> => {
    const px = Math.ceil(e.g - clock.now());
    if (px <= 0) return;
    try {
      const stored = await encodeEntry(e);
      await guard.run(() => kv.set(key, stored, { px }));
      counters.c.fills.ok++;
    } catch {
      counters.c.fills.failed++;
    }
  };

  const release = (key: string, wu: WaitUntil | undefined): void =>
    background(guard.run(() => kv.del([leaseKey(key)])), wu);

  /** Stale-while-revalidate: one background reload per key, recording the markers the stale read saw. */
  const refresh = (cfg: NamespaceWindows, key: string, loader: () => Promise<unknown>, tags: readonly string[], current: Current, epoch: number, wu: WaitUntil | undefined): void => {
    if (refreshing.has(key)) return;
    refreshing.add(key);
    counters.c.refreshes.started++;
    const run = (async () => {
      counters.c.loads++;
      const value = deepFreeze((await loader()) ?? null);
      const now = clock.now();
      const e = buildEntry(cfg, value, current, now);
      putL1(key, e, tags, epoch, cfg, now);
      await writeL2(key, e);
    })()
      .catch(() => void counters.c.refreshes.failed++)
      .finally(() => refreshing.delete(key));
    background(run, wu);
  };

  /** Polls L2 while another isolate holds the lease: its fresh fill, or the last read after the bounded wait. */
  const waitForLeaseHolder = async (key: string, markers: readonly string[]): Promise<{ hit: Entry } | { last: Read | null }> => {
    let last: Read | null = null;
    for (let waited = 0; waited < lease.waitMs; waited += lease.pollMs) {
      await sleep(lease.pollMs);
      const again = await readL2(key, markers);
      if (!again) return { last: null };
      last = again;
      if (again.entry && markersMatch(again.entry, again.current) && clock.now() < again.entry.f) return { hit: again.entry };
    }
    return { last };
  };

  const fetchThrough = async (ns: CacheNamespace, key: string, loader: () => Promise<unknown>, o: GetOptions): Promise<CacheResult<unknown>> => {
    const cfg = table[ns];
    const tags = o.tags ?? [];
    const epoch = l1.epoch();
    const markers = markerKeys(key, tags);
    let read = await readL2(key, markers);
    let now = clock.now();
    let fallback: { value: unknown; tier: CacheTier } | undefined;
    if (read?.entry) {
      const e = read.entry;
      if (markersMatch(e, read.current)) {
        if (now < e.f) {
          const value = deepFreeze(e.v);
          putL1(key, { ...e, v: value }, tags, epoch, cfg, now);
          return { value, status: 'hit', tier: 'l2' };
        }
        if (now < e.s) {
          refresh(cfg, key, loader, tags, read.current, epoch, o.waitUntil);
          return { value: deepFreeze(e.v), status: 'stale', tier: 'l2' };
        }
      }
      // expired, or stored under older markers (invalidated): a miss, kept only for stale-if-error
      if (now < e.g) fallback = { value: e.v, tier: 'l2' };
    }
    if (!fallback) {
      const mem = l1.get(key, now);
      if (mem) fallback = { value: mem.value, tier: 'l1' };
    }

    let holdsLease = false;
    if (o.lease && read) {
      const got = await guard.run(() => kv.set(leaseKey(key), newMarkerToken(clock), { nx: true, px: lease.ttlMs })).catch(() => null);
      holdsLease = got === true;
      if (got === false) {
        const waited = await waitForLeaseHolder(key, markers);
        if ('hit' in waited) {
          const value = deepFreeze(waited.hit.v);
          putL1(key, { ...waited.hit, v: value }, tags, epoch, cfg, clock.now());
          return { value, status: 'hit', tier: 'l2' };
        }
        // the holder did not deliver in time: load ourselves, recording the latest markers seen
        read = waited.last;
      }
    }

    counters.c.loads++;
    let value: unknown;
    try {
      value = deepFreeze((await loader()) ?? null);
    } catch (err) {
      if (holdsLease) release(key, o.waitUntil);
      if (fallback) return { value: deepFreeze(fallback.value), status: 'stale-if-error', tier: fallback.tier };
      throw err;
    }
    now = clock.now();
    // without a successful read we do not know the markers, so we must not write L2 (it could resurrect old data)
    const e = buildEntry(cfg, value, read?.current ?? {}, now);
    putL1(key, e, tags, epoch, cfg, now);
    // a lease is only taken after a successful read, so a holder always writes L2 and then releases
    if (read) {
      background(
        writeL2(key, e).then(() => {
          if (holdsLease) release(key, o.waitUntil);
        }),
        o.waitUntil,
      );
    }
    return { value, status: 'miss', tier: 'origin' };
  };

  const record = (ns: string, tier: CacheTier, outcome: CacheStatus | 'error', started: number): void => {
    counters.read(ns, tier, outcome);
    opts.metrics?.read(ns, tier, outcome, performance.now() - started);
  };

  /** The L1 answer of a get (recorded), or undefined when the get must go to L2 or the origin. */
  const l1Hit = <T>(ns: CacheNamespace, key: string, started: number): CacheResult<T> | undefined => {
    const mem = l1.get(key, clock.now());
    const now = clock.now();
    if (mem && now < mem.l1Until && now < mem.f) {
      record(ns, 'l1', 'hit', started);
      return { value: mem.value as T | null, status: 'hit', tier: 'l1' };
    }
    return undefined;
  };
  const checkKey = (ns: CacheNamespace, key: string): void => {
    if (!table[ns]) throw new TypeError(`unknown cache namespace: ${String(ns)}`);
    // refusing malformed keys and tags here is what lets invalidation drop them safely
    if (!isCacheKey(key)) throw new TypeError('cache: invalid key');
  };

  return {
    namespaces: table,
    hit<T>(ns: CacheNamespace, key: string): CacheResult<T> | undefined {
      const started = performance.now();
      checkKey(ns, key);
      return l1Hit<T>(ns, key, started);
    },
    async get<T>(ns: CacheNamespace, key: string, loader: () => Promise<T | null>, o: GetOptions = {}): Promise<CacheResult<T>> {
      const started = performance.now();
      checkKey(ns, key);
      if (o.tags && !o.tags.every(isCacheTag)) throw new TypeError('cache: invalid tag');
      const mem = l1Hit<T>(ns, key, started);
      if (mem) return mem;
      let flight = flights.get(key);
      if (!flight) {
        const f: Flight = { promise: fetchThrough(ns, key, loader, o), tags: o.tags ?? [] };
        const done = () => void (flights.get(key) === f && flights.delete(key));
        f.promise.then(done, done);
        flights.set(key, f);
        flight = f;
      }
      try {
        const r = await flight.promise;
        record(ns, r.tier, r.status, started);
        return r as CacheResult<T>;
      } catch (err) {
        record(ns, 'origin', 'error', started);
        throw err;
      }
    },

    async invalidate(input) {
      const inv = parseInvalidation(input);
      if (!inv) return { applied: false, reason: 'invalid' };
      const commands = invalidationCommands(inv, newMarkerToken(clock), markerTtl);
      let result: InvalidationResult = { applied: true };
      if (commands.length > 0) {
        try {
          await guard.run(() => kv.exec(commands, { atomic: true }));
        } catch {
          result = { applied: false, reason: 'kv-unavailable' };
        }
      }
      // after Kv is updated: reads that started earlier may hold old bytes, so bump the L1 epoch now
      // (their L1 writes get dropped) and detach in-flight loads so new reads start afresh
      l1.invalidate(inv.keys, inv.tags);
      const tagSet = new Set(inv.tags);
      const keySet = new Set(inv.keys);
      for (const [k, f] of flights) if (keySet.has(k) || f.tags.some((t) => tagSet.has(t))) flights.delete(k);
      return result;
    },

    peekL1: (key) => l1.get(key, clock.now()),
    clearL1: () => l1.clear(),
    stats: () => ({ ...counters.snapshot(), kv: { ...guard.stats(), breaker: guard.state() }, l1Size: l1.size() }),
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
