/** Producers and agents over HTTP: cached profiles and searches, invalidated through the outbox by every write. */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDeps, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { identityHeaders } from '../support/identity';
import { call, submit } from '../support/catalog-http';

let stack: TestStack;
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0' });
});
afterAll(async () => stack?.close());

function signed(key: PrivateKey, path: string, body: unknown) {
  const raw = JSON.stringify(body);
  return { raw, headers: identityHeaders(key, 'POST', path, raw) };
}

describe('producers', () => {
  it('a published producer is found by dataset; a profile change is visible at once', async () => {
    const key = PrivateKey.fromRandom();
    const identityKey = key.toPublicKey().toString();
    const p = makePublication({ datasetId: 'ds-prod' }, { signer: key });
    expect((await submit(stack, p)).status).toBe(201);
    const byDs = await call(stack, 'GET', '/producers?datasetId=ds-prod');
    expect(byDs.status).toBe(200);
    expect(byDs.body).toMatchObject({ identityKey, name: null });
    await stack.settle();
    expect((await call(stack, 'GET', `/producers/${byDs.body.producerId}`)).body.name).toBeNull();
    expect((await call(stack, 'GET', '/producers?datasetId=ds-prod')).headers.get('x-cache')).toBe('hit');

    const r = await call(stack, 'POST', '/producers/register', signed(key, '/producers/register', { name: 'Renamed' }));
    expect(r.body.producerId).toBe(byDs.body.producerId);
    expect((await call(stack, 'GET', `/producers/${r.body.producerId}`)).body.name).toBe('Renamed');
    expect((await call(stack, 'GET', '/producers?datasetId=ds-prod')).body.name).toBe('Renamed');
  });

  it('400 without datasetId or with a bad id, 404 for unknown ones', async () => {
    expect((await call(stack, 'GET', '/producers')).status).toBe(400);
    const bad = await call(stack, 'GET', '/producers/prod_XYZ');
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error: 'bad-request', hint: 'producerId' });
    expect((await call(stack, 'GET', `/producers/prod_${'0'.repeat(16)}`)).status).toBe(404);
    expect((await call(stack, 'GET', '/producers?datasetId=nobody')).status).toBe(404);
  });
});

describe('agents', () => {
  it('registers (anonymous and signed), searches, pings; caches follow every write', async () => {
    const anon = await call(stack, 'POST', '/agents/register', { body: { name: 'Crawler', capabilities: ['fetch', 'parse'], webhookUrl: 'https://crawler.example/hook' } });
    expect(anon.status).toBe(200);
    expect(anon.body.agentId).toMatch(/^ag_[0-9a-f]{16}$/);

    const search = await call(stack, 'GET', '/agents/search?q=crawl&capability=fetch');
    expect(search.body.items).toEqual([expect.objectContaining({ agentId: anon.body.agentId, status: 'unknown', lastPingAt: null })]);
    await stack.settle();
    expect((await call(stack, 'GET', '/agents/search?q=CRAWL&capability=fetch')).headers.get('x-cache')).toBe('hit');
    expect((await call(stack, 'GET', `/agents/${anon.body.agentId}`)).body.status).toBe('unknown');
    await stack.settle();

    expect((await call(stack, 'POST', `/agents/${anon.body.agentId}/ping`)).body).toEqual({ status: 'ok' });
    expect((await call(stack, 'GET', `/agents/${anon.body.agentId}`)).body.status).toBe('up');
    const after = await call(stack, 'GET', '/agents/search?q=crawl&capability=fetch');
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.body.items[0].status).toBe('up');

    const key = PrivateKey.fromRandom();
    const body = { name: 'Signer', capabilities: ['sign'], webhookUrl: 'https://signer.example/hook' };
    const s1 = await call(stack, 'POST', '/agents/register', signed(key, '/agents/register', body));
    const s2 = await call(stack, 'POST', '/agents/register', signed(key, '/agents/register', body));
    expect(s2.body.agentId).toBe(s1.body.agentId);
    // a signed agent only takes pings signed by its key
    expect((await call(stack, 'POST', `/agents/${s1.body.agentId}/ping`)).status).toBe(403);
    expect((await call(stack, 'POST', `/agents/${s1.body.agentId}/ping`, { headers: identityHeaders(PrivateKey.fromRandom(), 'POST', `/agents/${s1.body.agentId}/ping`) })).status).toBe(403);
    expect((await call(stack, 'POST', `/agents/${s1.body.agentId}/ping`, { headers: identityHeaders(key, 'POST', `/agents/${s1.body.agentId}/ping`) })).status).toBe(200);
  });

  it('400 for a bad registration or id, 404 for unknown agents', async () => {
    const r = await call(stack, 'POST', '/agents/register', { body: { name: 'x' } });
    expect(r.status).toBe(400);
    expect(r.body.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(['body.capabilities', 'body.webhookUrl']));
    expect((await call(stack, 'GET', '/agents/nope')).status).toBe(400);
    expect((await call(stack, 'GET', `/agents/ag_${'0'.repeat(16)}`)).status).toBe(404);
    expect((await call(stack, 'POST', `/agents/ag_${'0'.repeat(16)}/ping`)).status).toBe(404);
  });
});
