/**
 * One spelling of a field's place in the request, whichever layer finds it wrong (docs/adr/0054):
 * the routes' validators, the parsing edge and core's validators all name a bad field
 * `body.<path>`, `query.<name>`, `path.<param>` or `header.<name>` — across the catalog,
 * policies, advisories, lineage, payments, uploads and delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminAuth, embeddedDeps, ingestAuth, type TestStack } from '../support/deps';
import { makeManifest, makePublication } from '../support/dlm1';
import { call, type Reply } from '../support/catalog-http';
import { link } from '../support/lineage-http';

let stack: TestStack;
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0' });
});
afterAll(async () => stack?.close());

const HEX = 'ab'.repeat(32);
const PART = /^(body|query|path|header)(\.|$)/;

/** The answer is a 4xx problem whose issues include exactly `path`, and every issue path starts with its request part. */
function expectField(r: Reply, status: number, path: string, message?: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  const issues = r.body.issues as { path: string; message: string }[];
  expect(issues.map((i) => i.path)).toContain(path);
  for (const i of issues) expect(i.path).toMatch(PART);
  if (message) expect(issues.find((i) => i.path === path)?.message).toBe(message);
}

describe('a bad body field is body.<path>', () => {
  it('payments (route schema): a quantity of 0, and an unknown key named as its own field', async () => {
    expectField(await call(stack, 'POST', '/pay', { body: { versionId: HEX, quantity: 0 } }), 400, 'body.quantity');
    expectField(await call(stack, 'POST', '/pay', { body: { versionId: HEX, quantity: 1, extra: 1 } }), 400, 'body.extra', 'unknown key');
  });

  it('catalog: the agent registration (route schema) and the manifest inside /submit (core)', async () => {
    const reg = await call(stack, 'POST', '/agents/register', { body: { name: 'a', capabilities: 'x', webhookUrl: 'https://hooks.example/x' } });
    expectField(reg, 400, 'body.capabilities');
    const p = makePublication({ datasetId: 'ds-paths' });
    const r = await call(stack, 'POST', '/submit', { body: { rawTx: p.rawTx, manifest: makeManifest({ content: { contentHash: 'xyz' } }) } });
    expectField(r, 400, 'body.manifest.content.contentHash');
    expectField(await call(stack, 'POST', '/submit', { body: { rawTx: 'zz'.repeat(40), manifest: p.manifest } }), 400, 'body.rawTx');
  });

  it('policies (core, inside the document) and advisories (route schema)', async () => {
    expectField(await call(stack, 'POST', '/policies', { headers: adminAuth, body: { name: 'p', policy: { minConf: 1 } } }), 400, 'body.policy.minConf', 'unknown key');
    const adv = await call(stack, 'POST', '/advisories', { headers: adminAuth, body: { type: 'WARN', reason: 'r', targets: { versionIds: ['zz'] } } });
    expectField(adv, 400, 'body.targets.versionIds.0');
  });

  it('lineage: one event, a batch array and a batch object each name the event by where it sits', async () => {
    const bad = { ...link('paths-1', [['paths', 'x']], [['paths', 'y']]), run: {} };
    expectField(await call(stack, 'POST', '/api/v1/lineage', { headers: ingestAuth, body: bad }), 400, 'body.run.runId');
    expectField(await call(stack, 'POST', '/api/v1/lineage/batch', { headers: ingestAuth, body: [bad] }), 400, 'body.0.run.runId');
    expectField(await call(stack, 'POST', '/api/v1/lineage/batch', { headers: ingestAuth, body: { events: [bad] } }), 400, 'body.events.0.run.runId');
  });
});

describe('a bad query parameter is query.<name>', () => {
  it.each<[string, string, string]>([
    ['catalog', '/listings?limit=0', 'query.limit'],
    ['policies (coerced number)', '/policies?limit=abc', 'query.limit'],
    ['policies (flag)', '/policies?enabled=maybe', 'query.enabled'],
    ['payments', '/price?versionId=zz', 'query.versionId'],
    ['lineage', '/openlineage/lineage?node=dataset:n:x&depth=0', 'query.depth'],
    ['delivery', `/v1/data?contentHash=zz&receiptId=rcpt_${'0'.repeat(32)}`, 'query.contentHash'],
    ['trust (an id parser, still bad-request)', '/ready?versionId=zz', 'query.versionId'],
  ])('%s: GET %s → %s', async (_domain, url, path) => {
    expectField(await call(stack, 'GET', url), 400, path);
  });
});

describe('a bad path parameter is path.<param>', () => {
  it.each<[string, string, string, string, unknown?]>([
    ['catalog listing (id parser)', 'GET', '/listings/zz', 'path.versionId'],
    ['catalog producer (id parser)', 'GET', '/producers/prod_zz', 'path.id'],
    ['catalog agent (id parser)', 'GET', '/agents/zz', 'path.id'],
    ['catalog proof (id parser)', 'POST', '/declarations/zz/proof', 'path.txid', { envelope: {} }],
    ['policies (route schema)', 'GET', '/policies/nope', 'path.id'],
    ['payments (route schema)', 'GET', '/payments/rcpt_zz', 'path.receiptId'],
    ['uploads (route schema)', 'GET', '/v1/uploads/upl_zz', 'path.uploadId'],
    ['lineage (the parsing edge)', 'GET', '/openlineage/runs/a%00b', 'path.runId'],
  ])('%s: %s %s → %s', async (_domain, method, url, path, body) => {
    expectField(await call(stack, method, url, body === undefined ? {} : { body }), 400, path);
  });
});

describe('a bad header is header.<name>', () => {
  it('a JSON route sent text/plain names header.content-type', async () => {
    const r = await call(stack, 'POST', '/pay', { raw: '{}', headers: { 'content-type': 'text/plain' } });
    expectField(r, 415, 'header.content-type');
  });
});
