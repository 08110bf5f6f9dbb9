/**
 * Read counters for /metrics: every `get` records exactly one outcome under the namespace and
 * the tier that answered it, so hit ratio per namespace and tier is a simple division.
 */
import type { KvGuardStats, BreakerState } from './breaker';

export type CacheStatus = 'hit' | 'miss' | 'stale' | 'stale-if-error';
export type CacheTier = 'l1' | 'l2' | 'origin';
/** `error` = the get threw (loader failed with nothing stale to serve). */
export type ReadOutcome = CacheStatus | 'error';

export type TierCounters = Record<ReadOutcome, number>;

export interface CacheStats {
  /** namespace → tier → outcome → count. */
  readonly reads: Record<string, Record<CacheTier, TierCounters>>;
  /** Loader invocations (origin loads, including background refreshes). */
  readonly loads: number;
  /** Background L2 writes: ok / failed (Kv down, unserialisable value). */
  readonly fills: { ok: number; failed: number };
  /** Background SWR refreshes started / failed. */
  readonly refreshes: { started: number; failed: number };
  /** Kv calls through the guard, and the breaker. */
  readonly kv: KvGuardStats & { breaker: BreakerState };
  readonly l1Size: number;
}

/** Optional sink for a metrics system (called once per get, after the outcome is known). */
export interface CacheMetrics {
  read(ns: string, tier: CacheTier, outcome: ReadOutcome, ms: number): void;
}

const zero = (): TierCounters => ({ hit: 0, miss: 0, stale: 0, 'stale-if-error': 0, error: 0 });

/** Mutable counters owned by one cache instance. */
export function createCounters() {
  const reads: Record<string, Record<CacheTier, TierCounters>> = {};
  const c = { loads: 0, fills: { ok: 0, failed: 0 }, refreshes: { started: 0, failed: 0 } };
  return {
    /** Counters the engine bumps directly. */
    c,
    read(ns: string, tier: CacheTier, outcome: ReadOutcome): void {
      const byTier = (reads[ns] ??= { l1: zero(), l2: zero(), origin: zero() });
      byTier[tier][outcome]++;
    },
    snapshot(): Pick<CacheStats, 'reads' | 'loads' | 'fills' | 'refreshes'> {
      const copy: CacheStats['reads'] = {};
      for (const [ns, t] of Object.entries(reads)) copy[ns] = { l1: { ...t.l1 }, l2: { ...t.l2 }, origin: { ...t.origin } };
      return { reads: copy, loads: c.loads, fills: { ...c.fills }, refreshes: { ...c.refreshes } };
    },
  };
}
