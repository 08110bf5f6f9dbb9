/**
 * Storage round trips per request, counted by the ports' own instrumentation
 * (`strata_storage_round_trips_total{tier,op}`, wired by createDeps around every adapter), on
 * real PostgreSQL and Redis through the Upstash bridge.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../support/reachable';
import { tripsOf } from '../support/round-trips';
import { serviceDeps, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { call, submit } from '../support/catalog-http';

await describeWith(['postgres', 'redis'], 'catalog round trips (PostgreSQL + Upstash bridge)', () => {
  let stack: TestStack;
  let limited: TestStack;
  beforeAll(async () => {
    // lineage hooks emit the OpenLineage event in the background; counted separately (lineage suites)
    stack = await serviceDeps({ env: { RATE_LIMIT_PER_MIN: '0', FEATURE_FLAGS_JSON: '{"lineageHooks":false}' } });
    limited = await serviceDeps({ env: { RATE_LIMIT_PER_MIN: '1000' } });
  });
  afterAll(async () => {
    await stack?.close();
    await limited?.close();
  });

  it('publish: one Postgres batch and one Kv round trip on the request path', async () => {
    const p = makePublication({ datasetId: 'ds-rt' });
    let status = 0;
    const trips = await tripsOf(stack, async () => {
      status = (await submit(stack, p)).status;
      await stack.settle();
    });
    expect(status).toBe(201);
    // plus one UPDATE marking the outbox row applied: bookkeeping handed to waitUntil, not awaited
    expect(trips).toEqual({ 'sql.batch': 1, 'kv.exec': 1, 'sql.query': 1 });
    const row = await stack.deps.sql.query('SELECT applied_at FROM cache_outbox ORDER BY id DESC LIMIT 1');
    expect(row[0]!.applied_at).toBeInstanceOf(Date);
  });

  it('detail miss: 2 round trips on the request path (Kv mget + one query); the fill follows off the path', async () => {
    const p = makePublication({ datasetId: 'ds-rt' });
    await submit(stack, p);
    await stack.settle();
    let xcache: string | null = null;
    const onPath = await tripsOf(stack, async () => {
      xcache = (await call(stack, 'GET', `/listings/${p.versionId}`)).headers.get('x-cache');
    });
    expect(xcache).toBe('miss');
    // the fill (kv.set) is started before the response but never awaited by it
    expect({ ...onPath, 'kv.set': undefined }).toEqual({ 'kv.mget': 1, 'sql.query': 1, 'kv.set': undefined });
    await stack.settle();

    const l1 = await tripsOf(stack, () => call(stack, 'GET', `/listings/${p.versionId}`));
    expect(l1).toEqual({});
    stack.deps.cache.clearL1();
    const l2 = await tripsOf(stack, () => call(stack, 'GET', `/listings/${p.versionId}`));
    expect(l2).toEqual({ 'kv.mget': 1 });
  });

  it('listings: a hit costs 0 (L1) or 1 (L2) round trips', async () => {
    await call(stack, 'GET', '/listings?datasetId=ds-rt');
    await stack.settle();
    expect(await tripsOf(stack, () => call(stack, 'GET', '/listings?datasetId=ds-rt'))).toEqual({});
    stack.deps.cache.clearL1();
    expect(await tripsOf(stack, () => call(stack, 'GET', '/listings?datasetId=ds-rt'))).toEqual({ 'kv.mget': 1 });
  });

  it('with rate limiting on, a public read adds exactly one Kv round trip (the limiter exec)', async () => {
    const p = makePublication({ datasetId: 'ds-rt-limited' });
    await submit(limited, p);
    await call(limited, 'GET', `/listings/${p.versionId}`);
    await limited.settle();
    const r = await tripsOf(limited, () => call(limited, 'GET', `/listings/${p.versionId}`));
    expect(r).toEqual({ 'kv.exec': 1 });
  });
});
