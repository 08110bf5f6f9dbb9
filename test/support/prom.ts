/** Parses Prometheus text exposition (what GET /metrics answers) into samples tests can query. */
export interface PromSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly PromSample[];
  /** `# TYPE` of each family. */
  readonly types: ReadonlyMap<string, string>;
  /** Samples of `name` whose labels include every one in `match`. */
  find(name: string, match?: Record<string, string>): PromSample[];
  /** The sum of those samples (0 when there are none). */
  sum(name: string, match?: Record<string, string>): number;
  /** The one sample of `name` with exactly these labels, or undefined. */
  get(name: string, labels?: Record<string, string>): number | undefined;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Exposition {
  const samples: PromSample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!;
    const v = m[3]!;
    samples.push({ name: m[1]!, labels, value: v === '+Inf' ? Infinity : v === '-Inf' ? -Infinity : Number(v) });
  }
  const includes = (s: PromSample, match: Record<string, string>) => Object.entries(match).every(([k, v]) => s.labels[k] === v);
  const find = (name: string, match: Record<string, string> = {}) => samples.filter((s) => s.name === name && includes(s, match));
  return {
    samples,
    types,
    find,
    sum: (name, match) => find(name, match).reduce((a, s) => a + s.value, 0),
    get(name, labels = {}) {
      const want = Object.keys(labels).length;
      return find(name, labels).find((s) => Object.keys(s.labels).length === want)?.value;
    },
  };
}
