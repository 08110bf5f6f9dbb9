/** Helpers the lineage benches share: percentiles, a seeded PRNG and the layered dataset names. */

/** Nearest-rank percentile of an ascending array, ms rounded to µs. */
export function pct(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[i] ?? NaN) * 1000) / 1000;
}

/** Small deterministic PRNG (mulberry32) so the chosen nodes are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Dataset `i` of layer `layer` in the benches' layered graph. */
export const dsName = (layer: number, i: number) => `l${String(layer).padStart(2, '0')}.d${String(i).padStart(5, '0')}`;
