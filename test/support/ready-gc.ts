/**
 * What the garbage collector does during one client's depth-8 `GET /ready` loop (ADR 0063), measured
 * in a child process of its own (`runReadyGc`), so that one measurement's heap cannot colour
 * another's: the stack of bench:trust (local PostgreSQL + Redis through the Upstash bridge, the app
 * in-process, the typed client), a depth-8 lineage of 25 versions published, mined and proven, 200
 * warm-up requests, then `requests` requests one after another with v8.GCProfiler recording every
 * collection. `entries` runs with the V8 settings of the Node entries (functions/src/platform/v8-tuning.ts),
 * `v8-defaults` with V8's own. Used by bench/ready-gc.ts and test/api/ready-gc.test.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GCProfiler, setFlagsFromString } from 'node:v8';

export type Setting = 'entries' | 'v8-defaults';
export interface ChildResult {
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

export async function measureReadyGc(setting: Setting, requests: number): Promise<ChildResult> {
  if (setting === 'v8-defaults') setFlagsFromString('--allocation-site-pretenuring');
  const { serviceDeps } = await import('./deps');
  const { TestChain, getReady, postHeaders, postProof, publish } = await import('./trust-world');
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
  const promoted = scavenges.map(
    (g) => used(g.afterGC.heapSpaceStatistics as SpaceStats, 'old_space') - used(g.beforeGC.heapSpaceStatistics as SpaceStats, 'old_space'),
  );
  // what a scavenge kept: left in the young generation plus promoted out of it
  const survival = scavenges.map((g, i) => {
    const before = used(g.beforeGC.heapSpaceStatistics as SpaceStats, 'new_space');
    return before === 0 ? 0 : (100 * (used(g.afterGC.heapSpaceStatistics as SpaceStats, 'new_space') + Math.max(0, promoted[i]!))) / before;
  });
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


/** Runs measureReadyGc in a fresh Node process (test/support/ready-gc-child.ts) and returns its result. */
export function runReadyGc(setting: Setting, requests: number): Promise<ChildResult> {
  const script = fileURLToPath(new URL('./ready-gc-child.ts', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, setting, String(requests)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`ready-gc child (${setting}) exited ${code}: ${err.slice(-2000)}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)) as ChildResult);
    });
  });
}
