/**
 * Catalog → lineage: publishing through POST /submit emits the seed's COMPLETE event (namespace
 * `overlay:<stage>`, runId = txid, inputs = parents); the admin hooks re-emit (idempotent) and
 * recall (RETRACTED); reconcile emits what a lost hook never did.
 */
import { expect, it } from 'vitest';
import { adminAuth } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { submit } from '../support/catalog-http';
import { call, forEachStack, graph } from '../support/lineage-http';

const ns = 'overlay:local';

await forEachStack('lineage publish hooks', { OL_QUERY_RATE_PER_MIN: '100000' }, (stack) => {
  it('a version with no parents is 1 node, 0 edges; two parents give exactly those edges', async () => {
    const s = stack();
    const p1 = makePublication();
    const p2 = makePublication();
    for (const p of [p1, p2]) expect((await submit(s, p)).status).toBe(201);
    const child = makePublication({ lineage: { parents: [p2.versionId, p1.versionId] } });
    expect((await submit(s, child)).status).toBe(201);
    await s.settle();

    const lone = await graph(s, { node: `dataset:${ns}:${p1.versionId}`, depth: 1, direction: 'up' });
    expect(lone.status).toBe(200);
    expect(lone.body.stats).toEqual({ nodes: 1, edges: 0, truncated: false });

    const g = await graph(s, { node: `dataset:${ns}:${child.versionId}`, depth: 3, direction: 'up' });
    expect(g.body.stats).toEqual({ nodes: 3, edges: 2, truncated: false });
    expect(g.body.edges.map((e: { from: string; to: string }) => [e.from, e.to]).sort()).toEqual(
      [p1.versionId, p2.versionId].sort().map((p) => [`dataset:${ns}:${p}`, `dataset:${ns}:${child.versionId}`]),
    );
    const run = await call(s, 'GET', `/openlineage/runs/${child.txid}`);
    expect(run.body.run).toMatchObject({ namespace: ns, job_name: `publish::${child.versionId}`, state: 'COMPLETE' });
    const down = await graph(s, { node: `dataset:${ns}:${p1.versionId}`, depth: 1, direction: 'down' });
    expect(down.body.stats.edges).toBe(1);
  });

  it('the admin hook re-emits the same event (a duplicate), recall marks the node RETRACTED', async () => {
    const s = stack();
    const p = makePublication();
    await submit(s, p);
    await s.settle();
    expect((await call(s, 'POST', '/openlineage/hook/publish', { body: { versionId: p.versionId } })).status).toBe(401);
    const again = await call(s, 'POST', '/openlineage/hook/publish', { body: { versionId: p.versionId }, headers: adminAuth });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ versionId: p.versionId, status: 'duplicate', duplicate: true });
    const missing = await call(s, 'POST', '/openlineage/hook/publish', { body: { versionId: 'f'.repeat(64) }, headers: adminAuth });
    expect(missing.status).toBe(404);

    const before = await graph(s, { node: `dataset:${ns}:${p.versionId}`, depth: 1 });
    expect(before.body.nodes[0].facets.lifecycleStateChange).toBeUndefined();
    const recall = await call(s, 'POST', '/openlineage/hook/recall', { body: { versionId: p.versionId, reason: 'bad data' }, headers: adminAuth });
    expect(recall.status).toBe(201);
    const after = await graph(s, { node: `dataset:${ns}:${p.versionId}`, depth: 1 });
    expect(after.body.nodes[0].facets.lifecycleStateChange).toMatchObject({ lifecycleState: 'RETRACTED', reason: 'bad data' });
  });
});

await forEachStack('lineage publish hooks switched off, then reconciled', { FEATURE_FLAGS_JSON: '{"lineageHooks":false}' }, (stack) => {
  it('nothing is emitted by the publish itself; reconcile emits every missing event once', async () => {
    const s = stack();
    const parent = makePublication();
    const child = makePublication({ lineage: { parents: [parent.versionId] } });
    await submit(s, parent);
    await submit(s, child);
    await s.settle();
    expect((await graph(s, { node: `dataset:${ns}:${child.versionId}` })).status).toBe(404);
    const r = await call(s, 'POST', '/openlineage/hook/reconcile', { headers: adminAuth });
    expect(r.status).toBe(200);
    expect(r.body.versionIds.sort()).toEqual([parent.versionId, child.versionId].sort());
    const g = await graph(s, { node: `dataset:${ns}:${child.versionId}`, direction: 'up' });
    expect(g.body.stats).toEqual({ nodes: 2, edges: 1, truncated: false });
    const twice = await call(s, 'POST', '/openlineage/hook/reconcile', { headers: adminAuth });
    expect(twice.body.emitted).toBe(0);
  });
});
