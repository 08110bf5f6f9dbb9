/**
 * The seed's cache-aside acceptance tests over HTTP on the embedded default (PGlite + memory
 * Kv): miss → Postgres → L2 → hit; invalidation on publish and re-publish; negative caching
 * cleared by the publish; ETag/304; conflicts and idempotency.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeys } from '@strata/core/cache/index';
import { embeddedDeps, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { call, submit } from '../support/catalog-http';

let stack: TestStack;
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0' });
});
afterAll(async () => stack?.close());

const l2 = async (key: string) => (await stack.deps.kv.mget([key]))[0];

describe('catalog over HTTP (embedded)', () => {
  it('an empty catalog lists nothing', async () => {
    const r = await call(stack, 'GET', '/listings?datasetId=ds-empty');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ items: [], limit: 50, offset: 0 });
  });

  it('asset GET: miss → Postgres → L2 → next GET hits (also from L2 alone)', async () => {
    const p = makePublication({ datasetId: 'ds-accept' });
    expect((await submit(stack, p)).status).toBe(201);
    const first = await call(stack, 'GET', `/listings/${p.versionId}`);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    expect(first.body).toMatchObject({ versionId: p.versionId, manifest: { datasetId: 'ds-accept', license: 'cc-by-4.0' } });
    await stack.settle();
    expect(await l2(cacheKeys.asset(p.versionId))).toContain(p.versionId);
    const second = await call(stack, 'GET', `/listings/${p.versionId}`);
    expect(second.headers.get('x-cache')).toBe('hit');
    expect(second.body).toEqual(first.body);
    stack.deps.cache.clearL1();
    const fromL2 = await call(stack, 'GET', `/listings/${p.versionId.toUpperCase()}`);
    expect(fromL2.headers.get('x-cache')).toBe('hit');
    expect(fromL2.body).toEqual(first.body);
  });

  it('listings: miss → hit; a publish and a re-publish invalidate the page, the next read rebuilds', async () => {
    const a = makePublication({ datasetId: 'ds-pages' });
    await submit(stack, a);
    const url = '/listings?datasetId=ds-pages&limit=10';
    expect((await call(stack, 'GET', url)).headers.get('x-cache')).toBe('miss');
    await stack.settle();
    const hit = await call(stack, 'GET', url);
    expect(hit.headers.get('x-cache')).toBe('hit');
    expect(hit.body.items.map((i: { versionId: string }) => i.versionId)).toEqual([a.versionId]);

    const b = makePublication({ datasetId: 'ds-pages' });
    expect((await submit(stack, b)).status).toBe(201);
    const after = await call(stack, 'GET', url);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.body.items.map((i: { versionId: string }) => i.versionId).sort()).toEqual([a.versionId, b.versionId].sort());

    // a re-publish of the same tx is idempotent and still deletes the asset key
    await call(stack, 'GET', `/listings/${a.versionId}`);
    await stack.settle();
    expect(await l2(cacheKeys.asset(a.versionId))).not.toBeNull();
    const replay = await submit(stack, a);
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ status: 'existing', txid: a.txid, versionId: a.versionId, opretVout: a.vout });
    expect(await l2(cacheKeys.asset(a.versionId))).toBeNull();
    expect((await call(stack, 'GET', `/listings/${a.versionId}`)).headers.get('x-cache')).toBe('miss');
    expect((await call(stack, 'GET', url)).headers.get('x-cache')).toBe('miss');
  });

  it('an unknown id is 404 (cached) and visible immediately after it is published', async () => {
    const p = makePublication({ datasetId: 'ds-late' });
    const miss = await call(stack, 'GET', `/listings/${p.versionId}`);
    expect(miss.status).toBe(404);
    expect(miss.headers.get('content-type')).toBe('application/problem+json');
    expect(miss.body).toMatchObject({ error: 'not-found', hint: 'versionId not found' });
    await stack.settle();
    const cachedMiss = await call(stack, 'GET', `/listings/${p.versionId}`);
    expect(cachedMiss.status).toBe(404);
    expect(cachedMiss.headers.get('x-cache')).toBe('hit');
    expect((await submit(stack, p)).status).toBe(201);
    const found = await call(stack, 'GET', `/listings/${p.versionId}`);
    expect(found.status).toBe(200);
    expect(found.body.versionId).toBe(p.versionId);
  });

  it('sends Cache-Control and a weak ETag; If-None-Match answers 304', async () => {
    const p = makePublication({ datasetId: 'ds-etag' });
    await submit(stack, p);
    const r = await call(stack, 'GET', `/listings/${p.versionId}`);
    const etag = r.headers.get('etag');
    expect(etag).toMatch(/^W\/"[0-9a-f]{17,}"$/);
    expect(r.headers.get('cache-control')).toMatch(/^public, max-age=\d+, stale-while-revalidate=\d+$/);
    const again = await call(stack, 'GET', `/listings/${p.versionId}`, { headers: { 'if-none-match': `"other", ${etag}` } });
    expect(again.status).toBe(304);
    expect(again.headers.get('etag')).toBe(etag);
    expect(again.body).toBeNull();
    const changed = await call(stack, 'GET', `/listings/${p.versionId}`, { headers: { 'if-none-match': 'W/"nope"' } });
    expect(changed.status).toBe(200);
  });

  it('a different transaction for a published version is 409 and stores nothing', async () => {
    const p = makePublication({ datasetId: 'ds-conflict' });
    await submit(stack, p);
    const other = makePublication({ ...p.manifest }, { extraOutputsBefore: 1 });
    expect(other.versionId).toBe(p.versionId);
    const r = await submit(stack, other);
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'conflict', hint: 'version-already-declared' });
    const rows = await stack.deps.sql.query('SELECT txid FROM declarations WHERE version_id = $1', [p.versionId]);
    expect(rows).toEqual([{ txid: p.txid }]);
    const audits = await stack.deps.sql.query("SELECT count(*)::int AS n FROM audit_log WHERE resource = $1", [`version:${p.versionId}`]);
    expect(audits[0]!.n).toBe(1);
  });

  it('pages deterministically (newest first, then versionId) with limit and offset', async () => {
    for (let i = 0; i < 5; i++) await submit(stack, makePublication({ datasetId: 'ds-paging' }));
    const all = await call(stack, 'GET', '/listings?datasetId=ds-paging&limit=200');
    const ids = all.body.items.map((i: { versionId: string }) => i.versionId);
    expect(ids).toHaveLength(5);
    const pages = [];
    for (let off = 0; off < 5; off += 2) pages.push(...(await call(stack, 'GET', `/listings?datasetId=ds-paging&limit=2&offset=${off}`)).body.items);
    expect(pages.map((i: { versionId: string }) => i.versionId)).toEqual(ids);
  });

  it('searches by words, sharing one cache entry for equivalent queries', async () => {
    const p = makePublication({ datasetId: 'ds-search', name: 'Zebra crossings 2024' });
    await submit(stack, p);
    const a = await call(stack, 'GET', '/listings?q=zebra');
    expect(a.body.items.map((i: { versionId: string }) => i.versionId)).toContain(p.versionId);
    await stack.settle();
    const b = await call(stack, 'GET', '/listings?q=ZEBRA!');
    expect(b.headers.get('x-cache')).toBe('hit');
    expect(b.body).toEqual(a.body);
  });

  it('documents every catalog route in /openapi.json', async () => {
    const r = await call(stack, 'GET', '/openapi.json');
    const paths = Object.keys(r.body.paths);
    for (const p of ['/submit', '/declarations/{txid}/proof', '/listings', '/listings/{versionId}', '/producers/register', '/producers/{id}', '/producers', '/agents/register', '/agents/search', '/agents/{id}', '/agents/{id}/ping']) {
      expect(paths).toContain(p);
    }
  });
});
