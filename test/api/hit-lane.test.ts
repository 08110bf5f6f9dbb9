/**
 * The hit lane (functions/src/http/hit-lane.ts) answers a fresh L1 hit of a catalog read exactly
 * as the app does: the same status, body and headers, one request counted under the same route
 * and status, one cache read recorded, one access-log line of the same shape — and it leaves to
 * the app every request it is not sure of (HEAD, Origin, query strings on a detail, bad or
 * unusual queries, policy previews, cached 404s, a rate limit being on).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@strata/core/config/index';
import { createApp } from '@strata/functions/app';
import { hitLane } from '@strata/functions/http/hit-lane';
import { submit } from '../support/catalog-http';
import { embeddedDeps, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';

const lines: string[] = [];
let stack: TestStack;
/** The same Deps without the lane: the app's own answer. */
let full: ReturnType<typeof createApp>;
let lane: NonNullable<ReturnType<typeof hitLane>>;
const ids: string[] = [];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

beforeAll(async () => {
  stack = await embeddedDeps({ LOG_LEVEL: 'info', RATE_LIMIT_PER_MIN: '0' }, { logSink: (l) => lines.push(l) });
  full = createApp({ ...stack.deps, cache: { ...stack.deps.cache, hit: undefined } });
  lane = hitLane(stack.deps)!;
  for (const name of ['alpha weather', 'beta weather', 'gamma tides']) {
    const p = makePublication({ datasetId: 'ds-lane', name });
    expect((await submit(stack, p)).status).toBe(201);
    ids.push(p.versionId);
  }
  await stack.settle();
}, 180_000);
afterAll(async () => {
  await stack?.close();
});

const requestLines = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
const counted = (route: string, status: string) => stack.deps.metrics.counter('strata_http_requests_total', { route, method: 'GET', status });
const l1Hits = (ns: string) => stack.deps.cache.stats().reads[ns]?.l1.hit ?? 0;

interface Seen {
  status: number;
  body: string;
  headers: Record<string, string>;
  line: Record<string, unknown>;
  counted: number;
  hits: number;
}

async function send(app: { request: typeof full.request }, path: string, headers: Record<string, string>, route: string, ns: string): Promise<Seen> {
  const before = { counted: [200, 304].map((s) => counted(route, String(s))), hits: l1Hits(ns), lines: requestLines().length };
  const res = await app.request(path, { headers });
  const body = await res.text();
  const after = requestLines();
  expect(after.length, 'one access-log line').toBe(before.lines + 1);
  const h: Record<string, string> = {};
  res.headers.forEach((v, k) => (h[k] = v));
  const statusIndex = res.status === 304 ? 1 : 0;
  return {
    status: res.status,
    body,
    headers: h,
    line: after[after.length - 1]!,
    counted: counted(route, String(res.status)) - before.counted[statusIndex]!,
    hits: l1Hits(ns) - before.hits,
  };
}

describe('the hit lane', () => {
  it('answers detail and listings hits as the app does: status, body, headers, metrics and log line', async () => {
    const etagOf = async (path: string) => (await full.request(path)).headers.get('etag')!;
    const detail = `/listings/${ids[0]}`;
    const cases: { path: string; headers?: Record<string, string>; route: string; ns: string }[] = [
      { path: detail, route: '/listings/:versionId', ns: 'assets' },
      { path: `/listings/${ids[1]!.toUpperCase()}`, route: '/listings/:versionId', ns: 'assets' },
      { path: detail, headers: { 'x-request-id': 'client-req.42:a_b-c' }, route: '/listings/:versionId', ns: 'assets' },
      { path: detail, headers: { 'x-request-id': 'not a valid id!' }, route: '/listings/:versionId', ns: 'assets' },
      { path: '/listings?datasetId=ds-lane&limit=20', route: '/listings', ns: 'listings' },
      { path: '/listings?q=weather&limit=5&offset=0', route: '/listings', ns: 'listings' },
      { path: '/listings?q=alpha%20weather&policyPreview=false', route: '/listings', ns: 'listings' },
      { path: '/listings', route: '/listings', ns: 'listings' },
    ];
    for (const c of [...cases]) {
      await full.request(c.path, { headers: c.headers }); // fills L1 (a miss on the first pass)
      cases.push({ ...c, headers: { ...c.headers, 'if-none-match': `W/"nope", ${await etagOf(c.path)}` } });
    }
    for (const c of cases) {
      const req = new Request(`http://localhost${c.path}`, { headers: c.headers });
      expect(lane(req), `the lane answers ${c.path}`).toBeInstanceOf(Response);
      const viaLane = await send(stack.app, c.path, c.headers ?? {}, c.route, c.ns);
      const viaApp = await send(full, c.path, c.headers ?? {}, c.route, c.ns);
      expect(viaLane.status).toBe(c.headers?.['if-none-match'] ? 304 : 200);
      for (const seen of [viaLane, viaApp]) {
        expect(seen.counted, 'one request counted under the route and status').toBe(1);
        expect(seen.hits, 'one L1 hit recorded').toBe(1);
        expect(seen.headers['x-cache']).toBe('hit');
      }
      const id = c.headers?.['x-request-id'];
      const keep = id && !id.includes(' ') ? id : undefined;
      for (const seen of [viaLane, viaApp]) {
        if (keep) expect(seen.headers['x-request-id']).toBe(keep);
        else expect(seen.headers['x-request-id']).toMatch(UUID);
        expect(seen.line.requestId).toBe(seen.headers['x-request-id']);
      }
      const same = (s: Seen) => ({
        status: s.status,
        body: s.body,
        headers: { ...s.headers, 'x-request-id': keep ?? 'generated' },
        line: { ...s.line, time: 't', durationMs: typeof s.line.durationMs, requestId: 'r' },
      });
      expect(same(viaLane), `${c.path} ${JSON.stringify(c.headers ?? {})}`).toEqual(same(viaApp));
    }
  });

  it('leaves to the app what it is not sure of, and the app answers it as before', async () => {
    const detail = `/listings/${ids[2]}`;
    await full.request(detail);
    await full.request('/listings?datasetId=ds-lane&limit=20');
    const unknown = `/listings/${'ab'.repeat(32)}`;
    expect((await full.request(unknown)).status).toBe(404); // a cached 404 afterwards
    const passes: [string, RequestInit][] = [
      [detail, { method: 'HEAD' }],
      [detail, { headers: { origin: 'https://example.org' } }],
      [`${detail}?x=1`, {}],
      [`/listings/${ids[2]!.slice(0, 63)}`, {}],
      [`/listings/%61${ids[2]!.slice(1)}`, {}],
      [unknown, {}],
      ['/listings?datasetId=ds-lane&limit=20', { method: 'HEAD' }],
      ['/listings?limit=0', {}],
      ['/listings?limit=5&limit=6', {}],
      ['/listings?q=%00', {}],
      ['/listings?q=%E0%A4%A', {}],
      ['/listings?policyPreview=true', {}],
      ['/listings/', {}],
    ];
    for (const [path, init] of passes) {
      expect(lane(new Request(`http://localhost${path}`, init)), path).toBeUndefined();
      const a = await stack.app.request(path, init);
      const b = await full.request(path, init);
      expect(a.status, path).toBe(b.status);
      // a problem body names its request id: the rest must be the same
      const strip = (t: string) => t.replace(/"requestId":"[^"]*"/g, '"requestId":"r"');
      expect(strip(await a.text()), path).toBe(strip(await b.text()));
    }
  });

  it('is off when public reads are rate limited', () => {
    const config = parseConfig({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k === 'PATH')), PGLITE_DIR: 'memory://', RATE_LIMIT_PER_MIN: '60' });
    expect(hitLane({ ...stack.deps, config })).toBeUndefined();
  });
});
