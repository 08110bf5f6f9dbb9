/**
 * `npx tsx bench/cpuprofile-summary.ts <file.cpuprofile> [top]`: where a V8 CPU profile's samples
 * went — self time by function and by file (a package's files grouped under the package), as a
 * share of the non-idle samples. Used with `node --cpu-prof` runs of bench/catalog-profile.ts.
 */
import { readFileSync } from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
const file = process.argv[2];
if (!file) throw new Error('usage: cpuprofile-summary <file.cpuprofile> [top]');
const top = Number(process.argv[3] ?? 40);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: Node[]; samples: number[] };
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map<number, number>();
for (const s of profile.samples) counts.set(s, (counts.get(s) ?? 0) + 1);

const IDLE = new Set(['(idle)', '(program)', '(garbage collector)']);
const where = (url: string): string => {
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const src = /(packages|functions|bench|test)\/.*$/.exec(url);
  return src ? src[0] : url || '(native)';
};

let busy = 0;
let gc = 0;
const fn = new Map<string, number>();
const mod = new Map<string, number>();
for (const [id, n] of counts) {
  const node = byId.get(id)!;
  const name = node.callFrame.functionName || '(anonymous)';
  if (name === '(garbage collector)') gc += n;
  if (IDLE.has(name)) continue;
  busy += n;
  const key = `${name} ${where(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;
  fn.set(key, (fn.get(key) ?? 0) + n);
  const m = where(node.callFrame.url);
  mod.set(m, (mod.get(m) ?? 0) + n);
}
const pct = (n: number) => `${((100 * n) / busy).toFixed(1).padStart(5)} %`;
console.log(`${profile.samples.length} samples, ${busy} busy (GC ${gc} samples besides)`);
console.log('\nself time by file or package:');
for (const [k, n] of [...mod].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${k}`);
console.log('\nself time by function:');
for (const [k, n] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${pct(n)}  ${k}`);
