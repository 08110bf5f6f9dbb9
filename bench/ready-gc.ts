/**
 * `npm run bench:ready-gc [requests] [rounds]`: what the garbage collector does during one client's
 * depth-8 `GET /ready` loop (ADR 0063), with the Node entries' V8 settings and with V8's defaults,
 * in one run. Each measurement is a child process (so one's heap cannot colour the other's): the
 * stack of bench:trust (local PostgreSQL + Redis through the Upstash bridge, app in-process, the
 * typed client), a depth-8 lineage of 25 versions published, mined and proven, 200 warm-up
 * requests, then `requests` requests one after another with v8.GCProfiler recording every
 * collection. Per scavenge: its pause, the share of the young generation that survived it and
 * the bytes it promoted to the old generation. The two settings alternate for `rounds` rounds.
 * Writes bench/results/ready-gc.json.
 */
// first, as in the Node entries (the child on V8's defaults turns it back off below)
import '@strata/functions/platform/v8-tuning';
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { GCProfiler, setFlagsFromString } from 'node:v8';

type Setting = 'entries' | 'v8-defaults';
interface ChildResult {
  readonly setting: Setting;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly scavenges: number;
  readonly scavengePauseMedianMs: number;
  readonly scavengePauseMaxMs: number;
  readonly youngSurvivalMedianPct: number;
  readonly promotedPerScavengeMedianKB: number;
  readonly markCompacts: number;
  readonly allocatedPerRequestKB: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s[Math.floor(s.length / 2)]!;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const r2 = (n: number) => Math.round(n * 100) / 100;

type SpaceStats = { spaceName: string; spaceUsedSize: number }[];
const used = (spaces: SpaceStats, name: string) => spaces.find((s) => s.spaceName === name)?.spaceUsedSize ?? 0;

async function child(setting: Setting, requests: number): Promise<ChildResult> {
  if (setting === 'v8-defaults') setFlagsFromString('--allocation-site-pretenuring');
  const { serviceDeps } = await import('../test/support/deps');
  const { TestChain, getReady, postHeaders, postProof, publish } = await import('../test/support/trust-world');
  const stack = await serviceDeps({ env: { RATE_LIMIT_PER_MIN: '0', MIN_CONFS: '1' } });
  const chain = new TestChain();
  chain.mine(1);
  await postHeaders(stack, chain.best, 0);
  let level: { versionId: string; txid: string }[] = [];
  const all: { versionId: string; txid: string }[] = [];
  for (let l = 8; l >= 1; l--) {
    const parents = level.map((p) => p.versionId);
    level = await Promise.all([0, 1, 2].map(() => publish(stack, parents)));
    all.push(...level);
  }
  const target = await publish(stack, level.map((p) => p.versionId));
  all.push(target);
  await postHeaders(stack, [...chain.mine(1, all as never), ...chain.mine(2)]);
  for (const p of all) await postProof(stack, p.txid, chain.envelope(p.txid));
  await stack.settle();
  for (let i = 0; i < 200; i++) await getReady(stack, target.versionId);
  const r = await getReady(stack, target.versionId);
  if (r.status !== 200 || r.body.ready !== true) throw new Error(`ready: ${JSON.stringify(r.body)}`);

  const profiler = new GCProfiler();
  const times: number[] = [];
  profiler.start();
  for (let i = 0; i < requests; i++) {
    const t = performance.now();
    const res = await getReady(stack, target.versionId);
    times.push(performance.now() - t);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  }
  const profile = profiler.stop();
  await stack.close();

  const scavenges = profile.statistics.filter((g) => g.gcType === 'Scavenge');
  const survival = scavenges.map((g) => {
    const before = used(g.beforeGC.heapSpaceStatistics as SpaceStats, 'new_space');
    return before === 0 ? 0 : (100 * used(g.afterGC.heapSpaceStatistics as SpaceStats, 'new_space')) / before;
  });
  const promoted = scavenges.map(
    (g) => used(g.afterGC.heapSpaceStatistics as SpaceStats, 'old_space') - used(g.beforeGC.heapSpaceStatistics as SpaceStats, 'old_space'),
  );
  // young-generation bytes allocated ≈ what each scavenge found in new space, plus what is left at the end
  const youngAllocated = scavenges.reduce((s, g) => s + used(g.beforeGC.heapSpaceStatistics as SpaceStats, 'new_space'), 0);
  return {
    setting,
    requests,
    p50Ms: r2(pct(times, 50)),
    p99Ms: r2(pct(times, 99)),
    scavenges: scavenges.length,
    scavengePauseMedianMs: r2(median(scavenges.map((g) => g.cost / 1000))),
    scavengePauseMaxMs: r2(Math.max(0, ...scavenges.map((g) => g.cost / 1000))),
    youngSurvivalMedianPct: r2(median(survival)),
    promotedPerScavengeMedianKB: Math.round(median(promoted) / 1024),
    markCompacts: profile.statistics.filter((g) => g.gcType === 'MarkSweepCompact').length,
    allocatedPerRequestKB: Math.round(youngAllocated / requests / 1024),
  };
}

const args = process.argv.slice(2);
if (args[0] === '--child') {
  const result = await child(args[1] as Setting, Number(args[2]));
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

const requests = Number(args[0] ?? 3000);
const rounds = Number(args[1] ?? 2);
const started = Date.now();
const results: ChildResult[] = [];
const self = fileURLToPath(import.meta.url);
for (let round = 0; round < rounds; round++) {
  const order: Setting[] = round % 2 === 0 ? ['entries', 'v8-defaults'] : ['v8-defaults', 'entries'];
  for (const setting of order) {
    const out = spawnSync(process.execPath, ['--import', 'tsx', self, '--child', setting, String(requests)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const line = out.stdout.split('\n').find((l) => l.startsWith('RESULT '));
    if (out.status !== 0 || !line) throw new Error(`child ${setting} failed (exit ${out.status}): ${out.stderr.slice(-2000)}`);
    const result = JSON.parse(line.slice('RESULT '.length)) as ChildResult;
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
