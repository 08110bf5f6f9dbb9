/**
 * In-process metrics rendered as Prometheus text for GET /metrics: counters and histograms
 * with labels. Per isolate; scrape each instance (or push from the entry) in production.
 */
type Labels = Readonly<Record<string, string>>;

const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

const UNSAFE = /["\\\n]/;

/** `a="x",b="y"` with names sorted; runs on every request (cache reads), so no intermediate arrays. */
function keyOf(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let out = '';
  for (const k of names) {
    const v = String(labels[k]);
    out += `${out ? ',' : ''}${k}="${UNSAFE.test(v) ? v.replace(/["\\\n]/g, '_') : v}"`;
  }
  return out;
}

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void;
  observe(name: string, labels: Labels, valueMs: number): void;
  /** Registers a gauge read at render time. */
  gauge(name: string, read: () => Promise<number> | number, help?: string): void;
  counter(name: string, labels?: Labels): number;
  render(): Promise<string>;
}

export function createMetrics(): Metrics {
  const counters = new Map<string, Map<string, number>>();
  const histograms = new Map<string, Map<string, Histogram>>();
  const gauges = new Map<string, { read: () => Promise<number> | number; help?: string }>();
  return {
    inc(name, labels = {}, by = 1) {
      let m = counters.get(name);
      if (!m) counters.set(name, (m = new Map()));
      const k = keyOf(labels);
      m.set(k, (m.get(k) ?? 0) + by);
    },
    observe(name, labels, valueMs) {
      let m = histograms.get(name);
      if (!m) histograms.set(name, (m = new Map()));
      const k = keyOf(labels);
      let h = m.get(k);
      if (!h) m.set(k, (h = { counts: BUCKETS_MS.map(() => 0), sum: 0, count: 0 }));
      for (let i = BUCKETS_MS.length - 1; i >= 0 && valueMs <= BUCKETS_MS[i]!; i--) h.counts[i]!++;
      h.sum += valueMs;
      h.count++;
    },
    gauge(name, read, help) {
      gauges.set(name, { read, help });
    },
    counter(name, labels = {}) {
      return counters.get(name)?.get(keyOf(labels)) ?? 0;
    },
    async render() {
      const lines: string[] = [];
      for (const [name, m] of counters) {
        lines.push(`# TYPE ${name} counter`);
        for (const [k, v] of m) lines.push(`${name}${k ? `{${k}}` : ''} ${v}`);
      }
      for (const [name, m] of histograms) {
        lines.push(`# TYPE ${name} histogram`);
        for (const [k, h] of m) {
          const sep = k ? `${k},` : '';
          BUCKETS_MS.forEach((b, i) => lines.push(`${name}_bucket{${sep}le="${b}"} ${h.counts[i]}`));
          lines.push(`${name}_bucket{${sep}le="+Inf"} ${h.count}`);
          lines.push(`${name}_sum${k ? `{${k}}` : ''} ${h.sum}`);
          lines.push(`${name}_count${k ? `{${k}}` : ''} ${h.count}`);
        }
      }
      for (const [name, g] of gauges) {
        let v: number;
        try {
          v = await g.read();
        } catch {
          continue; // an unreachable tier just omits its gauge
        }
        if (g.help) lines.push(`# HELP ${name} ${g.help}`);
        lines.push(`# TYPE ${name} gauge`, `${name} ${v}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
