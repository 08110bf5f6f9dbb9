/**
 * `strata_cache_read_ms{ns,tier,outcome}`: every cache read by namespace, the tier that answered
 * (l1, l2, origin) and its outcome (hit, miss, stale, error); `_count` is the read count. Runs on
 * every cached request, so one memoised series per combination and no label object per read.
 * Buckets start at 0.25 ms like the request histogram: an L1 hit takes microseconds.
 */
import { HTTP_BUCKETS_MS } from './http';
import { keyed, type Metrics } from './metrics';

export function cacheReadRecorder(metrics: Metrics): (ns: string, tier: string, outcome: string, ms: number) => void {
  metrics.describe('strata_cache_read_ms', 'Cache reads in milliseconds by namespace, answering tier (l1, l2, origin) and outcome; _count counts the reads.');
  const series = keyed((ns: string, tier: string, outcome: string) => metrics.histogramSeries('strata_cache_read_ms', { ns, tier, outcome }, HTTP_BUCKETS_MS));
  return (ns, tier, outcome, ms) => series(ns, tier, outcome).observe(ms);
}
