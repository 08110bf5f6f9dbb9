/**
 * Storage round trips of an identity-signed write on PostgreSQL + Redis (Upstash bridge): the
 * nonce claim rides in the write's own batch, so signing costs no extra round trip; the
 * registration limit costs its one Kv round trip.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWith } from '../support/reachable';
import { tripsOf } from '../support/round-trips';
import { serviceDeps, type TestStack } from '../support/deps';
import { signedRequest } from '../support/identity';
import { call } from '../support/catalog-http';

await describeWith(['postgres', 'redis'], 'identity-signed write round trips (PostgreSQL + Upstash bridge)', () => {
  let unlimited: TestStack;
  let limited: TestStack;
  beforeAll(async () => {
    unlimited = await serviceDeps({ env: { RATE_LIMIT_PER_MIN: '0', RATE_LIMIT_REGISTER_PER_MIN: '0' } });
    limited = await serviceDeps({ env: { RATE_LIMIT_PER_MIN: '0' } });
  });
  afterAll(async () => {
    await unlimited?.close();
    await limited?.close();
  });

  it('signed producer registration: one Postgres batch (write + nonce claim + audit + outbox) and one Kv invalidation', async () => {
    const key = PrivateKey.fromRandom();
    let status = 0;
    const trips = await tripsOf(unlimited, async () => {
      status = (await call(unlimited, 'POST', '/producers/register', signedRequest(key, 'POST', '/producers/register', { name: 'Trips' }))).status;
      await unlimited.settle();
    });
    expect(status).toBe(200);
    // plus the outbox "applied" mark, handed to waitUntil (not on the request path)
    expect(trips).toEqual({ 'sql.batch': 1, 'kv.exec': 1, 'sql.query': 1 });
    expect((await unlimited.deps.sql.query('SELECT 1 FROM identity_nonces WHERE identity_key = $1', [key.toPublicKey().toString()])).length).toBe(1);
  });

  it('with the registration limit on: one more Kv round trip, nothing else', async () => {
    const key = PrivateKey.fromRandom();
    const trips = await tripsOf(limited, async () => {
      expect((await call(limited, 'POST', '/producers/register', signedRequest(key, 'POST', '/producers/register', { name: 'Trips' }))).status).toBe(200);
      await limited.settle();
    });
    // the sliding window is one Kv pipeline (exec)
    expect(trips).toEqual({ 'sql.batch': 1, 'kv.exec': 2, 'sql.query': 1 });
  });
});
