/**
 * The identity middleware's two ways of claiming a nonce, on routes mounted for the test: the
 * default (`identity(mode)`, what new signed routes get without doing anything: claimed in
 * PostgreSQL just before the handler) and `nonce: 'in-write'` when the handler forgets to claim.
 */
import { PrivateKey } from '@bsv/sdk';
import type { MiddlewareHandler } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityKeyOf } from '@strata/core/context';
import { identity } from '@strata/functions/middleware/identity';
import type { AppEnv } from '@strata/functions/env';
import { embeddedDeps, type TestStack } from '../support/deps';
import { signedRequest } from '../support/identity';
import { call } from '../support/catalog-http';

let stack: TestStack;
const logged: string[] = [];
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0', LOG_LEVEL: 'error' }, { logSink: (l) => logged.push(l) });
  await stack.deps.sql.query('CREATE TABLE t_effects (id serial PRIMARY KEY, note text NOT NULL)');
  const effect = async (note: string) => stack.deps.sql.query('INSERT INTO t_effects (note) VALUES ($1)', [note]);
  const mw = (h: unknown) => h as MiddlewareHandler<AppEnv>;
  stack.app.post('/t/default', mw(identity('required')), async (c) => {
    const body = (await c.req.json()) as { note: string; fail?: boolean };
    if (body.fail) throw new Error('the write failed');
    await effect(`${identityKeyOf(c.get('ctx'))}:${body.note}`);
    return c.json({ ok: true });
  });
  stack.app.post('/t/forgetful', mw(identity('required', { nonce: 'in-write' })), async (c) => {
    await effect('forgetful');
    return c.json({ ok: true });
  });
});
afterAll(async () => stack?.close());

const effects = async () => (await stack.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM t_effects'))[0]!.n;
const claimed = async (nonce: string) => (await stack.deps.sql.query('SELECT 1 FROM identity_nonces WHERE nonce = $1', [nonce])).length;

describe('identity(mode) without options: the nonce is claimed before the handler', () => {
  it('runs the handler once; the replay is 401 nonce-replayed and has no effect', async () => {
    const key = PrivateKey.fromRandom();
    const req = signedRequest(key, 'POST', '/t/default', { note: 'once' }, { nonce: 'default-mode-0001' });
    const before = await effects();
    expect((await call(stack, 'POST', '/t/default', req)).status).toBe(200);
    expect(await claimed('default-mode-0001')).toBe(1);
    const replay = await call(stack, 'POST', '/t/default', req);
    expect(replay.status).toBe(401);
    expect(replay.body).toMatchObject({ error: 'nonce-replayed' });
    expect(await effects()).toBe(before + 1);
  });

  it('a bad signature never reaches the nonce store; a failed handler has used its nonce (retry with a fresh one)', async () => {
    const key = PrivateKey.fromRandom();
    const bad = signedRequest(PrivateKey.fromRandom(), 'POST', '/t/default', { note: 'x' }, { nonce: 'default-mode-0002' });
    bad.headers['X-Identity-Key'] = key.toPublicKey().toString();
    expect((await call(stack, 'POST', '/t/default', bad)).status).toBe(401);
    expect(await claimed('default-mode-0002')).toBe(0);
    const failing = signedRequest(key, 'POST', '/t/default', { note: 'x', fail: true }, { nonce: 'default-mode-0003' });
    expect((await call(stack, 'POST', '/t/default', failing)).status).toBe(500);
    expect(await claimed('default-mode-0003')).toBe(1);
    expect((await call(stack, 'POST', '/t/default', signedRequest(key, 'POST', '/t/default', { note: 'retry' }))).status).toBe(200);
  });
});

describe("nonce: 'in-write' on a handler that does not claim it", () => {
  it('the nonce is claimed after the answer and the omission logged as an error', async () => {
    const req = signedRequest(PrivateKey.fromRandom(), 'POST', '/t/forgetful', '', { nonce: 'forgetful-00001' });
    expect((await call(stack, 'POST', '/t/forgetful', req)).status).toBe(200);
    expect(await claimed('forgetful-00001')).toBe(1);
    expect(logged.some((l) => l.includes('without claiming its nonce'))).toBe(true);
  });
});
