/** Public types of the cache engine (see engine.ts for the behaviour). */
import type { Clock } from '../ports/clock';
import type { Kv } from '../ports/kv';
import type { BreakerOptions } from './breaker';
import type { InvalidationResult } from './invalidate';
import type { L1Entry } from './l1';
import type { CacheNamespace, NamespaceTable } from './namespaces';
import type { CacheMetrics, CacheStats, CacheStatus, CacheTier } from './stats';

export type WaitUntil = (p: Promise<unknown>) => void;

export interface LeaseOptions {
  /** Lease lifetime (SET NX PX), ms. Default 10000 (the seed's bundle lock). */
  readonly ttlMs?: number;
  /** How long a caller that lost the lease polls L2 before loading itself, ms. Default 2000. */
  readonly waitMs?: number;
  /** Poll interval, ms. Default 50. */
  readonly pollMs?: number;
}

export interface CacheOptions {
  readonly kv: Kv;
  readonly clock?: Clock;
  /** Resolved windows, e.g. `resolveNamespaces(config.CACHE_TTLS_JSON)`. Default: the seed's defaults. */
  readonly namespaces?: NamespaceTable;
  readonly metrics?: CacheMetrics;
  /** L1 capacity in entries. Default 5000. */
  readonly l1MaxEntries?: number;
  /** Default background hook (Workers: the request's ctx.waitUntil is better passed per call). */
  readonly waitUntil?: WaitUntil;
  readonly breaker?: BreakerOptions;
  /** Per Kv call timeout, ms. Default 250. */
  readonly kvTimeoutMs?: number;
  readonly lease?: LeaseOptions;
  /** Source of jitter in [0,1). Default Math.random. */
  readonly random?: () => number;
}

export interface GetOptions {
  /** Tags whose bump invalidates this entry. Use the same tags on every get of a key. */
  readonly tags?: readonly string[];
  /** On a miss, take a short Kv lease so only one isolate runs the (expensive) loader. */
  readonly lease?: boolean;
  /** Background hook for this call's fills/refreshes (overrides the instance default). */
  readonly waitUntil?: WaitUntil;
}

export interface CacheResult<T> {
  /** The value; `null` is a (possibly cached) "not found". Deeply frozen: copy before changing. */
  readonly value: T | null;
  readonly status: CacheStatus;
  readonly tier: CacheTier;
}

export interface Cache {
  /** Reads `key` through L1 → L2 → `loader`. Throws only what the loader threw, when nothing stale can be served. */
  get<T>(ns: CacheNamespace, key: string, loader: () => Promise<T | null>, opts?: GetOptions): Promise<CacheResult<T>>;
  /** Deletes keys and bumps tags in one Kv round trip, then drops them from this isolate. Never throws. */
  invalidate(input: { keys?: readonly string[]; tags?: readonly string[] }): Promise<InvalidationResult>;
  /**
   * `get` without a loader, synchronously, for the part of `get` that needs no I/O: the value when
   * L1 holds it fresh (recorded exactly as `get` records an L1 hit), or `undefined` when a `get`
   * would go further — the caller then calls `get`, which records its own outcome. Throws what
   * `get` throws for an unknown namespace or a malformed key.
   */
  hit?<T>(ns: CacheNamespace, key: string): CacheResult<T> | undefined;
  /** This isolate's L1 entry for a key, if any (tests, diagnostics). */
  peekL1(key: string): L1Entry | undefined;
  /** Empties L1. */
  clearL1(): void;
  /** Counters for /metrics. */
  stats(): CacheStats;
  /** Resolves once every background fill/refresh started so far has finished. */
  settle(): Promise<void>;
  readonly namespaces: NamespaceTable;
}
