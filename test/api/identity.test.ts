/**
 * Identity-signed registration over HTTP: valid signatures, every 401 hint, replayed nonces,
 * tampered bodies, and that nothing is stored when a check fails. Embedded tiers (memory Kv).
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedDeps, type TestStack } from '../support/deps';
import { identityHeaders, signRequest } from '../support/identity';
import { call } from '../support/catalog-http';

let stack: TestStack;
beforeAll(async () => {
  stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0' });
});
afterAll(async () => stack?.close());

const key = PrivateKey.fromRandom();
const P = '/producers/register';
const count = async (table: string) => (await stack.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`))[0]!.n;

describe('identity-signed requests', () => {
  it('registers a producer with a valid signature; idempotent per key', async () => {
    const raw = JSON.stringify({ name: 'Acme Weather', website: 'https://acme.example' });
    const r = await call(stack, 'POST', '/producers/register', { raw, headers: identityHeaders(key, 'POST', P, raw) });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok', producerId: expect.stringMatching(/^prod_[0-9a-f]{16}$/) });
    const raw2 = JSON.stringify({ name: 'Acme Weather Ltd' });
    const again = await call(stack, 'POST', '/producers/register', { raw: raw2, headers: identityHeaders(key, 'POST', P, raw2) });
    expect(again.body.producerId).toBe(r.body.producerId);
    const profile = await call(stack, 'GET', `/producers/${r.body.producerId}`);
    expect(profile.body).toMatchObject({ name: 'Acme Weather Ltd', website: 'https://acme.example', identityKey: key.toPublicKey().toString() });
  });

  it('a replayed nonce is 401 nonce-replayed and changes nothing', async () => {
    const raw = JSON.stringify({ name: 'Replay Co' });
    const headers = identityHeaders(key, 'POST', P, raw, { nonce: 'nonce-replay-0001' });
    expect((await call(stack, 'POST', '/producers/register', { raw, headers })).status).toBe(200);
    const audits = await count('audit_log');
    const r = await call(stack, 'POST', '/producers/register', { raw, headers });
    expect(r.status).toBe(401);
    expect(r.body).toMatchObject({ error: 'nonce-replayed', hint: 'nonce-reused' });
    expect(await count('audit_log')).toBe(audits);
  });

  it.each([
    ['no headers', () => ({}), 'missing/invalid X-Identity-Key'],
    ['a key that is not compressed', (h: Record<string, string>) => ({ ...h, 'X-Identity-Key': `04${'11'.repeat(32)}` }), 'missing/invalid X-Identity-Key'],
    ['a short nonce', (h: Record<string, string>) => ({ ...h, 'X-Nonce': 'short' }), 'missing/invalid X-Nonce'],
    ['a nonce with a separator', (h: Record<string, string>) => ({ ...h, 'X-Nonce': 'abc def ghi' }), 'missing/invalid X-Nonce'],
    ['no timestamp', (h: Record<string, string>) => Object.fromEntries(Object.entries(h).filter(([k]) => k !== 'X-Timestamp')), 'missing/invalid X-Timestamp'],
    ['a timestamp in milliseconds', (h: Record<string, string>) => ({ ...h, 'X-Timestamp': `${h['X-Timestamp']}000` }), 'missing/invalid X-Timestamp'],
    ['a timestamp with a leading zero', (h: Record<string, string>) => ({ ...h, 'X-Timestamp': `0${h['X-Timestamp']}` }), 'missing/invalid X-Timestamp'],
    ['a malformed signature', (h: Record<string, string>) => ({ ...h, 'X-Signature': 'zz' }), 'missing/invalid X-Signature'],
    ['another key\'s signature', (h: Record<string, string>) => ({ ...h, 'X-Identity-Key': PrivateKey.fromRandom().toPublicKey().toString() }), 'signature-invalid'],
  ])('401 for %s, nothing stored', async (_name, mutate, hint) => {
    const raw = JSON.stringify({ name: 'Mallory' });
    const producers = await count('producers');
    const r = await call(stack, 'POST', '/producers/register', { raw, headers: mutate(identityHeaders(key, 'POST', P, raw)) as Record<string, string> });
    expect(r.status).toBe(401);
    expect(r.headers.get('content-type')).toBe('application/problem+json');
    expect(r.body).toMatchObject({ error: 'invalid-signature', hint });
    expect(await count('producers')).toBe(producers);
  });

  it('a body changed after signing does not verify', async () => {
    const raw = JSON.stringify({ name: 'Original' });
    const h = signRequest(key, { method: 'POST', path: P, body: raw });
    const r = await call(stack, 'POST', '/producers/register', {
      raw: JSON.stringify({ name: 'Tampered' }),
      headers: { 'X-Identity-Key': h.identityKey, 'X-Timestamp': h.timestamp, 'X-Nonce': h.nonce, 'X-Signature': h.signature },
    });
    expect(r.status).toBe(401);
    expect(r.body.hint).toBe('signature-invalid');
  });

  it('a failed signature does not burn the nonce', async () => {
    const raw = JSON.stringify({ name: 'Nonce keeper' });
    const good = identityHeaders(key, 'POST', P, raw, { nonce: 'nonce-keep-00001' });
    const bad = { ...good, 'X-Signature': identityHeaders(PrivateKey.fromRandom(), 'POST', P, raw, { nonce: 'nonce-keep-00001' })['X-Signature']! };
    expect((await call(stack, 'POST', '/producers/register', { raw, headers: bad })).status).toBe(401);
    expect((await call(stack, 'POST', '/producers/register', { raw, headers: good })).status).toBe(200);
  });

  it('an invalid registration body is 400 after a valid signature, nothing stored', async () => {
    const raw = JSON.stringify({ website: 'javascript:alert(1)' });
    const producers = await count('producers');
    const r = await call(stack, 'POST', '/producers/register', { raw, headers: identityHeaders(PrivateKey.fromRandom(), 'POST', P, raw) });
    expect(r.status).toBe(400);
    expect(r.body.error).toBe('validation-failed');
    expect(await count('producers')).toBe(producers);
  });
});
