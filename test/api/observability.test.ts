/**
 * /metrics and the access log after real traffic on the embedded stack: requests by route
 * template, method and status; latency histograms; cache reads; round trips; lineage ingest
 * counters; the in-process queue's depth and the dead letters it leaves; the outbox backlog and
 * its age; process metrics — and one access-log line per request, holding no token, signature,
 * query value or body.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrivateKey } from '@bsv/sdk';
import { createMemoryQueue, type MemoryQueue } from '@strata/core/adapters/queue/memory';
import { recordDeadLetter } from '@strata/core/jobs/dead-letters';
import { sweepOutbox } from '@strata/core/outbox/outbox';
import { embeddedDeps, ingestAuth, TEST_INGEST_TOKEN, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { identityHeaders } from '../support/identity';
import { parseExposition, type Exposition } from '../support/prom';
import { call, submit } from '../support/catalog-http';
import { link } from '../support/lineage-http';

const lines: string[] = [];
let stack: TestStack;
let queue: MemoryQueue;
// the queue's deliveries run when the test says so, so its depth can be seen before they do
const scheduled: Array<() => Promise<void>> = [];
const runScheduled = async () => {
  while (scheduled.length > 0) await scheduled.shift()!();
};

beforeAll(async () => {
  let deps: TestStack['deps'] | undefined;
  queue = createMemoryQueue({
    schedule: (fn) => void scheduled.push(fn),
    deadLetter: (d, error) => recordDeadLetter(deps!.sql, { id: d.id, job: d.job, attempts: d.attempt, error }),
  });
  stack = await embeddedDeps({ LOG_LEVEL: 'info', RATE_LIMIT_PER_MIN: '0' }, { logSink: (l) => lines.push(l), queue });
  deps = stack.deps;
  queue.setConsumer((batch) => stack.deps.jobs.consume(batch));
}, 60_000);
afterAll(async () => {
  await runScheduled();
  await stack?.close();
});

const settle = async () => {
  await runScheduled();
  await stack.settle();
};
const scrape = async (): Promise<Exposition> => {
  const r = await stack.app.request('/metrics');
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseExposition(await r.text());
};
const requestLines = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');

const SECRET_QUERY = 'sk-query-secret-5c1e7d';
const WRONG_TOKEN = 'wrong-token-but-secret-9f8e7d6c';

describe('metrics and access log after real traffic', () => {
  it('counts requests by route template, method and status; latency, cache, round trips, ingest, queue, dead letters, outbox, process', async () => {
    const p = makePublication({ datasetId: 'ds-metrics' });
    expect((await submit(stack, p)).status).toBe(201);
    await settle();
    const detail = `/listings/${p.versionId}`;
    expect((await call(stack, 'GET', detail)).headers.get('x-cache')).toBe('miss');
    await settle();
    expect((await call(stack, 'GET', detail)).headers.get('x-cache')).toBe('hit');
    expect((await call(stack, 'GET', detail)).headers.get('x-cache')).toBe('hit');
    // 400: a versionId that is not 64 hex (with a secret-looking query value that must not be logged)
    expect((await call(stack, 'GET', `/listings/not-a-version-id?token=${SECRET_QUERY}`)).status).toBe(400);
    // 401: the wrong ingest token
    expect((await call(stack, 'POST', '/api/v1/lineage', { body: link('m-0', [], [['m', 'x']]), headers: { authorization: `Bearer ${WRONG_TOKEN}` } })).status).toBe(401);
    // 401: an identity signature that does not verify
    const key = PrivateKey.fromRandom();
    const signed = identityHeaders(key, 'POST', '/producers/register', '{"name":"other body"}');
    const badSig = await call(stack, 'POST', '/producers/register', { raw: '{"name":"p"}', headers: signed });
    expect(badSig.status).toBe(401);
    // 404 on no route at all
    expect((await call(stack, 'GET', `/no/such/route/${SECRET_QUERY}`)).status).toBe(404);

    // /health reaches every tier, the blob store included
    expect((await call(stack, 'GET', '/health')).status).toBe(200);

    const before = await scrape();
    const ev = link('m-1', [['m', 'in']], [['m', 'out']]);
    expect((await call(stack, 'POST', '/api/v1/lineage', { body: ev, headers: ingestAuth })).status).toBe(201);
    expect((await call(stack, 'POST', '/api/v1/lineage', { body: ev, headers: ingestAuth })).body.duplicate).toBe(true);
    expect((await call(stack, 'POST', '/api/v1/lineage', { body: { eventType: 'COMPLETE' }, headers: ingestAuth })).status).toBe(400);
    await settle();

    // a job its handler refuses (a payload it cannot read) is dead-lettered; until the queue delivers it, it is its depth
    await queue.send([{ type: 'outbox.sweep', payload: { receiptId: 'r-1' } }]);
    const queued = await scrape();
    expect(queued.get('strata_queue_depth', { queue: 'memory', state: 'ready' })).toBe(1);
    expect(queued.get('strata_dead_letters_pending')).toBe(0);
    await settle();

    // an invalidation that was committed but never applied (Kv was down, the process died)
    expect((await scrape()).get('strata_outbox_pending')).toBe(0);
    await stack.deps.sql.query(`INSERT INTO cache_outbox (keys, tags, created_at) VALUES ($1::text[], '{}', now() - interval '120 seconds')`, [['v1:cache:asset:x']]);
    const m = await scrape();

    // requests by route template, never the raw path
    expect(m.types.get('strata_http_requests_total')).toBe('counter');
    expect(m.get('strata_http_requests_total', { route: '/listings/:versionId', method: 'GET', status: '200' })).toBe(3);
    expect(m.get('strata_http_requests_total', { route: '/listings/:versionId', method: 'GET', status: '400' })).toBe(1);
    expect(m.get('strata_http_requests_total', { route: '/api/v1/lineage', method: 'POST', status: '401' })).toBe(1);
    expect(m.get('strata_http_requests_total', { route: '/api/v1/lineage', method: 'POST', status: '201' })).toBe(2);
    expect(m.get('strata_http_requests_total', { route: '/api/v1/lineage', method: 'POST', status: '400' })).toBe(1);
    expect(m.get('strata_http_requests_total', { route: '/producers/register', method: 'POST', status: '401' })).toBe(1);
    expect(m.get('strata_http_requests_total', { route: '/submit', method: 'POST', status: '201' })).toBe(1);
    expect(m.get('strata_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    expect(m.find('strata_http_requests_total').every((s) => !s.labels.route!.includes(p.versionId) && !s.labels.route!.includes(SECRET_QUERY))).toBe(true);
    // the scrapes themselves are requests too, each counted once it has answered: the three before this one
    expect(m.get('strata_http_requests_total', { route: '/metrics', method: 'GET', status: '200' })).toBe(3);

    // latency: one histogram per route and method; cumulative buckets ending in +Inf = count
    expect(m.types.get('strata_http_request_duration_ms')).toBe('histogram');
    const lat = { route: '/listings/:versionId', method: 'GET' };
    expect(m.get('strata_http_request_duration_ms_count', lat)).toBe(4);
    const buckets = m.find('strata_http_request_duration_ms_bucket', lat);
    expect(buckets.at(-1)).toMatchObject({ labels: { le: '+Inf' }, value: 4 });
    buckets.slice(1).forEach((b, i) => expect(b.value).toBeGreaterThanOrEqual(buckets[i]!.value));
    expect(m.get('strata_http_request_duration_ms_sum', lat)).toBeGreaterThan(0);

    // cache reads per namespace and tier: the detail missed once, then hit twice
    expect(m.sum('strata_cache_read_ms_count', { ns: 'assets', outcome: 'miss' })).toBe(1);
    expect(m.sum('strata_cache_read_ms_count', { ns: 'assets', outcome: 'hit' })).toBe(2);
    expect(m.find('strata_cache_read_ms_count', { ns: 'assets', outcome: 'miss' })[0]?.labels.tier).toBe('origin');

    // storage round trips
    expect(m.sum('strata_storage_round_trips_total', { tier: 'sql' })).toBeGreaterThan(0);
    expect(m.sum('strata_storage_round_trips_total', { tier: 'kv' })).toBeGreaterThan(0);
    expect(m.get('strata_storage_round_trips_total', { tier: 'blob', op: 'ping' })).toBe(1);

    // lineage ingest: three events received since `before` — one stored, one duplicate, one refused
    const delta = (outcome: string) => m.get('strata_lineage_events_total', { outcome })! - (before.get('strata_lineage_events_total', { outcome }) ?? 0);
    expect(['received', 'stored', 'duplicate', 'refused', 'queued'].map(delta)).toEqual([3, 1, 1, 1, 0]);
    // the publish's own COMPLETE event went through the same ingest before that
    expect(before.get('strata_lineage_events_total', { outcome: 'stored' })).toBe(1);

    // queue drained; the unhandled job is a dead letter
    expect(m.get('strata_queue_depth', { queue: 'memory', state: 'ready' })).toBe(0);
    expect(m.get('strata_dead_letters_pending')).toBe(1);

    // the outbox backlog: one unapplied row, two minutes old
    expect(m.get('strata_outbox_pending')).toBe(1);
    expect(m.get('strata_outbox_oldest_pending_age_seconds')).toBeGreaterThanOrEqual(120);
    expect(m.get('strata_outbox_oldest_pending_age_seconds')).toBeLessThan(3600);
    expect(m.get('strata_metrics_collector_up', { collector: 'backlog' })).toBe(1);

    // the process
    expect(m.get('process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(m.get('nodejs_heap_used_bytes')).toBeGreaterThan(0);

    // the sweeper applies it: the backlog is gone
    await sweepOutbox({ sql: stack.deps.sql, cache: stack.deps.cache });
    const swept = await scrape();
    expect([swept.get('strata_outbox_pending'), swept.get('strata_outbox_oldest_pending_age_seconds')]).toEqual([0, 0]);
  });

  it('writes one access-log line per request, with route template, status, duration and request id, and no secret', async () => {
    lines.length = 0;
    const signedBody = '{"name":"p"}';
    const signed = identityHeaders(PrivateKey.fromRandom(), 'POST', '/producers/register', '{"other":1}');
    const sent = [
      await call(stack, 'GET', `/listings?q=${SECRET_QUERY}`, { headers: { 'x-request-id': 'req-list-1' } }),
      await call(stack, 'GET', '/listings/zz'),
      await call(stack, 'POST', '/api/v1/lineage', { body: link('m-2', [], [['m', 'y']]), headers: { authorization: `Bearer ${WRONG_TOKEN}` } }),
      await call(stack, 'POST', '/api/v1/lineage', { body: link('m-3', [], [['m', SECRET_QUERY]]), headers: ingestAuth }),
      await call(stack, 'POST', '/producers/register', { raw: signedBody, headers: signed }),
      await call(stack, 'GET', '/health'),
    ];
    expect(sent.map((r) => r.status)).toEqual([200, 400, 401, 201, 401, 200]);
    await settle();
    const logged = requestLines();
    expect(logged).toHaveLength(sent.length);
    expect(logged.map((l) => [l.method, l.route, l.status])).toEqual([
      ['GET', '/listings', 200],
      ['GET', '/listings/:versionId', 400],
      ['POST', '/api/v1/lineage', 401],
      ['POST', '/api/v1/lineage', 201],
      ['POST', '/producers/register', 401],
      ['GET', '/health', 200],
    ]);
    expect(logged[0]!.requestId).toBe('req-list-1');
    logged.forEach((l, i) => {
      expect(l.requestId).toBe(sent[i]!.headers.get('x-request-id'));
      expect(typeof l.durationMs).toBe('number');
      expect(Object.keys(l).sort()).toEqual(['durationMs', 'level', 'method', 'msg', 'requestId', 'route', 'status', 'time']);
    });
    const all = lines.join('\n');
    for (const secret of [TEST_INGEST_TOKEN, WRONG_TOKEN, signed['X-Signature']!, signed['X-Nonce']!, signed['X-Identity-Key']!, SECRET_QUERY, signedBody, 'Bearer']) {
      expect(all).not.toContain(secret);
    }
  });

  it('a failing tier leaves out only its own series: the scrape still answers', async () => {
    const other = await embeddedDeps({ LOG_LEVEL: 'silent' });
    try {
      await call(other, 'GET', '/health');
      await other.deps.sql.close();
      const r = await other.app.request('/metrics');
      expect(r.status).toBe(200);
      const m = parseExposition(await r.text());
      expect(m.get('strata_metrics_collector_up', { collector: 'backlog' })).toBe(0);
      expect(m.get('strata_outbox_pending')).toBeUndefined();
      expect(m.get('strata_metrics_collector_up', { collector: 'process' })).toBe(1);
      expect(m.get('strata_http_requests_total', { route: '/health', method: 'GET', status: '200' })).toBe(1);
    } finally {
      await other.close().catch(() => undefined);
    }
  });
});
