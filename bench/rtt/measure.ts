/** Sequential round-trip timing shared by the adapter benches. */
export interface Percentiles {
  p50Ms: number;
  p99Ms: number;
}

/** Nearest-rank percentile of an ascending array, in ms rounded to µs. */
export function percentile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[i] ?? NaN) * 1000) / 1000;
}

/** Times `iterations` sequential calls of `op` after a warm-up (connections, JIT). */
export async function measure(iterations: number, op: () => Promise<unknown>): Promise<Percentiles> {
  const warmup = Math.min(100, Math.max(20, Math.ceil(iterations / 10)));
  for (let i = 0; i < warmup; i++) await op();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await op();
    samples.push(performance.now() - t);
  }
  samples.sort((a, b) => a - b);
  return { p50Ms: percentile(samples, 50), p99Ms: percentile(samples, 99) };
}
