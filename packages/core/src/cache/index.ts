/** The tiered cache engine: namespaces, key builders, the engine, and the invalidation primitive. */
export * from './namespaces';
export * from './keys';
export * from './engine';
export * from './invalidate';
export type { CacheStats, CacheMetrics, CacheStatus, CacheTier, ReadOutcome, TierCounters } from './stats';
export type { BreakerOptions, BreakerState } from './breaker';
export type { L1Entry } from './l1';
export * from './types';
