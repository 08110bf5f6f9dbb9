/**
 * The trust acceptance scenario (origin.md §4.10 and §8: D03, D04, D11H), written once and run
 * on every stack: a golden two-level lineage, live confirmations on cache hits, the MIN_CONFS
 * threshold, a reorg that removes an ancestor's block, missing parts, 404 then publish,
 * a failing headers source, and a BLOCK advisory.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { scheduleCtx } from '@strata/core/jobs/schedule';
import { refreshHeaders } from '@strata/core/spv/refresh';
import { adminAuth, type TestStack } from './deps';
import type { Publication } from './dlm1';
import { makePublication } from './dlm1';
import { call, confsOf, getBundle, getReady, postHeaders, postProof, publish, TestChain } from './trust-world';

/** MIN_CONFS the stacks run with. */
export const SCENARIO_ENV = { MIN_CONFS: '3', RATE_LIMIT_PER_MIN: '0' };

/** Registers the scenario's tests on a stack built by `open`. */
export function trustScenario(open: () => Promise<TestStack>): void {
  let stack: TestStack;
  let dir: string;
  const chain = new TestChain();
  let G: Publication, P1: Publication, P2: Publication, C: Publication;

  beforeAll(async () => {
    stack = await open();
    dir = await mkdtemp(join(tmpdir(), 'strata-headers-'));
    // G ← P1, P2 ← C: the golden two-level lineage
    G = await publish(stack);
    P1 = await publish(stack, [G.versionId]);
    P2 = await publish(stack, [G.versionId]);
    C = await publish(stack, [P1.versionId, P2.versionId]);
    // h0 checkpoint; h1 holds C, P1, P2; h2 holds the ancestor G; h3 empty → tip 3
    chain.mine(1);
    chain.mine(1, [C, P1, P2]);
    chain.mine(1, [G]);
    chain.mine(1);
    expect((await postHeaders(stack, chain.best, 0)).status).toBe(200);
    for (const p of [G, P1, P2, C]) {
      const r = await postProof(stack, p.txid, chain.envelope(p.txid));
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('serves the golden two-level lineage: miss, then a hit with the same body', async () => {
    const a = await getBundle(stack, C.versionId);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.headers.get('x-cache')).toBe('miss');
    const b = a.body;
    expect(b.bundleType).toBe('datasetLineageBundle');
    expect(b.target).toBe(C.versionId);
    expect(b.graph.nodes.map((n: { versionId: string }) => n.versionId).sort()).toEqual([G, P1, P2, C].map((p) => p.versionId).sort());
    expect(b.graph.nodes.find((n: { versionId: string }) => n.versionId === C.versionId).txo).toBe(`${C.txid}:${C.vout}`);
    const edges = b.graph.edges.map((e: { child: string; parent: string }) => `${e.child}>${e.parent}`).sort();
    expect(edges).toEqual(
      [`${C.versionId}>${P1.versionId}`, `${C.versionId}>${P2.versionId}`, `${P1.versionId}>${G.versionId}`, `${P2.versionId}>${G.versionId}`].sort(),
    );
    expect(b.manifests).toHaveLength(4);
    expect(b.manifests.find((m: { manifestHash: string }) => m.manifestHash === G.versionId).manifest.datasetId).toBe(G.parsed.datasetId);
    expect(confsOf(b)).toEqual({ [C.versionId]: 3, [P1.versionId]: 3, [P2.versionId]: 3, [G.versionId]: 2 });
    expect(b.confirmations).toBe(2);
    expect(b.tip).toEqual({ height: 3, hash: chain.tip.hash });
    expect(b.unstable).toBe(false);
    await stack.settle();
    const again = await getBundle(stack, C.versionId);
    expect(again.headers.get('x-cache')).toBe('hit');
    expect(again.body).toEqual(b);
    // a conditional request with the ETag is answered 304
    const etag = again.headers.get('etag') as string;
    const cond = await call(stack, 'GET', `/bundle?versionId=${C.versionId}`, { headers: { 'if-none-match': etag } });
    expect(cond.status).toBe(304);
  });

  it('below MIN_CONFS the version is not ready, with the minimum over the lineage', async () => {
    const r = await getReady(stack, C.versionId);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.body).toMatchObject({ ready: false, reason: 'insufficient-confs', confirmations: 2, bestHeight: 3 });
  });

  it('a new block raises confirmations while the bundle stays a cache hit, and flips ready', async () => {
    expect((await postHeaders(stack, chain.mine(1))).status).toBe(200);
    const tip = await call(stack, 'GET', '/headers/tip');
    expect(tip.body).toMatchObject({ height: 4, hash: chain.tip.hash, unstable: false });
    const b = await getBundle(stack, C.versionId);
    expect(b.headers.get('x-cache')).toBe('hit');
    expect(confsOf(b.body)).toEqual({ [C.versionId]: 4, [P1.versionId]: 4, [P2.versionId]: 4, [G.versionId]: 3 });
    expect(b.body.tip.height).toBe(4);
    const r = await getReady(stack, C.versionId);
    expect(r.body).toEqual({ ready: true, reason: null, confirmations: 3, bestHeight: 4, warnings: [] });
  });

  it('a missing envelope is 409 incomplete-lineage naming the version; /ready says so too', async () => {
    const X = await publish(stack, [C.versionId]);
    const b = await getBundle(stack, X.versionId);
    expect(b.status).toBe(409);
    expect(b.body).toMatchObject({ error: 'incomplete-lineage', hint: `missing-envelope:${X.versionId}` });
    expect((await getReady(stack, X.versionId)).body).toMatchObject({ ready: false, reason: `missing-envelope:${X.versionId}` });
    // a parent Strata never saw: missing-manifest
    const ghost = makePublication();
    const Y = await publish(stack, [ghost.versionId]);
    const y = await getBundle(stack, Y.versionId);
    expect(y.status).toBe(409);
    expect(y.body).toMatchObject({ error: 'incomplete-lineage', hint: `missing-manifest:${ghost.versionId}` });
  });

  it('an unknown version is 404 (cached briefly), and found once published', async () => {
    const N = makePublication();
    expect((await getBundle(stack, N.versionId)).status).toBe(404);
    await stack.settle();
    expect((await getBundle(stack, N.versionId)).status).toBe(404);
    expect((await getReady(stack, N.versionId)).body).toMatchObject({ ready: false, reason: 'not-found' });
    await publish(stack, [], N.manifest);
    const after = await getBundle(stack, N.versionId);
    expect(after.status).toBe(409); // found now: only its proof is missing
    expect((await postHeaders(stack, chain.mine(1, [N]))).status).toBe(200);
    expect((await postProof(stack, N.txid, chain.envelope(N.txid))).status).toBe(200);
    const ok = await getBundle(stack, N.versionId);
    expect(ok.status).toBe(200);
    expect(ok.body.proofs[0].envelope.confirmations).toBe(1);
  });

  it('a reorg that removes an ancestor’s block flips ready and rebuilds the bundle', async () => {
    await stack.settle();
    expect((await getBundle(stack, C.versionId)).headers.get('x-cache')).toBe('hit');
    // a heavier branch from h1: h2 (with G) and everything above it leave the best chain; G is re-mined in the branch
    const h1 = chain.best[1]!;
    const branch = chain.mine(chain.tip.height - h1.height + 1, [G], h1);
    const r = await postHeaders(stack, branch);
    expect(r.status).toBe(200);
    expect(r.body.reorg.forkHeight).toBe(1);
    expect(r.body.reorg.versions).toEqual(expect.arrayContaining([G.versionId, P1.versionId, P2.versionId, C.versionId]));
    chain.adopt(branch);
    const ready = await getReady(stack, C.versionId);
    expect(ready.body).toMatchObject({ ready: false, reason: 'unknown-block-hash' });
    const stale = await getBundle(stack, C.versionId);
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ error: 'invalid-envelope', hint: `unknown-block-hash:${G.versionId}` });
    // the ancestor's new proof makes the lineage whole again: a rebuilt bundle with G in the branch block
    const p = await postProof(stack, G.txid, chain.envelope(G.txid, branch[0]!.hash));
    expect(p.status, JSON.stringify(p.body)).toBe(200);
    const rebuilt = await getBundle(stack, C.versionId);
    expect(rebuilt.status).toBe(200);
    expect(rebuilt.headers.get('x-cache')).toBe('miss');
    const gProof = rebuilt.body.proofs.find((x: { versionId: string }) => x.versionId === G.versionId);
    expect(gProof.envelope.block.blockHash).toBe(branch[0]!.hash);
    expect(gProof.envelope.confirmations).toBe(chain.tip.height - branch[0]!.height + 1);
    expect((await getReady(stack, C.versionId)).body).toMatchObject({ ready: true, reason: null });
  });

  it('a failing headers source serves the last tip as unstable until it recovers', async () => {
    const file = join(dir, 'headers.json');
    const next = chain.mine(1);
    const entries = chain.best.map((h) => ({ hash: h.hash, prevHash: h.prevHash, merkleRoot: h.merkleRoot, height: h.height, raw: h.hex }));
    await writeFile(file, JSON.stringify({ bestHeight: chain.tip.height, tipHash: chain.tip.hash, headers: entries }));
    const ok = await refreshHeaders({ deps: stack.deps, ctx: scheduleCtx(stack.deps, 'headers-refresh'), input: { source: file } });
    expect(ok).toMatchObject({ status: 'ok', inserted: 1, tip: { height: next[0]!.height, hash: next[0]!.hash } });
    expect((await call(stack, 'GET', '/headers/tip')).body).toMatchObject({ height: chain.tip.height, unstable: false });

    await rm(file);
    const down = await refreshHeaders({ deps: stack.deps, ctx: scheduleCtx(stack.deps, 'headers-refresh'), input: { source: file } });
    expect(down.status).toBe('failed');
    const tip = await call(stack, 'GET', '/headers/tip');
    expect(tip.status).toBe(200);
    expect(tip.body).toMatchObject({ height: chain.tip.height, hash: chain.tip.hash, unstable: true });
    const b = await getBundle(stack, C.versionId);
    expect(b.status).toBe(200);
    expect(b.body.unstable).toBe(true);

    await writeFile(file, JSON.stringify({ bestHeight: chain.tip.height, tipHash: chain.tip.hash, headers: entries }));
    expect(await refreshHeaders({ deps: stack.deps, ctx: scheduleCtx(stack.deps, 'headers-refresh'), input: { source: file } })).toMatchObject({ status: 'ok', inserted: 0 });
    expect((await call(stack, 'GET', '/headers/tip')).body.unstable).toBe(false);
  });

  it('a BLOCK advisory on an ancestor makes /ready false; WARN only warns', async () => {
    const warn = await call(stack, 'POST', '/advisories', { headers: adminAuth, body: { type: 'WARN', reason: 'schema drift', targets: { versionIds: [C.versionId] } } });
    expect(warn.status).toBe(201);
    const w = await getReady(stack, C.versionId);
    expect(w.body).toMatchObject({ ready: true, warnings: [`advisory-warn:${warn.body.advisoryId}`] });

    const block = await call(stack, 'POST', '/advisories', { headers: adminAuth, body: { type: 'BLOCK', reason: 'recalled upstream', targets: { versionIds: [G.versionId] } } });
    expect(block.status).toBe(201);
    expect(block.body.advisoryId).toMatch(/^adv_[0-9a-f]{16}$/);
    expect((await getReady(stack, C.versionId)).body).toMatchObject({ ready: false, reason: 'advisory-blocked' });
    const list = await call(stack, 'GET', `/advisories?versionId=${G.versionId}`);
    expect(list.body.items.map((a: { advisoryId: string }) => a.advisoryId)).toEqual([block.body.advisoryId]);
    // the bundle is evidence, not a decision: an advisory does not change it
    expect((await getBundle(stack, C.versionId)).status).toBe(200);
    expect((await call(stack, 'POST', '/advisories', { body: { type: 'BLOCK', reason: 'x', targets: { versionIds: [G.versionId] } } })).status).toBe(401);
  });
}
