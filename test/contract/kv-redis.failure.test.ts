/**
 * How the Redis (TCP) Kv fails when Redis is down, through a TCP proxy in front of the real
 * redis-server: refused connections, a server that accepts and never answers, and Redis gone
 * before the first command. Every case must surface as StrataError `unavailable`, from the
 * cause that applies (a refusal at once, never the timeout; a silent server by the timeout);
 * the same Kv must recover by itself; and a command refused during the outage must never run
 * later (no offline queue). No assertion reads the clock: a refusal is proved by a timeout far
 * longer than the test's own limit and an error that names no deadline.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { createRedisKv } from '@strata/core/adapters/kv/redis';
import type { Kv } from '@strata/core/ports/kv';
import { causes, expectUnavailable, failure, isTimeout } from '../support/failure';
import { describeWith, REDIS_URL } from '../support/reachable';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';

/** Retries `f` until it resolves (the client reconnects with backoff of at most 2 s). */
async function eventually<T>(f: () => Promise<T>, withinMs = 8_000): Promise<T> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** A timeout no test outlives (vitest stops a test after 30 s): a call that waited for it would fail the test. */
const NEVER_MS = 600_000;

await describeWith(['redis'], 'Redis Kv when the server is down', () => {
  let proxy: TcpProxy;
  const kvs: Kv[] = [];
  const target = new URL(REDIS_URL);
  const make = (timeoutMs: number, url = `redis://${proxy.host}:${proxy.port}`): Kv => {
    const kv = createRedisKv({ url, timeoutMs });
    kvs.push(kv);
    return kv;
  };
  const key = () => `kvtest:${randomUUID()}:down`;

  beforeAll(async () => {
    proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  });
  afterEach(async () => {
    await proxy.setDown(false);
    for (const kv of kvs.splice(0)) await kv.close();
  });
  afterAll(async () => proxy?.close());

  it('the first commands of a new client wait for the connection being opened (one shared wait)', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const kv = make(2_000);
      const all = await Promise.all(Array.from({ length: 50 }, () => kv.mget(['kvtest:first'])));
      expect(all).toEqual(Array.from({ length: 50 }, () => [null]));
      await new Promise((r) => setTimeout(r, 50));
      // 50 waiters each listening for 'ready' would trip the EventEmitter leak warning
      expect(warnings).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('refused connections fail at once as unavailable, never by the timeout, then the same client recovers', async () => {
    // a timeout longer than the test may run: only a failure that does not wait for it can pass
    const kv = make(NEVER_MS);
    const k = key();
    await kv.set(k, 'v');
    await proxy.setDown(true);
    const { error } = await failure(kv.mget([k]));
    expectUnavailable(error);
    expect(isTimeout(error), causes(error).join(' <- ')).toBe(false);
    // while it is down, every call keeps failing at once: the client knows it is reconnecting
    const again = await failure(kv.set(k, 'w'));
    expectUnavailable(again.error);
    expect(causes(again.error)[0]).toMatch(/connection is (reconnecting|connecting|close|end)/);
    await proxy.setDown(false);
    expect(await eventually(() => kv.mget([k]))).toEqual(['v']);
    await kv.del([k]);
  });

  it('a command refused during the outage never runs afterwards', async () => {
    const kv = make(2_000);
    const k = key();
    await kv.ping();
    await proxy.setDown(true);
    expectUnavailable((await failure(kv.set(k, 'late', { nx: true, px: 60_000 }))).error);
    expectUnavailable((await failure(kv.incr(`${k}:n`))).error);
    await proxy.setDown(false);
    await eventually(() => kv.ping());
    // give a queued command every chance to have been flushed on reconnect
    await new Promise((r) => setTimeout(r, 200));
    expect(await kv.mget([k, `${k}:n`])).toEqual([null, null]);
  });

  it('a server that accepts and never answers is cut off by timeoutMs, and the client recovers when it answers again', async () => {
    const kv = make(200);
    const k = key();
    await kv.set(k, 'before');
    await proxy.setDown('hang');
    const { error } = await failure(kv.incr(`${k}:n`, { px: 1_000 }));
    expectUnavailable(error);
    // cut off by the command timeout, not by anything else
    expect(causes(error)).toEqual(['StrataError: Kv is unavailable: Command timed out', 'Error: Command timed out']);
    await proxy.setDown(false);
    expect(await eventually(() => kv.mget([k]))).toEqual(['before']);
    await kv.del([k, `${k}:n`]);
  });

  it('Redis unreachable from the start: commands fail as unavailable at once (the refusal, not the timeout); it connects once Redis is there', async () => {
    // a port nobody listens on (taken and released), then a proxy started on it later
    const free = net.createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', () => r()));
    const port = (free.address() as net.AddressInfo).port;
    await new Promise<void>((r) => free.close(() => r()));
    const kv = make(NEVER_MS, `redis://127.0.0.1:${port}`);
    const { error } = await failure(kv.mget(['kvtest:nothing']));
    expectUnavailable(error);
    expect(isTimeout(error), causes(error).join(' <- ')).toBe(false);
    const late = net.createServer((c) => {
      const up = net.connect({ host: target.hostname, port: Number(target.port || 6379) });
      c.pipe(up).pipe(c);
      c.on('error', () => up.destroy());
      up.on('error', () => c.destroy());
    });
    await new Promise<void>((r) => late.listen(port, '127.0.0.1', () => r()));
    try {
      expect(await eventually(() => kv.mget(['kvtest:nothing']))).toEqual([null]);
    } finally {
      await kv.close();
      await new Promise<void>((r) => late.close(() => r()));
    }
  });

  it('a closed Kv refuses further commands as unavailable', async () => {
    const kv = make(1_000);
    await kv.ping();
    await kv.close();
    expectUnavailable((await failure(kv.mget(['kvtest:x']))).error);
  });
});
