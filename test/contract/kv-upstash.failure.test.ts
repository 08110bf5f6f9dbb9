/**
 * How the Upstash Kv fails when the service is down, through the real client path: the bridge
 * refuses connections, answers 503, or accepts and never answers. Every case must surface as
 * StrataError `unavailable` from the cause that applies (a refusal at once, never the timeout;
 * a silent server by the timeout), and the adapter must recover once the service is back. No
 * assertion reads the clock.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createUpstashKv } from '@strata/core/adapters/kv/index';
import type { Kv } from '@strata/core/ports/kv';
import { causes, expectUnavailable, failure, isTimeout } from '../support/failure';
import { describeWith, REDIS_URL } from '../support/reachable';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';

await describeWith(['redis'], 'Upstash Kv when the service is down', () => {
  let bridge: UpstashBridge;
  const key = `kvtest:${randomUUID()}:down`;
  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: `t-${randomUUID()}` });
  });
  afterEach(async () => bridge.setDown(false));
  afterAll(async () => bridge?.close());

  for (const custom of [false, true]) {
    const make = (timeoutMs: number): Kv =>
      createUpstashKv({ url: bridge.url, token: bridge.token, timeoutMs, fetch: custom ? (i, init) => fetch(i, init) : undefined });
    const label = custom ? 'custom fetch' : 'SDK HTTP client';

    it(`${label}: refused connections fail at once as unavailable, never by the timeout, then the same client recovers`, async () => {
      // a timeout longer than the test may run (vitest stops it after 30 s): only a failure that does not wait for it can pass
      const kv = make(600_000);
      await kv.set(key, 'v');
      await bridge.setDown(true);
      const { error } = await failure(kv.mget([key]));
      expectUnavailable(error);
      expect(isTimeout(error), causes(error).join(' <- ')).toBe(false);
      await bridge.setDown(false);
      expect(await kv.mget([key])).toEqual(['v']);
      await kv.del([key]);
    });

    it(`${label}: a server that never answers is cut off by timeoutMs`, async () => {
      const kv = make(200);
      await bridge.setDown('hang');
      const { error } = await failure(kv.incr(key, { px: 1000 }));
      expectUnavailable(error);
      // cut off by the request's AbortSignal.timeout, not by anything else
      expect(causes(error).slice(-1)[0]).toMatch(/^TimeoutError: /);
    });

    it(`${label}: a 503 with a JSON error is unavailable, not a command error`, async () => {
      const kv = make(2_000);
      await bridge.setDown('unavailable');
      for (const p of [kv.ping(), kv.exec([{ op: 'get', key }]), kv.set(key, 'x')]) expectUnavailable((await failure(p)).error);
    });

    it(`${label}: a wrong token is unavailable (401), never a silent miss`, async () => {
      const kv = createUpstashKv({ url: bridge.url, token: 'wrong', fetch: custom ? (i, init) => fetch(i, init) : undefined });
      expectUnavailable((await failure(kv.mget([key]))).error);
      expect(bridge.requests.at(-1)?.status).toBe(401);
    });
  }

  it('rejects an invalid url or empty token before any request', () => {
    expect(() => createUpstashKv({ url: 'not a url', token: 't' })).toThrow();
    expect(() => createUpstashKv({ url: bridge.url, token: '' })).toThrow();
  });
});
