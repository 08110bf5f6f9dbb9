/**
 * `npm run bench:ready-gc [requests] [rounds]`: what the garbage collector does during one client's
 * depth-8 `GET /ready` loop (ADR 0063), with the Node entries' V8 settings and with V8's defaults,
 * in one run: each measurement a child process of its own (test/support/ready-gc.ts), the two
 * settings alternating for `rounds` rounds. Per scavenge: its pause, the share of the young
 * generation that survived it and the bytes it promoted. Writes bench/results/ready-gc.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { runReadyGc, type ChildResult, type Setting } from '../test/support/ready-gc';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};
const r2 = (n: number) => Math.round(n * 100) / 100;

const args = process.argv.slice(2);
const requests = Number(args[0] ?? 3000);
const rounds = Number(args[1] ?? 2);
const started = Date.now();
const results: ChildResult[] = [];
for (let round = 0; round < rounds; round++) {
  const order: Setting[] = round % 2 === 0 ? ['entries', 'v8-defaults'] : ['v8-defaults', 'entries'];
  for (const setting of order) {
    const result = await runReadyGc(setting, requests);
    results.push(result);
    console.log(`round ${round + 1} ${setting}: p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, ${result.scavenges} scavenges (median ${result.scavengePauseMedianMs} ms, ${result.youngSurvivalMedianPct} % survived)`);
  }
}
console.table(results);
const by = (s: Setting) => results.filter((r) => r.setting === s);
const summary = (s: Setting) => ({
  p99MsMedian: r2(median(by(s).map((r) => r.p99Ms))),
  youngSurvivalPctMedian: r2(median(by(s).map((r) => r.youngSurvivalMedianPct))),
  scavengePauseMsMedian: r2(median(by(s).map((r) => r.scavengePauseMedianMs))),
});
const result = {
  requests,
  rounds,
  depth: 8,
  loadAverage1m: r2(loadavg()[0]!),
  seconds: Math.round((Date.now() - started) / 1000),
  node: process.version,
  entries: summary('entries'),
  v8Defaults: summary('v8-defaults'),
  runs: results,
};
console.log(JSON.stringify({ entries: result.entries, v8Defaults: result.v8Defaults }));
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/ready-gc.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/ready-gc.json');
