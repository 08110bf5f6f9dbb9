/**
 * Every route refuses what its security requirement refuses, checked from the route list itself
 * so a route added later is checked too: each operation of /openapi.json whose requirement is a
 * bearer token (admin, ingest, ARC callback) is called with no token, a malformed one, a wrong
 * one and (for admin) the ingest token, and must answer 401/403 problem+json; each operation
 * that requires an identity signature must refuse an unsigned call; a presigned-URL operation
 * must refuse a call without a signature. Every route the app serves must be in the document,
 * and a write (POST/PUT/PATCH/DELETE) open to anonymous callers must be one of the listed ones,
 * each with the reason it needs no credential.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDeps, ingestAuth, type TestStack } from '../support/deps';

type Json = Record<string, any>;
type Requirement = Record<string, string[]>;
interface Operation {
  readonly method: string;
  readonly path: string;
  readonly security: Requirement[];
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'head'];
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Writes anyone may call, and why no credential is needed. A new anonymous write fails the test
 * until it is listed here (or declares a credential).
 */
const ANONYMOUS_WRITES: Readonly<Record<string, string>> = {
  'POST /submit': 'the DLM1 transaction and the signed manifest are the proof of authorship',
  'POST /declarations/{txid}/proof': 'an SPV proof verifies against the header chain, whoever sends it',
  'POST /pay': 'the payment transaction is the credential; the receipt binds to it',
  'POST /payments/quote': 'a quote commits to nothing until a transaction pays it',
  'POST /payments/submit': 'the payment transaction is the credential; it must pay the quote',
  'POST /payments/{receiptId}/proof': 'an SPV proof of the payment verifies against the header chain',
  'POST /policies/evaluate': 'evaluates a policy (stored or inline) and writes only its run record',
  'POST /ready/policy-eval': 'evaluates a policy against a version and writes only its run record',
  'POST /agents/register': 'identity signature optional: an unsigned registration makes an agent no key owns',
  'POST /agents/{id}/ping': 'identity signature optional: a keyed agent requires its owner’s signature',
};

/** A value each path parameter accepts, so a refusal is the credential's and not the parameter's. */
const PARAM_VALUES: Readonly<Record<string, string>> = {
  id: 'pol_0123456789abcdef',
  versionId: 'a'.repeat(64),
  txid: 'b'.repeat(64),
  uploadId: 'up_0123456789abcdef0123456789abcdef',
  receiptId: 'rc_0123456789abcdef',
  key: 'objects/route-auth-probe',
};

const concrete = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const v = PARAM_VALUES[name];
    if (v === undefined) throw new Error(`route-auth.test.ts: no sample value for path parameter {${name}} of ${path}; add one`);
    return v;
  });

const schemesOf = (op: Operation) => new Set(op.security.flatMap((alt) => Object.keys(alt)));
/** True when one alternative of the requirement needs no credential at all. */
const anonymousAllowed = (op: Operation) => op.security.length === 0 || op.security.some((alt) => Object.keys(alt).length === 0);
const bearerOnly = (op: Operation) => !anonymousAllowed(op) && op.security.every((alt) => Object.keys(alt).every((s) => s.endsWith('Bearer')));
const identityRequired = (op: Operation) => !anonymousAllowed(op) && op.security.every((alt) => 'identitySignature' in alt);
const presigned = (op: Operation) => !anonymousAllowed(op) && op.security.every((alt) => 'presignedUrl' in alt);

let stack: TestStack;
let ops: Operation[];

beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', ARC_CALLBACK_TOKEN: 'arc-callback-token-0123456789' });
  const doc = (await (await stack.app.request('/openapi.json')).json()) as Json;
  ops = Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map((m) => ({ method: m.toUpperCase(), path, security: ((item as Json)[m].security ?? null) as Requirement[] })),
  );
});
afterAll(() => stack?.close());

async function send(op: Operation, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (authorization !== undefined) headers.authorization = authorization;
  const body = WRITES.has(op.method) ? '{}' : undefined;
  return stack.app.request(concrete(op.path), { method: op.method, headers, ...(body ? { body } : {}) });
}

async function expectRefused(op: Operation, res: Response, what: string): Promise<void> {
  const label = `${op.method} ${op.path} ${what}`;
  expect([401, 403], label).toContain(res.status);
  if (op.method === 'HEAD') return; // no body
  expect(res.headers.get('content-type'), label).toMatch(/^application\/problem\+json/);
  const body = (await res.json()) as Json;
  expect(body.status, label).toBe(res.status);
  expect(typeof body.error, label).toBe('string');
}

describe('route authentication, from the route list', () => {
  it('every route the app serves is in the OpenAPI document, with a security requirement', () => {
    const documented = new Set(ops.map((o) => `${o.method} ${o.path}`));
    const served = (stack.app.routes as { method: string; path: string }[])
      .filter((r) => r.method !== 'ALL')
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{key}')}`);
    expect(served.length).toBeGreaterThan(50);
    expect([...new Set(served)].filter((r) => !documented.has(r))).toEqual([]);
    expect(ops.filter((o) => !Array.isArray(o.security)).map((o) => `${o.method} ${o.path}`)).toEqual([]);
  });

  it('every write open to anonymous callers is a listed one (a new one must declare a credential or say why not)', () => {
    const open = ops.filter((o) => WRITES.has(o.method) && anonymousAllowed(o)).map((o) => `${o.method} ${o.path}`);
    expect(open.sort()).toEqual(Object.keys(ANONYMOUS_WRITES).sort());
  });

  it('bearer-token routes refuse a missing, malformed or wrong token, and admin routes the ingest token', async () => {
    const checked = ops.filter(bearerOnly);
    // the admin, ingest and ARC-callback routes of today, at least
    expect(checked.filter((o) => schemesOf(o).has('adminBearer')).length).toBeGreaterThanOrEqual(12);
    expect(checked.filter((o) => schemesOf(o).has('ingestBearer')).map((o) => o.path).sort()).toEqual(['/api/v1/lineage', '/api/v1/lineage/batch']);
    expect(checked.some((o) => schemesOf(o).has('arcCallbackBearer'))).toBe(true);
    for (const op of checked) {
      await expectRefused(op, await send(op), 'without a token');
      await expectRefused(op, await send(op, 'Bearer'), 'with an empty bearer');
      await expectRefused(op, await send(op, 'Basic YWRtaW46YWRtaW4='), 'with basic credentials');
      await expectRefused(op, await send(op, `Bearer wrong-${'x'.repeat(40)}`), 'with a wrong token');
      if (!schemesOf(op).has('ingestBearer')) await expectRefused(op, await send(op, ingestAuth.authorization), 'with the ingest token');
    }
  });

  it('identity-signed routes refuse an unsigned call and a half-signed one', async () => {
    const checked = ops.filter(identityRequired);
    expect(checked.length).toBeGreaterThanOrEqual(7);
    for (const op of checked) {
      await expectRefused(op, await send(op), 'unsigned');
      const res = await stack.app.request(concrete(op.path), {
        method: op.method,
        headers: { 'content-type': 'application/json', 'x-identity-key': `02${'11'.repeat(32)}`, 'x-nonce': 'route-auth-nonce', 'x-timestamp': String(Math.floor(stack.deps.clock.now() / 1000)) },
        ...(WRITES.has(op.method) ? { body: '{}' } : {}),
      });
      await expectRefused(op, res, 'without X-Signature');
    }
  });

  it('presigned-URL routes refuse a call without a signature', async () => {
    const checked = ops.filter(presigned);
    expect(checked.map((o) => o.method).sort()).toEqual(['GET', 'HEAD', 'PUT']);
    for (const op of checked) await expectRefused(op, await send(op), 'without sig');
  });

  it('the classes cover every operation: each is public, anonymous-optional, bearer, identity or presigned', () => {
    const unclassified = ops.filter((o) => !anonymousAllowed(o) && !bearerOnly(o) && !identityRequired(o) && !presigned(o));
    expect(unclassified.map((o) => `${o.method} ${o.path} ${JSON.stringify(o.security)}`)).toEqual([]);
  });
});
