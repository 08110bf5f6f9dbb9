/**
 * The parsing edge (functions/src/middleware/edge.ts) and inert blobs, on the embedded default:
 * each finding of the security review as a request that got a 500 (or a broken socket, or an
 * error-level log) before and now gets a 4xx problem+json naming what was wrong, with nothing
 * stored.
 */
import net from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, embeddedDeps, ingestAuth, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { mineHeader } from '../support/chain';
import { call, type Reply } from '../support/catalog-http';
import { PrivateKey } from '@bsv/sdk';
import { identityHeaders } from '../support/identity';

let stack: TestStack;
const logs: string[] = [];
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', LOG_LEVEL: 'info' }, { logSink: (l) => logs.push(l) });
});
afterAll(async () => stack?.close());

/** Rows in every table a refused request could have written to. */
async function rowCounts(): Promise<Record<string, number>> {
  const tables = ['manifests', 'declarations', 'assets', 'audit_log', 'advisories', 'policies', 'policy_runs', 'block_headers', 'ol_events', 'agents', 'producers', 'cache_outbox'];
  const out: Record<string, number> = {};
  for (const t of tables) {
    const r = await stack.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`);
    out[t] = r[0]!.n;
  }
  return out;
}

function expectProblem(r: Reply, status: number, field?: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  if (field) expect(r.body.issues?.map((i: { path: string }) => i.path)).toContain(field);
}

const json = (extra: Record<string, string> = {}) => ({ 'content-type': 'application/json', ...extra });

describe('wrong or missing content type on a JSON route → 415', () => {
  const routes: [string, string, Record<string, string>][] = [
    ['POST', '/submit', {}],
    ['POST', `/declarations/${'ab'.repeat(32)}/proof`, {}],
    ['POST', '/producers/register', {}],
    ['POST', '/agents/register', {}],
    ['POST', '/headers', adminAuth],
    ['POST', '/advisories', adminAuth],
    ['POST', '/policies', adminAuth],
    ['PATCH', '/policies/pol_0123456789abcdef', adminAuth],
    ['POST', '/policies/evaluate', {}],
    ['POST', '/ready/policy-eval', {}],
    ['POST', '/openlineage/hook/publish', adminAuth],
    ['POST', '/openlineage/hook/recall', adminAuth],
    ['POST', '/admin/dead-letters/replay', adminAuth],
  ];
  it.each(routes)('%s %s with a form type (curl -d) → 415 naming the header, nothing stored', async (method, path, auth) => {
    const before = await rowCounts();
    const r = await call(stack, method, path, { raw: '{}', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' } });
    expectProblem(r, 415, 'header.content-type');
    expect(r.body.error).toBe('unsupported-media-type');
    expect(await rowCounts()).toEqual(before);
  });
  it.each(routes)('%s %s with a body and no content type → 415', async (method, path, auth) => {
    // a Blob without a type is sent with no Content-Type at all
    const res = await stack.app.request(path, { method, headers: auth, body: new Blob(['{}']) });
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.status).toBe(415);
  });
  it('every JSON route of the OpenAPI document is covered by the rule', async () => {
    const doc = (await call(stack, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>> };
    // routes whose documented body is JSON (a presigned blob PUT takes raw bytes)
    const takesJson = (op: { requestBody?: { content?: Record<string, unknown> } }) => Object.keys(op.requestBody?.content ?? {}).some((t) => /json/.test(t));
    const jsonRoutes = Object.entries(doc.paths).flatMap(([p, ops]) => Object.entries(ops).filter(([, op]) => takesJson(op)).map(([m]) => `${m.toUpperCase()} ${p}`));
    expect(jsonRoutes.length).toBeGreaterThanOrEqual(routes.length);
    for (const r of jsonRoutes) {
      const [method, template] = r.split(' ') as [string, string];
      const path = template.replace('{txid}', 'ab'.repeat(32)).replace(/\{[^}]+\}/g, 'pol_0123456789abcdef');
      const res = await call(stack, method, path, { raw: '{}', headers: { ...adminAuth, 'content-type': 'text/plain' } });
      expect(res.status, r).toBe(415);
    }
  });
  it('application/json with a charset, and +json types, still pass the rule', async () => {
    const r = await call(stack, 'POST', '/policies/evaluate', { raw: '{}', headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(r.status).toBe(400);
    expect(r.body.error).not.toBe('unsupported-media-type');
  });
});

describe('NUL and unpaired surrogates → 400 naming the field, nothing stored', () => {
  it.each([
    ['/openlineage/search?q=a%00b', 'query.q'],
    ['/openlineage/runs/a%00b', 'path.runId'],
    ['/openlineage/jobs/ns/a%00b', 'path.name'],
    ['/openlineage/nodes/dataset/n%00s/name', 'path.namespace'],
    ['/listings?q=a%00', 'query.q'],
    ['/agents/search?capability=%00', 'query.capability'],
    ['/blobs/%ff', 'path.key'],
    ['/openlineage/search?q=%ED%A0%80', 'query.q'],
    ['/openlineage/search?q=%E0%A4%A', 'query.q'],
  ])('GET %s → 400 naming %s', async (path, field) => {
    expectProblem(await call(stack, 'GET', path), 400, field);
  });

  const manifestCases: [string, Record<string, unknown>, string][] = [
    ['description', { description: 'a\u0000b' }, 'body.manifest.description'],
    ['a content field', { content: { contentHash: 'ab'.repeat(32), mimeType: 'text/csv\u0000', sizeBytes: 1 } }, 'body.manifest.content.mimeType'],
    ['a tag', { tags: ['ok', 'x\ud800'] }, 'body.manifest.tags.1'],
    ['a key', { content: { contentHash: 'cd'.repeat(32), mimeType: 'text/csv', sizeBytes: 1, 'k\u0000': 'v' } }, 'body.manifest.content.k\u0000'],
  ];
  it.each(manifestCases)('/submit with NUL or a surrogate in the manifest %s → 400', async (_name, overrides, field) => {
    const p = makePublication({ datasetId: 'ds-edge', ...overrides });
    const before = await rowCounts();
    const r = await call(stack, 'POST', '/submit', { body: { rawTx: p.rawTx, manifest: p.manifest } });
    expectProblem(r, 400, field);
    expect(await rowCounts()).toEqual(before);
  });

  it('advisory payloads and reasons, policy names: 400, nothing stored (no reason stored as U+FFFD)', async () => {
    const before = await rowCounts();
    const target = { versionIds: ['ab'.repeat(32)] };
    expectProblem(await call(stack, 'POST', '/advisories', { headers: adminAuth, body: { type: 'WARN', reason: 'r', payload: { x: 'a\u0000' }, targets: target } }), 400, 'body.payload.x');
    expectProblem(await call(stack, 'POST', '/advisories', { headers: adminAuth, body: { type: 'WARN', reason: 'a\ud800b', targets: target } }), 400, 'body.reason');
    expectProblem(await call(stack, 'POST', '/policies', { headers: adminAuth, body: { name: 'p\u0000', policy: {} } }), 400, 'body.name');
    expect(await rowCounts()).toEqual(before);
  });

  it('a clean body with escaped text that only looks like a NUL escape passes', async () => {
    const r = await call(stack, 'POST', '/advisories', { headers: adminAuth, body: { type: 'WARN', reason: 'literally \\u0000 and \u00e9\ud83d\ude00', targets: { versionIds: ['cd'.repeat(32)] } } });
    expect(r.status).toBe(201);
    expect(r.body.reason).toBe('literally \\u0000 and \u00e9\ud83d\ude00');
  });

  it('a body that is not UTF-8 → 400', async () => {
    const res = await stack.app.request('/policies/evaluate', { method: 'POST', headers: json(), body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]) });
    expect(res.status).toBe(400);
    expect((await res.json()).issues[0].path).toBe('body');
  });
});

describe('integers are bounded by the columns that store them', () => {
  it('every integer a request may carry (parameters and JSON bodies in the OpenAPI document) is bounded by the column that stores it', async () => {
    const doc = (await call(stack, 'GET', '/openapi.json')).body as { paths: Record<string, Record<string, any>>; components: { schemas: Record<string, any> } };
    const unbounded: string[] = [];
    const walk = (s: any, at: string, seen: Set<unknown>) => {
      if (!s || typeof s !== 'object' || seen.has(s)) return;
      seen.add(s);
      if (s.$ref) return walk(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')], at, seen);
      const types = Array.isArray(s.type) ? s.type : [s.type];
      // parameters and block heights reach `integer` columns (32-bit); amounts, sizes and counts are
      // stored as bigint or inside jsonb, so they must stay within the safe-integer range
      const int32 = / (query|path)\.|Height$/.test(at);
      const [lo, hi] = int32 ? [-(2 ** 31), 2 ** 31 - 1] : [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
      const min = s.minimum ?? s.exclusiveMinimum;
      const max = s.maximum ?? s.exclusiveMaximum;
      if (types.includes('integer') && !(min >= lo && max <= hi)) unbounded.push(at);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${at}.${k}`, seen);
      if (s.items) walk(s.items, `${at}.0`, seen);
      for (const k of ['anyOf', 'oneOf', 'allOf']) for (const v of s[k] ?? []) walk(v, at, seen);
    };
    let integers = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const p of op.parameters ?? []) {
          if (JSON.stringify(p.schema).includes('integer')) integers++;
          walk(p.schema, `${method.toUpperCase()} ${path} ${p.in}.${p.name}`, new Set());
        }
        walk(op.requestBody?.content?.['application/json']?.schema, `${method.toUpperCase()} ${path} body`, new Set());
      }
    }
    expect(integers).toBeGreaterThan(5);
    expect(unbounded).toEqual([]);
  });

  it('startHeight 2147483647 on /headers → 400 naming body.startHeight; the highest allowed checkpoint still chains', async () => {
    const h = mineHeader({ prevHash: '00'.repeat(32), merkleRoot: '11'.repeat(32), height: 0 });
    const before = await rowCounts();
    const r = await call(stack, 'POST', '/headers', { headers: adminAuth, body: { headers: [h.hex], startHeight: 2147483647 } });
    expectProblem(r, 400, 'body.startHeight');
    expect(await rowCounts()).toEqual(before);
    const next = mineHeader({ prevHash: h.hash, merkleRoot: '22'.repeat(32), height: 1 });
    const ok = await call(stack, 'POST', '/headers', { headers: adminAuth, body: { headers: [h.hex, next.hex], startHeight: 1_000_000_000 } });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.tip.height).toBe(1_000_000_001);
  });
});

describe('served bytes are inert', () => {
  it('a blob uploaded as text/html is served as an attachment with nosniff and a sandboxing CSP', async () => {
    const key = 'edge/page.html';
    await stack.deps.blobs.put(key, new TextEncoder().encode('<script>alert(document.cookie)</script>'), { contentType: 'text/html' });
    const url = new URL((await stack.deps.blobs.presignGet(key, { expiresInSec: 60 })).url);
    for (const method of ['GET', 'HEAD']) {
      const res = await stack.app.request(url.pathname + url.search, { method });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-disposition')).toBe('attachment');
      expect(res.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
    }
  });
  it('a type on the allow-list (text/csv) is inline, still nosniff and sandboxed; no type → attachment', async () => {
    await stack.deps.blobs.put('edge/data.csv', new TextEncoder().encode('a,b\n1,2\n'), { contentType: 'text/csv' });
    await stack.deps.blobs.put('edge/blob.bin', new Uint8Array([1, 2, 3]));
    const get = async (key: string) => {
      const url = new URL((await stack.deps.blobs.presignGet(key, { expiresInSec: 60 })).url);
      return stack.app.request(url.pathname + url.search);
    };
    const csv = await get('edge/data.csv');
    expect(csv.headers.get('content-disposition')).toBeNull();
    expect(csv.headers.get('x-content-type-options')).toBe('nosniff');
    expect(csv.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
    expect((await get('edge/blob.bin')).headers.get('content-disposition')).toBe('attachment');
  });
});

describe('on a real socket (Node server)', () => {
  let server: ReturnType<typeof serve>;
  let port: number;
  beforeAll(async () => {
    server = serve({ fetch: stack.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((r) => server.once('listening', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  /** Opens a keep-alive connection; `responses()` lists the status lines received so far. */
  async function connect() {
    const sock = net.connect(port, '127.0.0.1');
    await new Promise((r) => sock.once('connect', r));
    let got = '';
    let closed = false;
    sock.on('data', (d) => (got += d.toString('latin1')));
    sock.on('close', () => (closed = true));
    sock.on('error', () => undefined);
    return {
      sock,
      responses: () => got.match(/HTTP\/1\.1 \d{3}/g) ?? [],
      text: () => got,
      closed: () => closed,
      async until(n: number) {
        for (let i = 0; i < 200 && (got.match(/HTTP\/1\.1 \d{3}/g) ?? []).length < n && !closed; i++) await new Promise((r) => setTimeout(r, 25));
      },
    };
  }

  it.each([
    ['/headers (401 before the body is read)', '/headers', 600_000],
    ['an unknown route (404)', '/nothing/here', 600_000],
    ['/agents/x/ping (route takes no body)', '/agents/ag_0000000000000000/ping', 900_000],
  ])('a large body the route never reads: %s — the next request on the same connection is answered', async (_n, path, size) => {
    const c = await connect();
    c.sock.write(`POST ${path} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`);
    c.sock.write('x'.repeat(size));
    await c.until(1);
    c.sock.write('GET /health HTTP/1.1\r\nhost: x\r\n\r\n');
    await c.until(2);
    expect(c.responses()).toHaveLength(2);
    expect(c.responses()[1]).toBe('HTTP/1.1 200');
    c.sock.destroy();
  });

  it('a signed POST without a body to a route whose body is optional (/producers/register) is served, not 415: on Node every POST has a body stream, even an empty one', async () => {
    // as fetch sends it (content-length: 0)
    const key = PrivateKey.fromRandom();
    const r = await fetch(`http://127.0.0.1:${port}/producers/register`, { method: 'POST', headers: identityHeaders(key, 'POST', '/producers/register') });
    expect(r.status, await r.clone().text()).toBe(200);
    expect(((await r.json()) as { producerId: string }).producerId).toMatch(/^prod_[0-9a-f]{16}$/);
    // as curl -X POST sends it (no content-length, no transfer-encoding)
    const other = PrivateKey.fromRandom();
    const h = identityHeaders(other, 'POST', '/producers/register');
    const c = await connect();
    c.sock.write(`POST /producers/register HTTP/1.1\r\nhost: x\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`);
    await c.until(1);
    expect(c.responses()).toEqual(['HTTP/1.1 200']);
    c.sock.destroy();
    // a body that is there still needs its type
    const third = PrivateKey.fromRandom();
    const typeless = await fetch(`http://127.0.0.1:${port}/producers/register`, { method: 'POST', body: '{}', headers: { ...identityHeaders(third, 'POST', '/producers/register', '{}'), 'content-type': '' } });
    expect(typeless.status).toBe(415);
  });

  it('a body too large to drain: the answer says Connection: close (the client knows not to reuse the socket)', async () => {
    const c = await connect();
    c.sock.write('POST /headers HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 50000000\r\n\r\n');
    c.sock.write('x'.repeat(100_000));
    await c.until(1);
    expect(c.responses()[0]).toBe('HTTP/1.1 413');
    expect(c.text()).toMatch(/\r\nconnection: close\r\n/i);
    c.sock.destroy();
  });

  it('a client that disconnects mid-body is logged at info with the request id, not as an error', async () => {
    logs.length = 0;
    for (const [path, auth] of [['/api/v1/lineage', ingestAuth.authorization], ['/submit', ''], ['/producers/register', '']] as const) {
      const c = await connect();
      const extra = path === '/producers/register' ? 'x-identity-key: 02aa\r\nx-nonce: nnnnnnnnnnnn\r\nx-signature: 00\r\n' : '';
      c.sock.write(`POST ${path} HTTP/1.1\r\nhost: x\r\nx-request-id: abort-${path.length}\r\n${auth ? `authorization: ${auth}\r\n` : ''}${extra}content-type: application/json\r\ncontent-length: 100000\r\n\r\n{"eventType":"`);
      await new Promise((r) => setTimeout(r, 100));
      c.sock.destroy();
      for (let i = 0; i < 100 && !logs.some((l) => l.includes(`abort-${path.length}`)); i++) await new Promise((r) => setTimeout(r, 20));
      // besides the access-log line every request gets (`msg: 'request'`), exactly one line: the abort, at info
      const mine = logs
        .map((l) => JSON.parse(l) as { level: string; msg: string; requestId?: string })
        .filter((l) => l.requestId === `abort-${path.length}` && l.msg !== 'request');
      expect(mine, path).toEqual([expect.objectContaining({ level: 'info', msg: 'client aborted the request' })]);
    }
    expect(logs.filter((l) => JSON.parse(l).level === 'error')).toEqual([]);
  });
});
