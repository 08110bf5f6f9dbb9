/**
 * In-process metrics rendered as Prometheus text for GET /metrics: counters, histograms and
 * gauges with labels. Per isolate; scrape each instance (or push from the entry) in production.
 *
 * Two ways to record. `inc`/`observe` take a label object and build its key on every call —
 * fine off the hot path. Code that records on every request takes a *series* once
 * (`counterSeries`, `histogramSeries`, or `keyed` to memoise one per label combination) and
 * then only adds to numbers: no label key, no string, no allocation per event.
 *
 * Gauges are read when /metrics is scraped: collectors run concurrently, each bounded by a
 * timeout, and one that fails or is late only drops its own series (and reports
 * `strata_metrics_collector_up{collector} 0`) — a failing tier never fails the scrape.
 */
export type Labels = Readonly<Record<string, string>>;

export const BUCKETS_MS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

const UNSAFE = /["\\\n]/;

/** `a="x",b="y"` with names sorted; no intermediate arrays. */
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

export interface CounterSeries {
  inc(by?: number): void;
  readonly value: number;
}

export interface HistogramSeries {
  observe(value: number): void;
  readonly count: number;
  readonly sum: number;
}

/** One sample a collector reports at scrape time. */
export interface Sample {
  readonly name: string;
  readonly value: number;
  readonly labels?: Labels;
}

export interface CollectorOptions {
  /** Per-family help text (`# HELP`), keyed by metric name. */
  readonly help?: Readonly<Record<string, string>>;
  /** Give up on this collector after this long (default 1000 ms); its series are left out. */
  readonly timeoutMs?: number;
}

export interface Metrics {
  inc(name: string, labels?: Labels, by?: number): void;
  observe(name: string, labels: Labels, valueMs: number): void;
  /** The counter series for these labels, created once; `inc` on it is a plain addition. */
  counterSeries(name: string, labels?: Labels): CounterSeries;
  /** The histogram series for these labels, created once. `buckets` apply to the whole family (first call wins). */
  histogramSeries(name: string, labels?: Labels, buckets?: readonly number[]): HistogramSeries;
  /** `# HELP` text for a family. */
  describe(name: string, help: string): void;
  /** Registers a gauge read at render time (one unlabelled value). */
  gauge(name: string, read: () => Promise<number> | number, help?: string): void;
  /** Registers a collector run at render time; every sample it returns is a gauge. */
  collector(id: string, collect: () => Promise<readonly Sample[]> | readonly Sample[], options?: CollectorOptions): void;
  counter(name: string, labels?: Labels): number;
  render(): Promise<string>;
}

interface Histogram {
  readonly buckets: readonly number[];
  counts: number[];
  sum: number;
  count: number;
  observe(value: number): void;
}

function histogram(buckets: readonly number[]): Histogram {
  const h: Histogram = {
    buckets,
    counts: buckets.map(() => 0),
    sum: 0,
    count: 0,
    observe(v) {
      // one increment per observation (the bucket v falls in; past the last → only +Inf);
      // render makes the counts cumulative
      let i = 0;
      while (i < buckets.length && v > buckets[i]!) i++;
      if (i < buckets.length) h.counts[i]!++;
      h.sum += v;
      h.count++;
    },
  };
  return h;
}

const fmt = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

function withTimeout<T>(p: Promise<T> | T, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    Promise.resolve(p).then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

export function createMetrics(): Metrics {
  const counters = new Map<string, Map<string, { value: number }>>();
  const histograms = new Map<string, { buckets: readonly number[]; series: Map<string, Histogram> }>();
  const help = new Map<string, string>();
  const collectors = new Map<string, { collect: () => Promise<readonly Sample[]> | readonly Sample[]; timeoutMs: number }>();

  const counterCell = (name: string, key: string) => {
    let m = counters.get(name);
    if (!m) counters.set(name, (m = new Map()));
    let cell = m.get(key);
    if (!cell) m.set(key, (cell = { value: 0 }));
    return cell;
  };
  const histogramCell = (name: string, key: string, buckets: readonly number[] = BUCKETS_MS) => {
    let fam = histograms.get(name);
    if (!fam) histograms.set(name, (fam = { buckets, series: new Map() }));
    let h = fam.series.get(key);
    if (!h) fam.series.set(key, (h = histogram(fam.buckets)));
    return h;
  };

  const metrics: Metrics = {
    inc(name, labels = {}, by = 1) {
      counterCell(name, keyOf(labels)).value += by;
    },
    observe(name, labels, valueMs) {
      histogramCell(name, keyOf(labels)).observe(valueMs);
    },
    counterSeries(name, labels = {}) {
      const cell = counterCell(name, keyOf(labels));
      return {
        inc(by = 1) {
          cell.value += by;
        },
        get value() {
          return cell.value;
        },
      };
    },
    histogramSeries(name, labels = {}, buckets) {
      const h = histogramCell(name, keyOf(labels), buckets);
      return {
        observe: h.observe,
        get count() {
          return h.count;
        },
        get sum() {
          return h.sum;
        },
      };
    },
    describe(name, text) {
      help.set(name, text);
    },
    gauge(name, read, text) {
      if (text) help.set(name, text);
      collectors.set(name, { collect: async () => [{ name, value: await read() }], timeoutMs: 1000 });
    },
    collector(id, collect, options = {}) {
      for (const [name, text] of Object.entries(options.help ?? {})) help.set(name, text);
      collectors.set(id, { collect, timeoutMs: options.timeoutMs ?? 1000 });
    },
    counter(name, labels = {}) {
      return counters.get(name)?.get(keyOf(labels))?.value ?? 0;
    },
    async render() {
      const lines: string[] = [];
      const head = (name: string, type: string) => {
        const h = help.get(name);
        if (h) lines.push(`# HELP ${name} ${h}`);
        lines.push(`# TYPE ${name} ${type}`);
      };
      for (const [name, m] of counters) {
        head(name, 'counter');
        for (const [k, c] of m) lines.push(`${name}${k ? `{${k}}` : ''} ${fmt(c.value)}`);
      }
      for (const [name, fam] of histograms) {
        head(name, 'histogram');
        for (const [k, h] of fam.series) {
          const sep = k ? `${k},` : '';
          let cumulative = 0;
          fam.buckets.forEach((b, i) => lines.push(`${name}_bucket{${sep}le="${b}"} ${(cumulative += h.counts[i]!)}`));
          lines.push(`${name}_bucket{${sep}le="+Inf"} ${h.count}`);
          lines.push(`${name}_sum${k ? `{${k}}` : ''} ${fmt(h.sum)}`);
          lines.push(`${name}_count${k ? `{${k}}` : ''} ${h.count}`);
        }
      }
      // every collector at once, each bounded: the scrape costs the slowest, never their sum
      const ids = [...collectors.keys()];
      const results = await Promise.allSettled(ids.map((id) => withTimeout(collectors.get(id)!.collect(), collectors.get(id)!.timeoutMs)));
      const gauges = new Map<string, string[]>();
      results.forEach((r) => {
        if (r.status !== 'fulfilled') return;
        for (const s of r.value) {
          const k = keyOf(s.labels ?? {});
          let list = gauges.get(s.name);
          if (!list) gauges.set(s.name, (list = []));
          list.push(`${s.name}${k ? `{${k}}` : ''} ${fmt(s.value)}`);
        }
      });
      for (const [name, list] of gauges) {
        head(name, 'gauge');
        lines.push(...list);
      }
      if (ids.length > 0) {
        help.set('strata_metrics_collector_up', 'Whether each scrape-time collector answered in time (1) or failed (0); a failed one leaves its series out.');
        head('strata_metrics_collector_up', 'gauge');
        ids.forEach((id, i) => lines.push(`strata_metrics_collector_up{collector="${id.replace(/["\\\n]/g, '_')}"} ${results[i]!.status === 'fulfilled' ? 1 : 0}`));
      }
      return `${lines.join('\n')}\n`;
    },
  };
  return metrics;
}

/**
 * Memoises one series per combination of label values, in nested maps: after the first call
 * for a combination, a lookup is a map get per label — no key string is built.
 */
export function keyed<A extends string, S>(make: (a: A) => S): (a: A) => S;
export function keyed<A extends string, B extends string, S>(make: (a: A, b: B) => S): (a: A, b: B) => S;
export function keyed<A extends string, B extends string, C extends string, S>(make: (a: A, b: B, c: C) => S): (a: A, b: B, c: C) => S;
export function keyed<S>(make: (a: string, b?: string, c?: string) => S): (a: string, b?: string, c?: string) => S {
  // one function per arity, without rest parameters: a lookup allocates nothing
  if (make.length <= 1) {
    const m = new Map<string, S>();
    return (a) => {
      let s = m.get(a);
      if (s === undefined) m.set(a, (s = make(a)));
      return s;
    };
  }
  if (make.length === 2) {
    const m = new Map<string, Map<string, S>>();
    return (a, b) => {
      let inner = m.get(a);
      if (!inner) m.set(a, (inner = new Map()));
      let s = inner.get(b!);
      if (s === undefined) inner.set(b!, (s = make(a, b)));
      return s;
    };
  }
  const m = new Map<string, Map<string, Map<string, S>>>();
  return (a, b, c) => {
    let mid = m.get(a);
    if (!mid) m.set(a, (mid = new Map()));
    let inner = mid.get(b!);
    if (!inner) mid.set(b!, (inner = new Map()));
    let s = inner.get(c!);
    if (s === undefined) inner.set(c!, (s = make(a, b, c)));
    return s;
  };
}
