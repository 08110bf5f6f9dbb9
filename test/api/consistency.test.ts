/**
 * The inconsistencies a first look found, each fixed everywhere it showed: lineage health counts
 * that read 0 before ANALYZE; `pol_default` deciding previews while /ready, /policies/evaluate
 * and GET /policies did not know it; a listing detail without its txid, declaration status and
 * parents (and a proof arriving must show through the detail's cache); the lineage search shape
 * the seed's clients read; a root page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_DEFAULT_POLICY } from '@strata/core/policy/preview';
import { adminAuth, embeddedDeps, ingestAuth, type TestStack } from '../support/deps';
import { call } from '../support/catalog-http';
import { link } from '../support/lineage-http';
import { getReady, postHeaders, postProof, publish, TestChain } from '../support/trust-world';

let stack: TestStack;
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', MIN_CONFS: '1' });
}, 60_000);
afterAll(async () => stack?.close());

describe('root page', () => {
  it('GET / points at /docs, /openapi.json and /health (JSON, or HTML for a browser)', async () => {
    const r = await call(stack, 'GET', '/');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ name: 'Strata', links: { docs: '/docs', openapi: '/openapi.json', health: '/health', metrics: '/metrics' } });
    const html = await stack.app.request('/', { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await html.text();
    for (const href of ['/docs', '/openapi.json', '/health']) expect(text).toContain(`href="${href}"`);
    const doc = await call(stack, 'GET', '/openapi.json');
    expect(doc.body.paths['/']).toBeDefined();
  });
});

describe('lineage health and search', () => {
  it('health counts the datasets exactly before any ANALYZE (10 datasets are 10, not 0)', async () => {
    const ins = Array.from({ length: 5 }, (_, i): [string, string] => ['health', `in-${i}`]);
    const outs = Array.from({ length: 5 }, (_, i): [string, string] => ['health', `out-${i}`]);
    expect((await call(stack, 'POST', '/api/v1/lineage', { body: link('health-1', ins, outs), headers: ingestAuth })).status).toBe(201);
    const edges = (await stack.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM ol_edges'))[0]!.n;
    expect(edges).toBeGreaterThan(0);
    const h = await call(stack, 'GET', '/openlineage/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', datasets: { count: 10, exact: true }, edges: { count: edges, exact: true } });
  });

  it('search answers the seed shape {query, results, count} (and the limit applied)', async () => {
    const r = await call(stack, 'GET', '/openlineage/search?q=out-&limit=3');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ query: 'out-', count: 3, limit: 3 });
    expect(r.body.results).toHaveLength(3);
    expect(r.body.results.every((x: { name: string }) => x.name.startsWith('out-'))).toBe(true);
    const none = await call(stack, 'GET', '/openlineage/search?q=nothing-like-this');
    expect(none.body).toMatchObject({ query: 'nothing-like-this', results: [], count: 0 });
  });
});

describe('listing detail: txid, declaration status and parents, through the cache', () => {
  it('a pending declaration becomes confirmed in the cached detail as soon as its proof is stored', async () => {
    const a = await publish(stack);
    const b = await publish(stack);
    const child = await publish(stack, [b.versionId, a.versionId]);
    const url = `/listings/${child.versionId}`;
    const first = await call(stack, 'GET', url);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      versionId: child.versionId,
      txid: child.txid,
      declaration: { status: 'pending', opretVout: child.vout, blockHash: null, height: null },
      parents: [a.versionId, b.versionId].sort(),
    });
    await stack.settle();
    expect((await call(stack, 'GET', url)).headers.get('x-cache')).toBe('hit');

    const chain = new TestChain();
    chain.mine(1);
    chain.mine(1, [child]);
    expect((await postHeaders(stack, chain.best, 0)).status).toBe(200);
    expect((await postProof(stack, child.txid, chain.envelope(child.txid))).status).toBe(200);
    const after = await call(stack, 'GET', url);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.body.declaration).toEqual({ status: 'confirmed', opretVout: child.vout, blockHash: chain.best[1]!.hash, height: 1 });
    expect(after.body.txid).toBe(child.txid);
  });
});

describe('pol_default is one real policy everywhere', () => {
  it('is listed and readable, evaluates, decides /ready and the default preview — and a change to it shows in all of them', async () => {
    const v = await publish(stack, [], { policy: { license: 'Apache-2.0', classification: 'public' } });
    const list = await call(stack, 'GET', '/policies?limit=200');
    expect(list.body.items.map((p: { policyId: string }) => p.policyId)).toContain('pol_default');
    const stored = await call(stack, 'GET', '/policies/pol_default');
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ policyId: 'pol_default', enabled: true, policy: BUILTIN_DEFAULT_POLICY });

    const evaluated = await call(stack, 'POST', '/policies/evaluate', { body: { versionId: v.versionId, policyId: 'pol_default' } });
    expect(evaluated.status, JSON.stringify(evaluated.body)).toBe(200);
    expect(evaluated.body.reasons).not.toContain('POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED');
    const ready = await getReady(stack, v.versionId, 'pol_default');
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    expect(ready.body.policy).toMatchObject({ reasons: expect.not.arrayContaining(['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED']) });

    const preview = async (extra = '') =>
      (await call(stack, 'GET', `/listings?limit=200&policyPreview=true${extra}`)).body.items.find((i: { versionId: string }) => i.versionId === v.versionId)?.policyPreview;
    expect(await preview()).toEqual({ decision: 'allow', reasons: [], warnings: [] });
    expect(await preview('&policyId=pol_default')).toEqual(await preview());

    // the operator narrows the default: every path follows
    expect((await call(stack, 'PATCH', '/policies/pol_default', { headers: adminAuth, body: { policy: { licenseAllowList: ['MIT'] } } })).status).toBe(200);
    expect(await preview()).toEqual({ decision: 'block', reasons: ['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED'], warnings: [] });
    expect((await call(stack, 'POST', '/policies/evaluate', { body: { versionId: v.versionId, policyId: 'pol_default' } })).body.decision).toBe('block');
    expect((await getReady(stack, v.versionId, 'pol_default')).body).toMatchObject({ ready: false, policy: { decision: 'block', reasons: ['POLICY.COMPLIANCE.LICENSE_NOT_ALLOWED'] } });

    // disabled: no default anywhere — /ready and evaluate say policy-not-found, previews are left out
    expect((await call(stack, 'PATCH', '/policies/pol_default', { headers: adminAuth, body: { enabled: false } })).status).toBe(200);
    expect(await preview()).toBeNull();
    expect((await getReady(stack, v.versionId, 'pol_default')).body.error).toBe('policy-not-found');
    expect((await call(stack, 'POST', '/policies/evaluate', { body: { versionId: v.versionId, policyId: 'pol_default' } })).status).toBe(404);
    expect((await call(stack, 'PATCH', '/policies/pol_default', { headers: adminAuth, body: { enabled: true, policy: BUILTIN_DEFAULT_POLICY } })).status).toBe(200);
    expect(await preview()).toEqual({ decision: 'allow', reasons: [], warnings: [] });
  });
});
