/**
 * `npm run bench:adapters [iterations]`: one storage round trip through every adapter and bridge,
 * beside the same operation through a direct client (pg, ioredis, raw fetch), in one run so the
 * bridges' own overhead can be read off as a ratio. Writes bench/results/adapters.json.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { benchBlob } from './rtt/blob';
import { benchKv } from './rtt/kv';
import { benchSql } from './rtt/sql';

const iterations = Number(process.argv[2] ?? 1000);
const started = Date.now();
const sql = await benchSql({ iterations });
const kv = await benchKv({ iterations });
const blob = await benchBlob({ iterations });

const round = (n: number) => Math.round(n * 1000) / 1000;
const ratio = (a: { p50Ms: number }, b: { p50Ms: number } | undefined) => (b ? round(a.p50Ms / b.p50Ms) : null);
const rows: { group: string; path: string; p50Ms: number; p99Ms: number; p50VsBaseline: number | null }[] = [];
const add = (group: string, res: Record<string, { p50Ms: number; p99Ms: number }>, baseline: string) => {
  for (const [path, r] of Object.entries(res)) rows.push({ group, path, p50Ms: round(r.p50Ms), p99Ms: round(r.p99Ms), p50VsBaseline: ratio(r, res[baseline]) });
};
add('sql: SELECT 1', sql, 'pg client (baseline)');
add('kv: GET', kv, 'ioredis');
add('blob: HEAD', blob, Object.keys(blob).find((k) => k.includes('fetch')) ?? Object.keys(blob)[0]!);

console.table(rows);
const result = {
  iterations,
  node: process.version,
  loadAverage1m: round(loadavg()[0]!),
  seconds: Math.round((Date.now() - started) / 1000),
  rows,
};
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/adapters.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/adapters.json');
process.exit(0);
