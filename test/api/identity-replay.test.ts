/**
 * Identity signatures cannot be replayed (issue 14): nonces live in PostgreSQL, claimed by the
 * write they authorise, so neither a memory-store eviction nor a Redis restart reopens a
 * replay; a capture is bound to its method, path and time; one nonce, many concurrent uses →
 * one success; a failed write leaves its nonce unused; pruning forgets only what the window
 * would refuse anyway.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@strata/core/ports/clock';
import { runScheduledJobs } from '@strata/core/jobs/schedule';
import { embeddedDeps, serviceDeps, type TestStack } from '../support/deps';
import { identityHeaders, signedRequest } from '../support/identity';
import { describeWith } from '../support/reachable';
import { startOwnRedis, type OwnRedis } from '../support/redis-server';
import { call } from '../support/catalog-http';

const REG = '/producers/register';

async function count(stack: TestStack, sql: string, params: unknown[] = []): Promise<number> {
  return (await stack.deps.sql.query<{ n: number }>(sql, params as never))[0]!.n;
}
const nonceRows = (stack: TestStack, nonce: string) => count(stack, 'SELECT count(*)::int AS n FROM identity_nonces WHERE nonce = $1', [nonce]);
const auditRows = (stack: TestStack) => count(stack, `SELECT count(*)::int AS n FROM audit_log WHERE action = 'catalog.producer.register'`);
const website = async (stack: TestStack, key: PrivateKey) =>
  (await stack.deps.sql.query<{ website: string | null }>('SELECT website FROM producers WHERE identity_key = $1', [key.toPublicKey().toString()]))[0]?.website;

/** Sends the same signed request `n` times at once; returns the statuses. */
async function concurrently(stack: TestStack, n: number, req: { raw?: string; headers: Record<string, string> }): Promise<number[]> {
  return (await Promise.all(Array.from({ length: n }, () => call(stack, 'POST', REG, req)))).map((r) => r.status);
}

describe('identity nonces on the embedded default', () => {
  let stack: TestStack;
  // on a whole second, so the window's edges are exact
  const clock = manualClock(Math.floor(Date.now() / 1000) * 1000);
  const nowSec = () => Math.floor(clock.now() / 1000);
  beforeAll(async () => {
    // the smallest memory store the schema allows: a few hundred cheap entries evict everything
    stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', RATE_LIMIT_REGISTER_PER_MIN: '0', KV_MEMORY_MAX_ENTRIES: '100' }, { clock });
  });
  afterAll(async () => stack?.close());

  it('a replay is refused after the memory store has evicted every earlier entry', async () => {
    const key = PrivateKey.fromRandom();
    const first = signedRequest(key, 'POST', REG, { website: 'https://a.example' }, { timestamp: nowSec() });
    expect((await call(stack, 'POST', REG, first)).status).toBe(200);
    expect((await call(stack, 'POST', REG, signedRequest(key, 'POST', REG, { website: 'https://b.example' }, { timestamp: nowSec() }))).status).toBe(200);
    // flood the store (what cheap unauthenticated reads do) and show the flood really evicted
    await stack.deps.kv.set('probe:first', '1');
    for (let i = 0; i < 400; i++) await stack.deps.kv.set(`flood:${i}`, 'x');
    expect(await stack.deps.kv.mget(['probe:first'])).toEqual([null]);
    const audits = await auditRows(stack);
    const replay = await call(stack, 'POST', REG, first);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'nonce-replayed', hint: 'nonce-reused' });
    expect(await website(stack, key)).toBe('https://b.example');
    expect(await auditRows(stack)).toBe(audits);
  });

  it('a captured signature is refused on another path, with another query, or with its timestamp changed', async () => {
    const key = PrivateKey.fromRandom();
    const agent = await call(stack, 'POST', '/agents/register', signedRequest(key, 'POST', '/agents/register', { name: 'A', capabilities: [], webhookUrl: 'https://a.example/hook' }, { timestamp: nowSec() }));
    const other = await call(stack, 'POST', '/agents/register', signedRequest(key, 'POST', '/agents/register', { name: 'B', capabilities: [], webhookUrl: 'https://b.example/hook' }, { timestamp: nowSec() }));
    expect([agent.status, other.status]).toEqual([200, 200]);
    // captured before delivery: a ping for agent A (empty body)
    const capture = identityHeaders(key, 'POST', `/agents/${agent.body.agentId}/ping`, '', { timestamp: nowSec() });
    for (const [path, raw] of [[`/agents/${other.body.agentId}/ping`, undefined], [`/agents/${agent.body.agentId}/ping?status=down`, undefined], [REG, '']] as const) {
      const r = await call(stack, 'POST', path, { headers: capture, ...(raw === undefined ? {} : { raw }) });
      expect(r.status, path).toBe(401);
      expect(r.body).toMatchObject({ error: 'invalid-signature', hint: 'signature-invalid' });
    }
    const shifted = await call(stack, 'POST', `/agents/${agent.body.agentId}/ping`, { headers: { ...capture, 'X-Timestamp': String(Number(capture['X-Timestamp']) + 1) } });
    expect(shifted.body).toMatchObject({ error: 'invalid-signature', hint: 'signature-invalid' });
    expect((await call(stack, 'GET', `/agents/${other.body.agentId}`)).body.status).toBe('unknown');
    // the capture itself is still good where it was meant to go (none of the above used its nonce)
    expect((await call(stack, 'POST', `/agents/${agent.body.agentId}/ping`, { headers: capture })).status).toBe(200);
  });

  it('stale and future timestamps are refused; the edges of the window are accepted', async () => {
    const key = PrivateKey.fromRandom();
    const producers = await count(stack, 'SELECT count(*)::int AS n FROM producers');
    for (const offset of [-301, 301, -86_400, 86_400]) {
      const r = await call(stack, 'POST', REG, signedRequest(key, 'POST', REG, { name: 'Late' }, { timestamp: nowSec() + offset }));
      expect(r.status, `offset ${offset}`).toBe(401);
      expect(r.body).toMatchObject({ error: 'invalid-signature', hint: 'timestamp-outside-window' });
    }
    expect(await count(stack, 'SELECT count(*)::int AS n FROM producers')).toBe(producers);
    for (const offset of [-300, 300]) {
      expect((await call(stack, 'POST', REG, signedRequest(key, 'POST', REG, { name: 'On time' }, { timestamp: nowSec() + offset }))).status, `offset ${offset}`).toBe(200);
    }
  });

  it('the same nonce in eight concurrent requests: exactly one succeeds, one claim, one audit row', async () => {
    const key = PrivateKey.fromRandom();
    const req = signedRequest(key, 'POST', REG, { name: 'Once' }, { nonce: 'concurrent-embedded-1', timestamp: nowSec() });
    const audits = await auditRows(stack);
    const statuses = await concurrently(stack, 8, req);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(7);
    expect(await nonceRows(stack, 'concurrent-embedded-1')).toBe(1);
    expect(await auditRows(stack)).toBe(audits + 1);
  });

  it('a write that fails leaves its nonce unused; the same signed request then succeeds', async () => {
    const key = PrivateKey.fromRandom();
    const req = signedRequest(key, 'POST', REG, { name: 'Refused by the database' }, { nonce: 'failed-write-0001', timestamp: nowSec() });
    await stack.deps.sql.query(`ALTER TABLE producers ADD CONSTRAINT test_no_refused CHECK (display_name <> 'Refused by the database')`);
    try {
      const r = await call(stack, 'POST', REG, req);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(await nonceRows(stack, 'failed-write-0001')).toBe(0);
    } finally {
      await stack.deps.sql.query('ALTER TABLE producers DROP CONSTRAINT test_no_refused');
    }
    expect((await call(stack, 'POST', REG, req)).status).toBe(200);
    expect(await nonceRows(stack, 'failed-write-0001')).toBe(1);
    expect((await call(stack, 'POST', REG, req)).status).toBe(401);
  });

  it('the prune schedule forgets only nonces whose timestamp has left the window (+60 s margin)', async () => {
    const key = PrivateKey.fromRandom();
    const t0 = nowSec();
    const old = signedRequest(key, 'POST', REG, { name: 'Old' }, { nonce: 'prune-old-00001', timestamp: t0 });
    expect((await call(stack, 'POST', REG, old)).status).toBe(200);
    clock.advance(200_000);
    expect((await call(stack, 'POST', REG, signedRequest(key, 'POST', REG, { name: 'Young' }, { nonce: 'prune-young-0001', timestamp: nowSec() }))).status).toBe(200);
    clock.advance(150_000); // t0 + 350 s: outside the window, inside the margin
    const [kept] = await runScheduledJobs(stack.deps, ['identity-nonce-prune']);
    expect(kept).toMatchObject({ status: 'ok' });
    expect(await nonceRows(stack, 'prune-old-00001')).toBe(1);
    clock.advance(20_000); // t0 + 370 s
    const [run] = await runScheduledJobs(stack.deps, ['identity-nonce-prune']);
    expect(run).toMatchObject({ status: 'ok' });
    expect((run as unknown as { result: { deleted: number } }).result.deleted).toBeGreaterThanOrEqual(1);
    expect(await nonceRows(stack, 'prune-old-00001')).toBe(0);
    expect(await nonceRows(stack, 'prune-young-0001')).toBe(1);
    // forgotten, and still not replayable: its timestamp is refused first
    const replay = await call(stack, 'POST', REG, old);
    expect(replay.body).toMatchObject({ error: 'invalid-signature', hint: 'timestamp-outside-window' });
  });
});

await describeWith(['postgres'], 'identity nonces on PostgreSQL, cache on a Redis that restarts', () => {
  let stack: TestStack;
  let redis: OwnRedis;
  beforeAll(async () => {
    redis = await startOwnRedis();
    stack = await serviceDeps({ kv: 'redis', env: { REDIS_URL: redis.url, RATE_LIMIT_PER_MIN: '0', RATE_LIMIT_REGISTER_PER_MIN: '0', KV_TIMEOUT_MS: '500' } });
  }, 60_000);
  afterAll(async () => {
    await stack?.close();
    await redis?.close();
  });

  const reconnected = async () => {
    for (let i = 0; i < 100; i++) {
      if (await stack.deps.kv.ping().then(() => true, () => false)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('the Kv client did not reconnect');
  };

  it('a captured request stays refused after Redis restarts empty, and while Redis is down', async () => {
    const key = PrivateKey.fromRandom();
    const a = signedRequest(key, 'POST', REG, { website: 'https://a.example' });
    expect((await call(stack, 'POST', REG, a)).status).toBe(200);
    expect((await call(stack, 'POST', REG, signedRequest(key, 'POST', REG, { website: 'https://b.example' }))).status).toBe(200);
    expect((await call(stack, 'POST', REG, a)).status).toBe(401);

    await redis.kill(); // a fresh, empty server on the same port
    await redis.start();
    await reconnected();
    expect(await stack.deps.kv.mget(['anything'])).toEqual([null]);
    const afterRestart = await call(stack, 'POST', REG, a);
    expect(afterRestart.status).toBe(401);
    expect(afterRestart.body).toMatchObject({ error: 'nonce-replayed' });
    expect(await website(stack, key)).toBe('https://b.example');

    await redis.kill();
    try {
      const whileDown = await call(stack, 'POST', REG, a);
      expect(whileDown.status).toBe(401);
      expect(whileDown.body).toMatchObject({ error: 'nonce-replayed' });
      // signed writes no longer depend on the cache tier at all
      expect((await call(stack, 'POST', REG, signedRequest(key, 'POST', REG, { website: 'https://c.example' }))).status).toBe(200);
    } finally {
      await redis.start();
      await reconnected();
    }
    expect(await website(stack, key)).toBe('https://c.example');
  }, 60_000);

  it('the same nonce in eight concurrent requests on PostgreSQL: exactly one succeeds', async () => {
    const key = PrivateKey.fromRandom();
    const req = signedRequest(key, 'POST', REG, { name: 'Once on PostgreSQL' }, { nonce: 'concurrent-postgres-1' });
    const audits = await auditRows(stack);
    const statuses = await concurrently(stack, 8, req);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(7);
    expect(await nonceRows(stack, 'concurrent-postgres-1')).toBe(1);
    expect(await auditRows(stack)).toBe(audits + 1);
  });
});
