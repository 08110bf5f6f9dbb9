/**
 * Lineage reads over HTTP on both stacks: the apples chain and the demo seed both ways,
 * duplicates, forward-only run state, node/job/run detail, search, health, the cache (hit after
 * miss, stale at once after an ingest into ANY namespace of the graph), errors and the rate limit.
 */
import { expect, it } from 'vitest';
import { cacheKeys } from '@strata/core/cache/index';
import { namespaceTag } from '@strata/core/lineage/service';
import { fnv64 } from '@strata/core/util/hash';
import { fixture, fixtureFiles, seedEvents } from '../support/lineage-harness';
import { call, edgeNames, forEachStack, graph, ingest, ingestBatch, link, nodeNames } from '../support/lineage-http';

await forEachStack('lineage queries over HTTP', { OL_QUERY_RATE_PER_MIN: '100000' }, (stack) => {
  it('apples: upstream of the pie and downstream of the apples; cyto shape', async () => {
    const s = stack();
    for (const f of await fixtureFiles('marquez-repo/apples/')) expect((await ingest(s, await fixture(f))).status).toBe(201);
    const up = await graph(s, { node: 'dataset:grandmas.kitchen:apple.pie', depth: 10, direction: 'up' });
    expect(up.status).toBe(200);
    expect(nodeNames(up.body)).toEqual(['apple.filling', 'apple.pie', 'apples', 'cinnamon', 'crab.apples', 'red.delicious', 'sugar']);
    expect(edgeNames(up.body)).toEqual([
      'apple.filling>apple.pie', 'apples>apple.filling', 'cinnamon>apple.filling',
      'crab.apples>apples', 'red.delicious>apples', 'sugar>apple.filling',
    ]);
    expect(up.body.stats).toEqual({ nodes: 7, edges: 6, truncated: false });
    expect(up.body.edges.every((e: { rel: string }) => e.rel === 'parent')).toBe(true);
    const down = await graph(s, { namespace: 'grandmas.kitchen', name: 'apples', depth: 10, direction: 'down' });
    expect(nodeNames(down.body)).toEqual(['apple.cider', 'apple.filling', 'apple.pie', 'apple.vinegar', 'apples']);
    const cyto = await graph(s, { node: 'dataset:grandmas.kitchen:apples', depth: 1, direction: 'down', format: 'cyto' });
    expect(cyto.body.root).toBe('dataset:grandmas.kitchen:apples');
    expect(cyto.body.elements.edges.map((e: { data: { target: string } }) => e.data.target).sort()).toEqual([
      'dataset:grandmas.kitchen:apple.cider', 'dataset:grandmas.kitchen:apple.filling',
    ]);
  });

  it('demo seed: the 4-hop chain up, the orders fan-out down, default depth 3 says truncated', async () => {
    const s = stack();
    expect((await ingestBatch(s, await seedEvents())).status).toBe(200);
    const up = await graph(s, { node: 'dataset:food_delivery:public.popular_orders_day_of_week', depth: 10, direction: 'up' });
    expect(up.body.stats).toEqual({ nodes: 12, edges: expect.any(Number), truncated: false });
    const down = await graph(s, { node: 'dataset:food_delivery:public.orders', depth: 10, direction: 'down' });
    expect(nodeNames(down.body)).toEqual([
      'public.delivery_7_days', 'public.discounts', 'public.orders', 'public.orders_7_days',
      'public.popular_orders_day_of_week', 'public.top_delivery_times',
    ]);
    expect(down.body.edges).toHaveLength(5);
    const shallow = await graph(s, { node: 'dataset:food_delivery:public.popular_orders_day_of_week', direction: 'up' });
    expect(shallow.body).toMatchObject({ depth: 3, stats: { truncated: true } });
  });

  it('duplicates make no duplicate runs or edges; a late START never undoes a COMPLETE', async () => {
    const s = stack();
    const complete = link('8d2b5e0c-1111-4c3b-9a4e-000000000001', [['dup', 'src']], [['dup', 'dst']], { eventTime: '2024-02-01T10:05:00Z', job: 'dup-job' });
    const start = { ...complete, eventType: 'START', eventTime: '2024-02-01T10:00:00Z' };
    await ingest(s, complete);
    await ingest(s, complete);
    await ingestBatch(s, [complete, complete]);
    expect((await ingest(s, start)).body.status).toBe('stored');
    const counts = await s.deps.sql.query<{ runs: number; edges: number; events: number }>(
      `SELECT (SELECT count(*) FROM ol_runs WHERE job_namespace = 'jobs' AND job_name = 'dup-job')::int AS runs,
              (SELECT count(*) FROM ol_edges e JOIN ol_datasets d ON d.id = e.src_id WHERE d.namespace = 'dup')::int AS edges,
              (SELECT count(*) FROM ol_events WHERE job_name = 'dup-job')::int AS events`,
    );
    expect(counts[0]).toEqual({ runs: 1, edges: 1, events: 2 });
    const run = await call(s, 'GET', `/openlineage/runs/${complete.run.runId.toUpperCase()}`);
    expect(run.status).toBe(200);
    expect(run.body.run).toMatchObject({ state: 'COMPLETE', start_time: '2024-02-01T10:00:00.000Z', end_time: '2024-02-01T10:05:00.000Z' });
    const g = await graph(s, { node: 'dataset:dup:dst', depth: 3, direction: 'up' });
    expect(g.body.stats).toEqual({ nodes: 2, edges: 1, truncated: false });
  });

  it('cache: miss then hit; an ingest into any namespace of the graph makes it stale at once', async () => {
    const s = stack();
    await ingest(s, link('c1', [['cache-b', 'raw']], [['cache-a', 'report']]));
    const q = { node: 'dataset:cache-a:report', depth: 3, direction: 'up' };
    const first = await graph(s, q);
    expect(first.headers.get('x-cache')).toBe('miss');
    await s.settle();
    const second = await graph(s, q);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body).toEqual(first.body);
    // from L2 (the entry holds the body as JSON text): the same bytes and the same validator
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^W\/"[0-9a-f]+"$/);
    s.deps.cache.clearL1();
    const fromL2 = await graph(s, q);
    expect(fromL2.headers.get('x-cache')).toBe('hit');
    expect(fromL2.headers.get('etag')).toBe(etag);
    expect(fromL2.body).toEqual(first.body);
    const notModified = await s.app.request(`/openlineage/lineage?node=${encodeURIComponent(q.node)}&depth=3&direction=up`, { headers: { 'if-none-match': etag } });
    expect(notModified.status).toBe(304);
    // the validator is the body's own fnv64, whether carried in the entry or computed: an entry
    // written before entries carried it is served as it is, with the same ETag
    const url = `/openlineage/lineage?node=${encodeURIComponent(q.node)}&depth=3&direction=up`;
    const text = await (await s.app.request(url)).text();
    expect(etag).toBe(`W/"${fnv64(text)}"`);
    const olderKey = cacheKeys.lineage(q.node, 3, 'up', 'simple');
    s.deps.cache.clearL1();
    await s.deps.kv.del([olderKey]);
    await s.deps.cache.get('lineage', olderKey, async () => ({ json: text, namespaces: ['cache-a', 'cache-b'] }), { tags: [namespaceTag('cache-a')!, namespaceTag('cache-b')!] });
    await s.settle();
    s.deps.cache.clearL1();
    const older = await s.app.request(url);
    expect(older.headers.get('x-cache')).toBe('hit');
    expect(older.headers.get('etag')).toBe(etag);
    expect(await older.text()).toBe(text);
    // an entry another version wrote in another shape is dropped and replaced, never sent
    s.deps.cache.clearL1();
    await s.deps.kv.del([cacheKeys.lineage(q.node, 3, 'up', 'simple')]);
    await s.deps.cache.get('lineage', cacheKeys.lineage(q.node, 3, 'up', 'simple'), async () => ({ body: { stale: true }, namespaces: ['cache-a', 'cache-b'] }), {
      tags: [namespaceTag('cache-a')!, namespaceTag('cache-b')!],
    });
    await s.settle();
    s.deps.cache.clearL1();
    const aroundOld = await graph(s, q);
    expect(aroundOld.status).toBe(200);
    expect(aroundOld.body).toEqual(first.body);
    await s.settle();
    s.deps.cache.clearL1();
    expect((await graph(s, q)).headers.get('x-cache')).toBe('hit');
    // an event touching only cache-b (not the root's namespace) extends the upstream graph
    await ingest(s, link('c2', [['cache-b', 'source']], [['cache-b', 'raw']]));
    const third = await graph(s, q);
    expect(nodeNames(third.body)).toEqual(['raw', 'report', 'source']);
    // and an unrelated namespace leaves the entry alone
    await s.settle();
    await graph(s, q);
    await s.settle();
    await ingest(s, link('c3', [['elsewhere', 'x']], [['elsewhere', 'y']]));
    expect((await graph(s, q)).headers.get('x-cache')).toBe('hit');
  });

  it('direction=both holds the edge that bypasses the root; an entry cached under the key of the old edge rule is never read', async () => {
    const s = stack();
    // t2 → t1 → xxx and t3 → t1, with t2 → xxx and t3 → xxx bypassing the root t1 (the reported case)
    for (const [i, [a, b]] of ([['t2', 't1'], ['t3', 't1'], ['t1', 'xxx'], ['t2', 'xxx'], ['t3', 'xxx']] as const).entries()) {
      expect((await ingest(s, link(`bp-${i}`, [['bypass', a]], [['bypass', b]]))).status).toBe(201);
    }
    const q = { node: 'dataset:bypass:t1', depth: 3, direction: 'both' };
    // what the previous version cached for this graph: the union of the two walks, without the bypass edges
    const node = (n: string) => `dataset:bypass:${n}`;
    const stale = JSON.stringify({ root: node('t1'), nodes: [], edges: [{ from: node('t2'), to: node('t1') }], stale: true });
    const oldKey = cacheKeys.lineage(q.node, 3, 'both', 'simple');
    await s.deps.cache.get('lineage', oldKey, async () => ({ json: stale, fnv64: fnv64(stale), namespaces: ['bypass'] }), { tags: [namespaceTag('bypass')!] });
    await s.settle();
    s.deps.cache.clearL1();
    const g = await graph(s, q);
    expect(g.status).toBe(200);
    expect(g.body.stale).toBeUndefined();
    expect(nodeNames(g.body)).toEqual(['t1', 't2', 't3', 'xxx']);
    expect(edgeNames(g.body)).toEqual(['t1>xxx', 't2>t1', 't2>xxx', 't3>t1', 't3>xxx']);
    expect(g.body.stats).toEqual({ nodes: 4, edges: 5, truncated: false });
    // cached in the new shape: a hit, from L1 and from L2, has the bypass edges too
    await s.settle();
    const hit = await graph(s, q);
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(hit.body).toEqual(g.body);
    s.deps.cache.clearL1();
    const fromL2 = await graph(s, q);
    expect(fromL2.headers.get('x-cache')).toBe('hit');
    expect(edgeNames(fromL2.body)).toEqual(['t1>xxx', 't2>t1', 't2>xxx', 't3>t1', 't3>xxx']);
    // up and down from the root: all edges among their own nodes, as before
    expect(edgeNames((await graph(s, { ...q, direction: 'up' })).body)).toEqual(['t2>t1', 't3>t1']);
    expect(edgeNames((await graph(s, { ...q, direction: 'down' })).body)).toEqual(['t1>xxx']);
  });

  it('LineageFacet (explicit lineage): dataset and job facets become dataset edges; JOB sources do not; caches follow', async () => {
    const s = stack();
    const facet = (schema: string, body: Record<string, unknown>) => ({ _producer: 'https://example.test/catalog', _schemaURL: `https://openlineage.io/spec/facets/1-0-0/LineageFacet.json#/$defs/${schema}`, ...body });
    const ds = (namespace: string, name: string) => ({ namespace, name, type: 'DATASET' });
    const orders = { node: 'dataset:pg://wh:5432:public.orders', depth: 3, direction: 'down' };
    await ingest(s, { eventTime: '2025-01-01T00:00:00Z', producer: 'https://example.test', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent', dataset: { namespace: 'pg://wh:5432', name: 'public.orders' } });
    expect(nodeNames((await graph(s, orders)).body)).toEqual(['public.orders']);
    await s.settle();
    expect((await graph(s, orders)).headers.get('x-cache')).toBe('hit');

    // a DatasetEvent whose lineage facet names its sources, entity- and field-level, in another namespace
    const r1 = await ingest(s, {
      eventTime: '2025-01-02T00:00:00Z', producer: 'https://example.test', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/DatasetEvent',
      dataset: {
        namespace: 'bq://proj', name: 'mart.customers',
        facets: { lineage: facet('LineageDatasetFacet', { inputs: [ds('pg://wh:5432', 'public.orders')], fields: { id: { inputs: [{ ...ds('pg://wh:5432', 'public.users'), field: 'id' }] } } }) },
      },
    });
    expect(r1.status).toBe(201);
    // the cached graph of public.orders is stale at once: the event only named bq://proj as its dataset
    const down = await graph(s, orders);
    expect(down.headers.get('x-cache')).toBe('miss');
    expect(nodeNames(down.body)).toEqual(['mart.customers', 'public.orders']);
    const up = await graph(s, { node: 'dataset:bq://proj:mart.customers', depth: 3, direction: 'up' });
    expect(edgeNames(up.body)).toEqual(['public.orders>mart.customers', 'public.users>mart.customers']);

    // a JobEvent's lineage entries: DATASET targets get edges from DATASET sources; JOB sources and JOB targets make none
    const r2 = await ingest(s, {
      eventTime: '2025-01-03T00:00:00Z', producer: 'https://example.test', schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/JobEvent',
      job: {
        namespace: 'airflow://prod', name: 'daily.enrichment',
        facets: {
          lineage: facet('LineageJobFacet', {
            entries: [
              { ...ds('bq://proj', 'mart.enriched'), inputs: [ds('bq://proj', 'mart.customers'), { type: 'JOB', namespace: 'airflow://prod', name: 'daily.other' }] },
              { type: 'JOB', inputs: [ds('bq://proj', 'mart.customers')] },
            ],
          }),
        },
      },
    });
    expect(r2.status).toBe(201);
    const chain = await graph(s, { node: 'dataset:bq://proj:mart.enriched', depth: 5, direction: 'up' });
    expect(edgeNames(chain.body)).toEqual(['mart.customers>mart.enriched', 'public.orders>mart.customers', 'public.users>mart.customers']);

    // a malformed lineage facet is rejected by field, nothing stored
    const bad = await ingest(s, {
      eventTime: '2025-01-04T00:00:00Z', producer: 'https://example.test',
      dataset: { namespace: 'bq://proj', name: 'mart.bad', facets: { lineage: facet('LineageDatasetFacet', { inputs: [{ type: 'DATASET', namespace: 'pg://wh:5432' }] }) } },
    });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body.issues)).toContain('dataset.facets.lineage.inputs.0');
    expect((await graph(s, { node: 'dataset:bq://proj:mart.bad' })).status).toBe(404);
  });

  it('errors: invalid node 400, unknown node 404 (until it is ingested), depth beyond the cap 400', async () => {
    const s = stack();
    const bad = await graph(s, { node: 'job:x:y' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toBe('validation-failed');
    expect((await graph(s, { node: 'dataset:x:y', depth: 11 })).status).toBe(400);
    expect((await graph(s, { node: 'dataset:x:y', direction: 'sideways' })).status).toBe(400);
    expect((await graph(s, {})).status).toBe(400);
    const unknown = await graph(s, { node: 'dataset:late:arrival' });
    expect(unknown.status).toBe(404);
    await s.settle();
    await ingest(s, link('late-1', [], [['late', 'arrival']]));
    expect((await graph(s, { node: 'dataset:late:arrival' })).status).toBe(200);
  });

  it('node, job and run detail (namespaces with "/" and ":"), search and health', async () => {
    const s = stack();
    const ev = link('detail-1', [['postgres://db:5432', 'public.orders']], [['s3://bucket', 'out/orders.parquet']], { job: 'etl' });
    await ingest(s, ev);
    const ds = await call(s, 'GET', `/openlineage/nodes/dataset/${encodeURIComponent('s3://bucket')}/${encodeURIComponent('out/orders.parquet')}`);
    expect(ds.status).toBe(200);
    expect(ds.body.dataset).toMatchObject({ namespace: 's3://bucket', name: 'out/orders.parquet' });
    expect((await call(s, 'GET', '/openlineage/nodes/dataset/nope/nope')).status).toBe(404);
    const job = await call(s, 'GET', '/openlineage/jobs/jobs/etl');
    expect(job.body.job).toMatchObject({ name: 'etl', latest_run_id: 'detail-1' });
    expect((await call(s, 'GET', '/openlineage/runs/nope')).status).toBe(404);
    const g = await graph(s, { node: 'dataset:postgres://db:5432:public.orders', depth: 1, direction: 'down' });
    expect(edgeNames(g.body)).toEqual(['public.orders>out/orders.parquet']);
    const found = await call(s, 'GET', '/openlineage/search?q=ORDERS.PARQ&limit=5');
    expect(found.body.results.map((r: { name: string }) => r.name)).toEqual(['out/orders.parquet']);
    expect((await call(s, 'GET', '/openlineage/search?q=')).status).toBe(400);
    const h = await call(s, 'GET', '/openlineage/health');
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', ingestMode: 'sync' });
  });
});

await forEachStack('lineage query rate limit', { OL_QUERY_RATE_PER_MIN: '3' }, (stack) => {
  it('the 4th query in a minute from one client is 429 with Retry-After; another client is unaffected', async () => {
    const s = stack();
    for (let i = 0; i < 3; i++) expect((await graph(s, { node: 'dataset:rl:x' }, '198.51.100.1')).status).toBe(404);
    const over = await graph(s, { node: 'dataset:rl:x' }, '198.51.100.1');
    expect(over.status).toBe(429);
    expect(over.body.error).toBe('rate-limited');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await graph(s, { node: 'dataset:rl:x' }, '198.51.100.2')).status).toBe(404);
  });
});
