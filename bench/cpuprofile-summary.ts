/**
 * `npx tsx bench/cpuprofile-summary.ts <file.cpuprofile>[:requests] [<other.cpuprofile>:requests] [top]`:
 * where a V8 CPU profile's time went — self time by file (a package's files grouped under the
 * package) and by function. With a request count, in µs per request; with two profiles (the
 * cached path and the ceiling from bench/catalog-profile.ts), side by side and sorted by the
 * difference, which is what the cached path spends that the ceiling does not.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

const IDLE = new Set(['(idle)', '(program)']);
const where = (url: string): string => {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) return url.slice(nm + 'node_modules/'.length);
  const src = /(packages|functions|bench|test)\/.*$/.exec(url);
  return src ? src[0] : url || '(native)';
};
const pkg = (file: string): string => {
  if (file.startsWith('@')) return file.split('/').slice(0, 2).join('/');
  if (/^(packages|functions|bench|test)\//.test(file)) return file;
  return file.split('/')[0]!;
};

/** µs (or µs per request) of self time by function and by file. */
function load(arg: string): { fn: Map<string, number>; mod: Map<string, number>; total: number } {
  const [file, n] = arg.split(':') as [string, string | undefined];
  const per = n ? Number(n) : 1;
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((x) => [x.id, x]));
  const fn = new Map<string, number>();
  const mod = new Map<string, number>();
  let total = 0;
  // a sample's time is the delta to the next sample
  for (let i = 0; i < p.samples.length - 1; i++) {
    const node = byId.get(p.samples[i]!)!;
    const name = node.callFrame.functionName || '(anonymous)';
    if (IDLE.has(name)) continue;
    const us = p.timeDeltas[i + 1]! / per;
    total += us;
    const w = where(node.callFrame.url);
    const key = `${name} ${w}:${node.callFrame.lineNumber + 1}:${node.callFrame.columnNumber}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    mod.set(pkg(w), (mod.get(pkg(w)) ?? 0) + us);
  }
  return { fn, mod, total };
}

const args = process.argv.slice(2);
const top = /^\d+$/.test(args[args.length - 1] ?? '') ? Number(args.pop()) : 40;
const [a, b] = args.map(load);
if (!a) throw new Error('usage: cpuprofile-summary <file.cpuprofile>[:requests] [<other.cpuprofile>:requests] [top]');
const f = (x: number) => x.toFixed(2).padStart(8);
const table = (title: string, ka: Map<string, number>, kb?: Map<string, number>) => {
  console.log(`\n${title}`);
  const keys = new Set([...ka.keys(), ...(kb?.keys() ?? [])]);
  const rows = [...keys].map((k) => [k, ka.get(k) ?? 0, kb?.get(k) ?? 0] as const);
  rows.sort((x, y) => (kb ? y[1] - y[2] - (x[1] - x[2]) : y[1] - x[1]));
  for (const [k, x, y] of rows.slice(0, top)) console.log(kb ? `${f(x)} ${f(y)} ${f(x - y)}  ${k}` : `${f(x)}  ${k}`);
};
console.log(b ? `busy: ${a.total.toFixed(2)} vs ${b.total.toFixed(2)} (difference ${(a.total - b.total).toFixed(2)}); columns: first, second, difference` : `busy: ${a.total.toFixed(2)}`);
table('self time by file or package:', a.mod, b?.mod);
table('self time by function:', a.fn, b?.fn);
