/**
 * `npm run bench:trust [iterations]`: /bundle hit and miss and /ready latency (p50/p99) for
 * lineages of depth 1, 4 and 8 with 3 parents per node, on local PostgreSQL + Redis through the
 * Upstash bridge (the real client libraries), in one run. Requests go through the whole Hono app
 * in-process. Writes bench/results/trust.json. Targets: bundle hit p99 < 5 ms, /ready p99 < 50 ms
 * at depth 8.
 *
 * Lineage shape: level 0 is the target; levels 1..d hold 3 versions each, and every version
 * has all 3 versions of the next level as parents (3 parents per node, 1 + 3d nodes).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { cacheKeys } from '@strata/core/cache/index';
import { serviceDeps, type TestStack } from '../test/support/deps';
import type { Publication } from '../test/support/dlm1';
import { TestChain, getBundle, getReady, postHeaders, postProof, publish } from '../test/api/trust-world';

const iterations = Number(process.argv[2] ?? 300);
const DEPTHS = [1, 4, 8];

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
  const ready = await time(iterations, noop, () => getReady(stack, target.versionId));
  const r = await getReady(stack, target.versionId);
  if (r.body.ready !== true) throw new Error(`ready: ${JSON.stringify(r.body)}`);
  rows.push({ depth, nodes: 1 + 3 * depth, edges: 3 + 9 * (depth - 1), bundleHit: summary(hit), bundleL2Hit: summary(l2hit), bundleMiss: summary(miss), ready: summary(ready) });
}
console.table(rows.map((r) => ({ depth: r.depth, nodes: r.nodes, 'hit p50/p99': `${r.bundleHit.p50Ms}/${r.bundleHit.p99Ms}`, 'L2 hit p50/p99': `${r.bundleL2Hit.p50Ms}/${r.bundleL2Hit.p99Ms}`, 'miss p50/p99': `${r.bundleMiss.p50Ms}/${r.bundleMiss.p99Ms}`, 'ready p50/p99': `${r.ready.p50Ms}/${r.ready.p99Ms}` })));
const d8 = rows.find((r) => r.depth === 8)!;
const result = {
  iterations,
  stack: 'local PostgreSQL (node-postgres) + Redis via the Upstash REST bridge, app in-process',
  node: process.version,
  loadAverage1m: round(loadavg()[0]!),
  seconds: Math.round((Date.now() - started) / 1000),
  bundleHitP99Ms: d8.bundleHit.p99Ms,
  bundleL2HitP99Ms: d8.bundleL2Hit.p99Ms,
  bundleMissP99Ms: d8.bundleMiss.p99Ms,
  readyDepth8P99Ms: d8.ready.p99Ms,
  targets: { bundleHitP99Under5Ms: d8.bundleHit.p99Ms < 5, readyDepth8P99Under50Ms: d8.ready.p99Ms < 50 },
  rows,
};
await stack.close();
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/trust.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/trust.json');
process.exit(0);
