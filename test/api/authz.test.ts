/**
 * Who may write what (issue 14): an agent with an identity key belongs to that key, a producer
 * is whoever signed, webhook URLs point only at public https hosts, and every unauthenticated
 * write (and the uncached lineage reads) has a per-client budget. Each write route is tried
 * unsigned, signed by another key and signed by the owner; every refusal is checked to have
 * changed nothing.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentIdFor, producerIdOf } from '@strata/core/catalog/ids';
import { embeddedDeps, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { signedRequest } from '../support/identity';
import { tableResolver } from '../support/resolver';
import { call, submit } from '../support/catalog-http';

let stack: TestStack;
const resolver = tableResolver({ 'rebind.example': ['10.0.0.5'], 'meta.example': ['169.254.169.254'], 'mixed.example': ['93.184.215.14', 'fd00::1'] });
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', RATE_LIMIT_REGISTER_PER_MIN: '0', RATE_LIMIT_PING_PER_MIN: '0' }, { resolveHost: resolver });
});
afterAll(async () => stack?.close());

const owner = PrivateKey.fromRandom();
const mallory = PrivateKey.fromRandom();
const ownerKey = owner.toPublicKey().toString();
const REG = '/agents/register';

async function agentRow(agentId: string) {
  return (await stack.deps.sql.query('SELECT agent_id, name, webhook_url, capabilities, identity_key, status FROM agents WHERE agent_id = $1', [agentId]))[0];
}
const agentCount = async () => (await stack.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM agents'))[0]!.n;

describe('agents belong to their key', () => {
  const body = { name: 'Owned bot', capabilities: ['score'], webhookUrl: 'https://owner.example/hook' };
  let agentId: string;

  beforeAll(async () => {
    const r = await call(stack, 'POST', REG, signedRequest(owner, 'POST', REG, body));
    expect(r.status).toBe(200);
    agentId = r.body.agentId;
    expect(agentId).toBe(agentIdFor(body.name, ownerKey));
  });

  it('register, unsigned, naming the owner key (the takeover): 401, the agent is unchanged', async () => {
    const before = await agentRow(agentId);
    const n = await agentCount();
    const r = await call(stack, 'POST', REG, { body: { ...body, capabilities: ['steal'], webhookUrl: 'https://attacker.example/hook', identityKey: ownerKey } });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: 'unauthorized', hint: 'identityKey-needs-signature' });
    expect(await agentRow(agentId)).toEqual(before);
    expect(await agentCount()).toBe(n);
  });

  it('register, unsigned, same name without a key: a new anonymous agent, never the keyed one', async () => {
    const before = await agentRow(agentId);
    const r = await call(stack, 'POST', REG, { body: { ...body, webhookUrl: 'https://attacker.example/hook' } });
    expect(r.status).toBe(200);
    expect(r.body.agentId).not.toBe(agentId);
    expect(await agentRow(r.body.agentId)).toMatchObject({ identity_key: null, webhook_url: 'https://attacker.example/hook' });
    expect(await agentRow(agentId)).toEqual(before);
    // and a second unsigned registration of the same name does not overwrite the first
    const again = await call(stack, 'POST', REG, { body: { ...body, webhookUrl: 'https://other.example/hook' } });
    expect(again.body.agentId).not.toBe(r.body.agentId);
    expect((await agentRow(r.body.agentId))!.webhook_url).toBe('https://attacker.example/hook');
  });

  it('register, signed by another key naming the owner key: 403, unchanged', async () => {
    const before = await agentRow(agentId);
    const r = await call(stack, 'POST', REG, signedRequest(mallory, 'POST', REG, { ...body, webhookUrl: 'https://attacker.example/hook', identityKey: ownerKey }));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ error: 'forbidden', hint: 'identity-mismatch' });
    expect(await agentRow(agentId)).toEqual(before);
  });

  it('register, signed by another key with the same name: that key\'s own agent, the owner\'s unchanged', async () => {
    const before = await agentRow(agentId);
    const r = await call(stack, 'POST', REG, signedRequest(mallory, 'POST', REG, { ...body, webhookUrl: 'https://attacker.example/hook' }));
    expect(r.status).toBe(200);
    expect(r.body.agentId).toBe(agentIdFor(body.name, mallory.toPublicKey().toString()));
    expect(await agentRow(agentId)).toEqual(before);
  });

  it('register, signed by the owner (naming its own key or not): updates the agent in place', async () => {
    const r = await call(stack, 'POST', REG, signedRequest(owner, 'POST', REG, { ...body, capabilities: ['score', 'rank'], webhookUrl: 'https://owner.example/v2', identityKey: ownerKey.toUpperCase() }));
    expect(r.status).toBe(200);
    expect(r.body.agentId).toBe(agentId);
    expect(await agentRow(agentId)).toMatchObject({ capabilities: ['score', 'rank'], webhook_url: 'https://owner.example/v2', identity_key: ownerKey });
  });

  it('a keyed registration never overwrites an agent of another owner that holds its id', async () => {
    // an unkeyed row squatting on the id the key would derive (as a random id could, by chance)
    const squatted = agentIdFor('Squatted', ownerKey);
    await stack.deps.sql.query(`INSERT INTO agents (agent_id, name, webhook_url, capabilities, identity_key) VALUES ($1, 'Squatted', 'https://first.example/', '[]'::jsonb, NULL)`, [squatted]);
    const before = await agentRow(squatted);
    const r = await call(stack, 'POST', REG, signedRequest(owner, 'POST', REG, { name: 'Squatted', capabilities: [], webhookUrl: 'https://owner.example/sq' }));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ error: 'conflict', hint: 'agent-id-taken' });
    expect(await agentRow(squatted)).toEqual(before);
  });

  it('ping: unsigned 403, signed by another key 403, signed by the owner 200', async () => {
    const path = `/agents/${agentId}/ping`;
    expect((await call(stack, 'POST', path)).status).toBe(403);
    const other = await call(stack, 'POST', path, signedRequest(mallory, 'POST', path));
    expect(other.status).toBe(403);
    expect(other.body).toMatchObject({ error: 'forbidden', hint: 'identity-mismatch' });
    expect((await agentRow(agentId))!.status).toBe('unknown');
    expect((await call(stack, 'POST', path, signedRequest(owner, 'POST', path))).status).toBe(200);
    expect((await agentRow(agentId))!.status).toBe('up');
  });
});

describe('producers are whoever signed', () => {
  const P = '/producers/register';

  it('register: unsigned 401; another key only ever writes its own producer; the owner updates', async () => {
    const ok = await call(stack, 'POST', P, signedRequest(owner, 'POST', P, { name: 'Owner Data', website: 'https://owner.example' }));
    expect(ok.body.producerId).toBe(producerIdOf(ownerKey));
    const profile = async () => (await call(stack, 'GET', `/producers/${ok.body.producerId}`)).body;
    const before = await profile();

    const unsigned = await call(stack, 'POST', P, { body: { name: 'Mallory' } });
    expect(unsigned.status).toBe(401);
    const other = await call(stack, 'POST', P, signedRequest(mallory, 'POST', P, { name: 'Mallory', website: 'https://attacker.example' }));
    expect(other.status).toBe(200);
    expect(other.body.producerId).toBe(producerIdOf(mallory.toPublicKey().toString()));
    expect(await profile()).toEqual(before);

    const updated = await call(stack, 'POST', P, signedRequest(owner, 'POST', P, { website: 'https://owner.example/new' }));
    expect(updated.body.producerId).toBe(ok.body.producerId);
    expect(await profile()).toMatchObject({ name: 'Owner Data', website: 'https://owner.example/new' });
  });

  const stored = async (versionId: string) =>
    (await stack.deps.sql.query<{ producer_id: string | null }>('SELECT producer_id FROM assets WHERE version_id = $1', [versionId]))[0];

  it('submit naming a producer without its signature: 400 naming signatures.producer, nothing stored, no producer row', async () => {
    const victim = PrivateKey.fromRandom().toPublicKey().toString();
    const p = makePublication({ datasetId: 'ds-claimed', provenance: { createdAt: '2025-01-01T00:00:00Z', producer: { identityKey: victim } } });
    const r = await submit(stack, p);
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('validation-failed');
    expect(r.body.issues).toContainEqual({ path: 'body.manifest.signatures.producer', message: expect.stringContaining('provenance.producer.identityKey') });
    expect(await stored(p.versionId)).toBeUndefined();
    expect((await stack.deps.sql.query('SELECT 1 FROM producers WHERE producer_id = $1', [producerIdOf(victim)])).length).toBe(0);
  });

  it('submit naming a producer signed by another key: 400, nothing stored', async () => {
    const victim = PrivateKey.fromRandom().toPublicKey().toString();
    const p = makePublication({ datasetId: 'ds-claimed', provenance: { createdAt: '2025-01-01T00:00:00Z', producer: { identityKey: victim } } });
    const signature = mallory.sign(p.versionId, 'utf8').toDER('hex') as string;
    const r = await submit(stack, { rawTx: p.rawTx, manifest: { ...p.manifest, signatures: { producer: { publicKey: victim, signature } } } });
    expect(r.status).toBe(400);
    expect(await stored(p.versionId)).toBeUndefined();
  });

  it('submit signed by the named producer: the version is that producer\'s; without a named producer it has none', async () => {
    const p = makePublication({ datasetId: 'ds-owned' }, { signer: owner });
    expect((await submit(stack, p)).status).toBe(201);
    expect((await stored(p.versionId))!.producer_id).toBe(producerIdOf(ownerKey));
    const anon = makePublication({ datasetId: 'ds-anon' });
    expect((await submit(stack, anon)).status).toBe(201);
    expect((await stored(anon.versionId))!.producer_id).toBeNull();
  });
});

describe('webhook URLs: https to public addresses only', () => {
  it.each([
    'http://hooks.example/x',
    'https://169.254.169.254/latest/meta-data/',
    'https://127.0.0.1/hook',
    'https://[::1]/hook',
    'https://[fd00:ec2::254]/hook',
    'https://10.1.2.3/hook',
    'https://100.64.0.1/hook',
    'https://192.168.0.10/hook',
    'https://localhost/hook',
    'https://user:pw@hooks.example/x',
    'https://rebind.example/hook', // resolves to 10.0.0.5
    'https://meta.example/hook', // resolves to 169.254.169.254
    'https://mixed.example/hook', // one public, one unique-local address
    'https://nxdomain.invalid/hook',
  ])('%s → 400 naming body.webhookUrl, nothing stored (unsigned and signed)', async (webhookUrl) => {
    const n = await agentCount();
    const body = { name: 'Hooked', capabilities: [], webhookUrl };
    for (const req of [{ body }, signedRequest(owner, 'POST', REG, body)]) {
      const r = await call(stack, 'POST', REG, req);
      expect(r.status).toBe(400);
      expect(r.body.error).toBe('validation-failed');
      expect(r.body.issues.map((i: { path: string }) => i.path)).toContain('body.webhookUrl');
    }
    expect(await agentCount()).toBe(n);
  });

  it('the host is resolved at registration', async () => {
    const r = await call(stack, 'POST', REG, { body: { name: 'Resolved', capabilities: [], webhookUrl: 'https://resolved-now.example/hook' } });
    expect(r.status).toBe(200);
    expect(resolver.calls).toContain('resolved-now.example');
  });
});

describe('limits on unauthenticated writes and expensive reads', () => {
  let limited: TestStack;
  beforeAll(async () => {
    limited = await embeddedDeps({ RATE_LIMIT_PER_MIN: '2', RATE_LIMIT_REGISTER_PER_MIN: '2', RATE_LIMIT_PING_PER_MIN: '2', RATE_LIMIT_PROOF_PER_MIN: '2', OL_QUERY_RATE_PER_MIN: '2' });
  });
  afterAll(async () => limited?.close());

  let client = 20;
  /** Three requests from one fresh client address, then one from another. */
  const third = async (method: string, path: (i: number) => string, opts: (i: number) => Parameters<typeof call>[3] = () => ({})) => {
    const ip = `198.51.100.${client++}`;
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 3; i++) {
      last = await call(limited, method, path(i), { ip, ...opts(i) });
      statuses.push(last.status);
    }
    const other = await call(limited, method, path(3), { ip: `198.51.100.${client++}`, ...opts(3) });
    return { statuses, other: other.status, ip, last: last! };
  };

  it('agent registration: 2 per minute per client, then 429 with Retry-After; other clients unaffected', async () => {
    const n = (await limited.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM agents'))[0]!.n;
    const r = await third('POST', () => REG, (i) => ({ body: { name: `Bot ${i}`, capabilities: [], webhookUrl: 'https://bot.example/h' } }));
    expect(r.statuses).toEqual([200, 200, 429]);
    expect(r.last.body).toMatchObject({ error: 'rate-limited' });
    expect(Number(r.last.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(r.other).toBe(200);
    expect((await limited.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM agents'))[0]!.n).toBe(n + 3);
  });

  it('producer registration shares the registration budget', async () => {
    const r = await third('POST', () => '/producers/register', (i) => signedRequest(PrivateKey.fromRandom(), 'POST', '/producers/register', { name: `P${i}` }));
    expect(r.statuses).toEqual([200, 200, 429]);
    const agent = await call(limited, 'POST', REG, { ip: r.ip, body: { name: 'After producers', capabilities: [], webhookUrl: 'https://bot.example/h' } });
    expect(agent.status).toBe(429);
  });

  it('pings: 2 per minute per client', async () => {
    const a = await call(limited, 'POST', REG, { ip: '198.51.100.99', body: { name: 'Pinged', capabilities: [], webhookUrl: 'https://bot.example/h' } });
    const r = await third('POST', () => `/agents/${a.body.agentId}/ping`);
    expect(r.statuses).toEqual([200, 200, 429]);
  });

  it('proofs: 2 per minute per client (limited before any proof is parsed)', async () => {
    const r = await third('POST', () => `/declarations/${'ee'.repeat(32)}/proof`, () => ({ body: { envelope: {} } }));
    expect(r.statuses).toEqual([400, 400, 429]);
  });

  it('uncached lineage reads: search on the lineage budget, node/job/run lookups on the public one', async () => {
    expect((await third('GET', (i) => `/openlineage/search?q=x${i}`)).statuses.at(-1)).toBe(429);
    expect((await third('GET', (i) => `/openlineage/runs/run-${i}`)).statuses).toEqual([404, 404, 429]);
  });
});
