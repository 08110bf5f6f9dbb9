/**
 * `npm run bench:trust [iterations] [seconds] [--v8-defaults]`: /bundle hit and miss and /ready latency
 * (p50/p99) for lineages of depth 1, 4 and 8 with 3 parents per node, on local PostgreSQL + Redis
 * through the Upstash bridge (the real client libraries), in one run. Requests go through the
 * whole Hono app in-process. /ready is also measured against its baseline in the same run: the
 * readiness verb as it was before ADR 0052 (every envelope re-verified, three queries;
 * bench/ready-baseline.ts) next to today's verb, one client (p50/p99, samples taken in turn) and
 * 16 concurrent clients for `seconds` per path (req/s, in four alternating rounds). Writes bench/results/trust.json. Targets: bundle hit p99 < 5 ms;
 * /ready at depth 8 p99 < 5 ms from one client and >= 5x the baseline's throughput at 16.
 *
 * The process runs with the V8 settings of Strata's Node entries (functions/src/platform/v8-tuning.ts,
 * ADR 0063), imported first as they do.
 *
 * Lineage shape: level 0 is the target; levels 1..d hold 3 versions each, and every version
 * has all 3 versions of the next level as parents (3 parents per node, 1 + 3d nodes).
 */
// first, as in the Node entries: the V8 settings the app runs with (ADR 0063)
import '@strata/functions/platform/v8-tuning';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { cacheKeys } from '@strata/core/cache/index';
import { serviceDeps, type TestStack } from '../test/support/deps';
import type { Publication } from '../test/support/dlm1';
import { TestChain, getBundle, getReady, postHeaders, postProof, publish } from '../test/support/trust-world';
import { computeReadiness } from '@strata/core/bundle/ready';
import { baselineReadiness } from './ready-baseline';
import { V8_FLAGS } from '@strata/functions/platform/v8-tuning';
import { setFlagsFromString } from 'node:v8';

// `--v8-defaults`: the same run on V8's defaults, for comparison (ADR 0063)
const v8Defaults = process.argv.includes('--v8-defaults');
if (v8Defaults) setFlagsFromString('--allocation-site-pretenuring');

const numeric = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const iterations = Number(numeric[0] ?? 300);
/** /ready's one-client samples: a p99 of 300 samples is its third-worst request, so /ready takes 2,000. */
const readySamples = Math.max(iterations, Number(process.env.BENCH_READY_SAMPLES ?? 2000));
const seconds = Number(numeric[1] ?? 2);
const DEPTHS = [1, 4, 8];
const CONNECTIONS = 16;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const round = (n: number) => Math.round(n * 1000) / 1000;
const summary = (xs: number[]) => ({ p50Ms: round(pct(xs, 50)), p99Ms: round(pct(xs, 99)) });

async function time(n: number, before: () => Promise<void>, run: () => Promise<{ status: number }>, expectStatus = 200): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    await before();
    const t = performance.now();
    const r = await run();
    out.push(performance.now() - t);
    if (r.status !== expectStatus) throw new Error(`unexpected status ${r.status}`);
  }
  return out;
}

/** Latencies of several paths sampled in turn (a, b, a, b, ...), so load from outside hits them alike. */
async function timeInTurn(n: number, runs: ReadonlyArray<() => Promise<unknown>>): Promise<number[][]> {
  const out = runs.map(() => [] as number[]);
  for (let i = 0; i < n; i++) {
    for (const [k, run] of runs.entries()) {
      const t = performance.now();
      await run();
      out[k]!.push(performance.now() - t);
    }
  }
  return out;
}

/**
 * Requests per second with `conns` clients each running a path back to back, for each path in
 * turn, ROUNDS times over (seconds / ROUNDS each), so a burst of outside load cannot land on one.
 */
const ROUNDS = 4;
async function throughputInTurn(conns: number, runs: ReadonlyArray<() => Promise<unknown>>): Promise<number[]> {
  const done = runs.map(() => 0);
  const spent = runs.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [k, run] of runs.entries()) {
      const t0 = performance.now();
      const until = t0 + (seconds * 1000) / ROUNDS;
      await Promise.all(
        Array.from({ length: conns }, async () => {
          while (performance.now() < until) {
            await run();
            done[k]!++;
          }
        }),
      );
      spent[k]! += performance.now() - t0;
    }
  }
  return done.map((d, k) => Math.round(d / (spent[k]! / 1000)));
}

/** Publishes a layered lineage of `depth` levels, mines it and posts every proof; returns the target. */
async function buildLineage(stack: TestStack, chain: TestChain, depth: number): Promise<Publication> {
  let level: Publication[] = [];
  const all: Publication[] = [];
  for (let l = depth; l >= 1; l--) {
    const parents = level.map((p) => p.versionId);
    level = await Promise.all([0, 1, 2].map(() => publish(stack, parents)));
    all.push(...level);
  }
  const target = await publish(stack, level.map((p) => p.versionId));
  all.push(target);
  const mined = chain.mine(1, all);
  const confirmations = chain.mine(2);
  const r = await postHeaders(stack, [...mined, ...confirmations]);
  if (r.status !== 200) throw new Error(`headers: ${JSON.stringify(r.body)}`);
  for (const p of all) {
    const pr = await postProof(stack, p.txid, chain.envelope(p.txid));
    if (pr.status !== 200) throw new Error(`proof: ${JSON.stringify(pr.body)}`);
  }
  return target;
}

const started = Date.now();
const stack = await serviceDeps({ env: { RATE_LIMIT_PER_MIN: '0', MIN_CONFS: '1' } });
const chain = new TestChain();
chain.mine(1);
await postHeaders(stack, chain.best, 0);
const noop = async () => undefined;
const rows = [];
for (const depth of DEPTHS) {
  const target = await buildLineage(stack, chain, depth);
  const key = cacheKeys.bundle(target.versionId, depth);
  const warm = await getBundle(stack, target.versionId, depth);
  if (warm.status !== 200 || warm.body.graph.nodes.length !== 1 + 3 * depth) throw new Error(`bundle: ${JSON.stringify(warm.body).slice(0, 300)}`);
  await stack.settle();
  const miss = await time(iterations, async () => {
    await stack.settle();
    await stack.deps.cache.invalidate({ keys: [key] });
  }, () => getBundle(stack, target.versionId, depth));
  await stack.settle();
  await getBundle(stack, target.versionId, depth);
  await stack.settle();
  const hit = await time(iterations, noop, () => getBundle(stack, target.versionId, depth));
  // every request from Redis: this isolate's memory tier dropped first (tip and bundle both come from L2)
  const l2hit = await time(iterations, async () => stack.deps.cache.clearL1(), () => getBundle(stack, target.versionId, depth));
  const ready = await time(readySamples, noop, () => getReady(stack, target.versionId));
  const r = await getReady(stack, target.versionId);
  if (r.body.ready !== true) throw new Error(`ready: ${JSON.stringify(r.body)}`);
  // the same decision from both paths, or the comparison means nothing
  const now = await computeReadiness(stack.deps, target.versionId);
  const was = await baselineReadiness(stack.deps, target.versionId);
  if (JSON.stringify(now) !== JSON.stringify(was)) throw new Error(`baseline disagrees: ${JSON.stringify(was).slice(0, 300)}`);
  const paths = [() => computeReadiness(stack.deps, target.versionId), () => baselineReadiness(stack.deps, target.versionId)];
  const [verb, baseline] = (await timeInTurn(readySamples, paths)) as [number[], number[]];
  const [verbRps, baselineRps, readyRps] = (await throughputInTurn(CONNECTIONS, [...paths, () => getReady(stack, target.versionId)])) as [number, number, number];
  rows.push({
    depth, nodes: 1 + 3 * depth, edges: 3 + 9 * (depth - 1), bundleHit: summary(hit), bundleL2Hit: summary(l2hit), bundleMiss: summary(miss), ready: summary(ready),
    readyVerb: summary(verb), readyBaselineVerb: summary(baseline),
    rps16: { ready: readyRps, readyVerb: verbRps, readyBaselineVerb: baselineRps, verbVsBaseline: round(verbRps / baselineRps) },
  });
}
console.table(rows.map((r) => ({ depth: r.depth, nodes: r.nodes, 'hit p50/p99': `${r.bundleHit.p50Ms}/${r.bundleHit.p99Ms}`, 'L2 hit p50/p99': `${r.bundleL2Hit.p50Ms}/${r.bundleL2Hit.p99Ms}`, 'miss p50/p99': `${r.bundleMiss.p50Ms}/${r.bundleMiss.p99Ms}`, 'ready p50/p99': `${r.ready.p50Ms}/${r.ready.p99Ms}` })));
console.table(rows.map((r) => ({ depth: r.depth, '/ready p50/p99': `${r.ready.p50Ms}/${r.ready.p99Ms}`, 'verb p50/p99': `${r.readyVerb.p50Ms}/${r.readyVerb.p99Ms}`, 'baseline p50/p99': `${r.readyBaselineVerb.p50Ms}/${r.readyBaselineVerb.p99Ms}`, [`/ready rps@${CONNECTIONS}`]: r.rps16.ready, [`verb rps@${CONNECTIONS}`]: r.rps16.readyVerb, [`baseline rps@${CONNECTIONS}`]: r.rps16.readyBaselineVerb, 'verb/baseline': r.rps16.verbVsBaseline })));
const d8 = rows.find((r) => r.depth === 8)!;
const result = {
  iterations,
  readySamples,
  throughputSeconds: seconds,
  connections: CONNECTIONS,
  stack: 'local PostgreSQL (node-postgres) + Redis via the Upstash REST bridge, app in-process',
  node: process.version,
  v8Flags: v8Defaults ? 'V8 defaults (--v8-defaults)' : V8_FLAGS,
  loadAverage1m: round(loadavg()[0]!),
  seconds: Math.round((Date.now() - started) / 1000),
  bundleHitP99Ms: d8.bundleHit.p99Ms,
  bundleL2HitP99Ms: d8.bundleL2Hit.p99Ms,
  bundleMissP99Ms: d8.bundleMiss.p99Ms,
  readyDepth8P99Ms: d8.ready.p99Ms,
  readyBaselineDepth8P99Ms: d8.readyBaselineVerb.p99Ms,
  readyDepth8Rps16: d8.rps16,
  targets: {
    bundleHitP99Under5Ms: d8.bundleHit.p99Ms < 5,
    readyDepth8P99Under5Ms: d8.ready.p99Ms < 5,
    readyDepth8Rps16AtLeast5xBaseline: d8.rps16.verbVsBaseline >= 5,
  },
  rows,
};
await stack.close();
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
const out = v8Defaults ? 'trust-v8-defaults.json' : 'trust.json';
await writeFile(new URL(`./results/${out}`, import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(`wrote bench/results/${out}`);
process.exit(0);
