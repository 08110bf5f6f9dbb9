/**
 * `strata demo`'s marketplace (packages/client/src/demo/marketplace.ts) against the embedded
 * default, asserting its effects through the API: producers, versions with parents across
 * datasets and producers, uploaded content, prices, policies, Marquez's lineage, proofs on the
 * dev chain; a second run changes nothing but the chain's height; a server without the dev chain
 * is refused before anything is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoRefused, DEMO_VERSIONS, demoPlan, runDemo } from '@strata/client/demo/marketplace';
import { embeddedDeps, type TestStack } from '../support/deps';
import { APP_BASE, clientOf } from '../support/client';

describe('strata demo (embedded default)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', PUBLIC_BASE_URL: APP_BASE });
  }, 60_000);
  afterAll(async () => stack?.close());

  it('fills the marketplace; every version is listed, proved, priced and its content stored', async () => {
    const steps: string[] = [];
    const r = await runDemo({ client: (k) => clientOf(stack, k ? { signer: k } : {}), onStep: (l) => steps.push(l) });
    expect(r.versions).toHaveLength(DEMO_VERSIONS.length);
    expect(r.versions.every((v) => v.published === 'new')).toBe(true);
    expect(r.chain).toEqual({ height: 3, proved: DEMO_VERSIONS.length });
    const c = clientOf(stack);

    const listings = await c.listings({ limit: '100' } as never);
    expect((listings as { items: unknown[] }).items.length).toBe(DEMO_VERSIONS.length);
    const byKey = Object.fromEntries(r.versions.map((v) => [v.key, v]));
    // parents inside a dataset, across datasets and across producers
    const features = byKey['delay-features']!;
    expect(features.parents).toEqual([byKey['weather-v2']!.versionId, byKey['orders-clean']!.versionId]);
    const bundle = await c.bundle(features.versionId);
    expect(new Set(bundle.proofs.map((p) => p.versionId))).toEqual(new Set([features, byKey['weather-v2']!, byKey['weather-v1']!, byKey['orders-clean']!, byKey['orders-raw']!].map((v) => v.versionId)));
    expect(bundle.proofs.every((p) => p.envelope.confirmations === 3)).toBe(true);
    const ready = await c.ready(byKey['popular-dishes']!.versionId);
    expect(ready.ready).toBe(true);

    for (const v of r.versions) {
      expect((await c.price(v.versionId)).satoshis).toBe(v.satoshis);
      const up = await stack.deps.sql.query(`SELECT status FROM content_uploads WHERE version_id = $1`, [v.versionId]);
      expect(up.map((u) => u.status)).toEqual(['verified']);
    }
    for (const p of r.producers) expect((await c.producer(p.producerId)).identityKey).toBe(p.identityKey);
    expect(new Set(r.producers.map((p) => p.producerId)).size).toBe(3);
    const policies = await c.policies({});
    expect(policies.items.map((p) => p.name).filter((n) => n.startsWith('demo:')).sort()).toEqual(['demo: food analytics', 'demo: public data, confirmed']);
    const foodPolicy = r.policies.find((p) => p.name === 'demo: food analytics')!.policyId;
    expect((await c.ready(byKey['popular-dishes']!.versionId, { policyId: foodPolicy })).ready).toBe(true);
    expect((await c.ready(byKey['recipes-v2']!.versionId, { policyId: foodPolicy })).ready).toBe(false);

    const graph = (await c.lineage({ node: 'dataset:food_delivery:public.delivery_7_days', direction: 'up', depth: '5' } as never)) as { nodes: Array<{ namespace: string; name: string }> };
    // the seed's upstream of delivery_7_days: orders, customers, drivers, restaurants, menus … (Marquez's demo graph)
    expect(graph.nodes.length).toBeGreaterThanOrEqual(5);
    expect(graph.nodes.map((n) => `${n.namespace}:${n.name}`)).toEqual(expect.arrayContaining(['food_delivery:public.delivery_7_days', 'food_delivery:public.orders']));
    expect(r.lineage.events).toBe(26);
    expect(steps.length).toBeGreaterThan(DEMO_VERSIONS.length);
  });

  it('is idempotent: a second run adds only blocks', async () => {
    const before = await stack.deps.sql.query(`SELECT (SELECT count(*) FROM manifests) AS m, (SELECT count(*) FROM policies) AS p, (SELECT count(*) FROM content_uploads) AS u`);
    const again = await runDemo({ client: (k) => clientOf(stack, k ? { signer: k } : {}), blocks: 1 });
    expect(again.versions.every((v) => v.published === 'existing')).toBe(true);
    expect(again.policies.every((p) => !p.created)).toBe(true);
    expect(again.chain).toEqual({ height: 4, proved: 0 });
    const after = await stack.deps.sql.query(`SELECT (SELECT count(*) FROM manifests) AS m, (SELECT count(*) FROM policies) AS p, (SELECT count(*) FROM content_uploads) AS u`);
    expect(after).toEqual(before);
    expect(demoPlan().map((v) => v.versionId)).toEqual(again.versions.map((v) => v.versionId));
  });
});

describe('strata demo on a server without the dev chain', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps({ DEV_CHAIN: 'false' });
  });
  afterAll(async () => stack?.close());

  it('refuses before writing anything', async () => {
    await expect(runDemo({ client: (k) => clientOf(stack, k ? { signer: k } : {}) })).rejects.toThrow(DemoRefused);
    const rows = await stack.deps.sql.query(`SELECT (SELECT count(*) FROM manifests) AS m, (SELECT count(*) FROM producers) AS p`);
    expect([Number(rows[0]!.m), Number(rows[0]!.p)]).toEqual([0, 0]);
  });
});
