/**
 * Public-read rate limiting: sliding window over two fixed-window counters in Kv, one Kv round
 * trip per check, RateLimit-* headers, 429 problem+json with Retry-After, fail-open when Kv is
 * unreachable (and /health says so). Memory Kv with a manual clock, and Redis via the bridge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryKv } from '@strata/core/adapters/kv/memory';
import { countKv } from '@strata/core/observability/instrument';
import { manualClock } from '@strata/core/ports/clock';
import { createRateLimiter, rateLimitId, retryAfterMs } from '@strata/core/ratelimit/index';
import { describeWith } from '../support/reachable';
import { embeddedDeps, serviceDeps, type TestStack } from '../support/deps';
import { makePublication } from '../support/dlm1';
import { call } from '../support/catalog-http';

describe('sliding window limiter (memory Kv, manual clock)', () => {
  it('allows `limit` per window, weights the previous window, and costs one Kv round trip per check', async () => {
    const clock = manualClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    let trips = 0;
    const kv = countKv(createMemoryKv({ clock }), () => trips++);
    const rl = createRateLimiter({ kv, clock, limit: 10, scope: 't' });
    for (let i = 0; i < 10; i++) expect((await rl.check('a')).allowed).toBe(true);
    const over = await rl.check('a');
    expect(over).toMatchObject({ allowed: false, remaining: 0, failOpen: false });
    expect(over.retryAfterSec).toBeGreaterThanOrEqual(1);
    expect(trips).toBe(11);
    expect((await rl.check('b')).allowed).toBe(true); // per client

    // half-way into the next window the previous 11 count for half: 5.5 + 1 ≤ 10 → allowed until the estimate passes 10
    clock.advance(60_000 + 30_000);
    const results = [];
    for (let i = 0; i < 6; i++) results.push((await rl.check('a')).allowed);
    expect(results).toEqual([true, true, true, true, false, false]);
    // two windows later the counters are gone
    clock.advance(120_000);
    expect((await rl.check('a')).remaining).toBe(9);
  });

  it('retry-after points at the moment the next request fits', () => {
    expect(retryAfterMs({ prev: 0, cur: 11, limit: 10, elapsedMs: 10_000, windowMs: 60_000 })).toBeCloseTo(50_000 + 60_000 * (1 - 9 / 11), 0);
    expect(retryAfterMs({ prev: 20, cur: 5, limit: 10, elapsedMs: 30_000, windowMs: 60_000 })).toBeCloseTo(60_000 * (1 - 4 / 20) - 30_000, 0);
  });

  it('fails open when Kv throws, and reports it until Kv answers again', async () => {
    const clock = manualClock();
    const mem = createMemoryKv({ clock });
    let down = true;
    const kv = { ...mem, exec: (c: Parameters<typeof mem.exec>[0]) => (down ? Promise.reject(new Error('kv down')) : mem.exec(c)) };
    const rl = createRateLimiter({ kv, clock, limit: 1, scope: 't' });
    for (let i = 0; i < 3; i++) expect(await rl.check('a')).toMatchObject({ allowed: true, failOpen: true });
    expect(rl.health()).toMatchObject({ failOpen: true, failures: 3 });
    down = false;
    expect((await rl.check('a')).failOpen).toBe(false);
    expect(rl.health().failOpen).toBe(false);
  });

  it('keeps identifiers Kv-safe', () => {
    expect(rateLimitId('203.0.113.7')).toBe('203.0.113.7');
    expect(rateLimitId('2001:db8::1')).toBe('2001:db8::1');
    expect(rateLimitId('a b|c\n')).toMatch(/^h\.[0-9a-f]+\.\d+$/);
  });
});

describe('rate limiting over HTTP (embedded)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '3' });
  });
  afterAll(async () => stack?.close());

  it('sends RateLimit-* headers and answers 429 problem+json with Retry-After; limits per client', async () => {
    const seen = [];
    for (let i = 0; i < 3; i++) {
      const r = await call(stack, 'GET', '/listings', { ip: '198.51.100.1' });
      expect(r.status).toBe(200);
      expect(r.headers.get('ratelimit-limit')).toBe('3');
      seen.push(Number(r.headers.get('ratelimit-remaining')));
      expect(Number(r.headers.get('ratelimit-reset'))).toBeGreaterThan(0);
    }
    expect(seen[0]).toBeGreaterThan(seen[2]!);
    const limited = await call(stack, 'GET', `/listings/${'a'.repeat(64)}`, { ip: '198.51.100.1' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    expect(limited.body.error).toBe('rate-limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(limited.headers.get('ratelimit-remaining')).toBe('0');
    expect((await call(stack, 'GET', '/listings', { ip: '198.51.100.2' })).status).toBe(200);
    // writes and health are not limited by the public read limiter
    expect((await call(stack, 'GET', '/health', { ip: '198.51.100.1' })).headers.get('ratelimit-limit')).toBeNull();
  });
});

describe('publish rate limiting over HTTP (embedded)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps({ RATE_LIMIT_SUBMIT_PER_MIN: '2', RATE_LIMIT_PER_MIN: '100' });
  });
  afterAll(async () => stack?.close());

  it('POST /submit has its own per-client budget: over it 429 and nothing stored; reads keep theirs', async () => {
    const submit = (ip: string) => {
      const p = makePublication({ datasetId: 'ds-limited' });
      return call(stack, 'POST', '/submit', { ip, body: { rawTx: p.rawTx, manifest: p.manifest } }).then((r) => ({ r, p }));
    };
    for (let i = 0; i < 2; i++) {
      const { r } = await submit('198.51.100.7');
      expect(r.status).toBe(201);
      expect(r.headers.get('ratelimit-limit')).toBe('2');
    }
    const { r: over, p } = await submit('198.51.100.7');
    expect(over.status).toBe(429);
    expect(over.body.error).toBe('rate-limited');
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await stack.deps.sql.query('SELECT 1 FROM manifests WHERE version_id = $1', [p.versionId])).toEqual([]);
    expect((await submit('198.51.100.8')).r.status).toBe(201);
    const read = await call(stack, 'GET', '/listings', { ip: '198.51.100.7' });
    expect(read.status).toBe(200);
    expect(read.headers.get('ratelimit-limit')).toBe('100');
  });
});

await describeWith(['postgres', 'redis'], 'rate limiting on Redis through the Upstash bridge', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await serviceDeps({ env: { RATE_LIMIT_PER_MIN: '2' } });
  });
  afterAll(async () => {
    await stack?.upstash?.setDown(false);
    await stack?.close();
  });

  it('limits through Redis; with Kv down reads pass (fail open) and /health reports it truthfully', async () => {
    const ip = '192.0.2.9';
    expect((await call(stack, 'GET', '/listings', { ip })).status).toBe(200);
    expect((await call(stack, 'GET', '/listings', { ip })).status).toBe(200);
    expect((await call(stack, 'GET', '/listings', { ip })).status).toBe(429);
    const healthy = await call(stack, 'GET', '/health');
    expect(healthy.body.rateLimit.failOpen).toBe(false);

    await stack.upstash!.setDown(true);
    const open = await call(stack, 'GET', '/listings', { ip });
    expect(open.status).toBe(200);
    expect((await call(stack, 'GET', '/health')).body.rateLimit.failOpen).toBe(true);

    await stack.upstash!.setDown(false);
    expect((await call(stack, 'GET', '/listings', { ip: '192.0.2.10' })).status).toBe(200);
    expect((await call(stack, 'GET', '/health')).body.rateLimit.failOpen).toBe(false);
  });
});
