/**
 * Process metrics on a Node host (and Lambda, which is Node): memory from process.memoryUsage
 * and event-loop delay from perf_hooks.monitorEventLoopDelay. Workers have neither, so the
 * Worker platform offers no ProcessStats and /metrics there simply has no process series.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { ProcessStats } from '@strata/core/observability/collectors';

const NS_PER_MS = 1e6;

export function nodeProcessStats(): ProcessStats {
  // 20 ms sampling: fine enough to see a blocked loop, cheap enough to leave on
  const h = monitorEventLoopDelay({ resolution: 20 });
  h.enable();
  return {
    memory: () => {
      const m = process.memoryUsage();
      return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external };
    },
    eventLoopDelay: () => {
      if (h.count === 0) return null;
      const d = { p50: h.percentile(50) / NS_PER_MS, p99: h.percentile(99) / NS_PER_MS, max: h.max / NS_PER_MS, mean: h.mean / NS_PER_MS };
      h.reset();
      return d;
    },
    close: () => h.disable(),
  };
}
