/**
 * One Kv contract, run against every adapter: memory always; when Redis is reachable, Upstash
 * (through the local REST bridge in front of redis-server, with the real @upstash/redis client)
 * and Redis over TCP (ioredis, straight to redis-server).
 * Upstash keys get a random prefix per test and are deleted afterwards, so files never collide.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMemoryKv, createUpstashKv, KvCommandError } from '@strata/core/adapters/kv/index';
import { createRedisKv } from '@strata/core/adapters/kv/redis';
import { manualClock } from '@strata/core/ports/clock';
import type { Kv } from '@strata/core/ports/kv';
import { describeWith, REDIS_URL } from '../support/reachable';
import { acquireRedisDb } from '../support/redis-db';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';

interface Fixture {
  kv: Kv;
  /** Lets time pass: moves a manual clock, or really sleeps for a server. */
  advance(ms: number): Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function kvContract(setup: () => Fixture) {
  let f: Fixture;
  let prefix: string;
  const used = new Set<string>();
  const key = (name: string) => {
    const k = `kvtest:${prefix}:${name}`;
    used.add(k);
    return k;
  };

  beforeEach(() => {
    f = setup();
    prefix = randomUUID();
  });
  afterEach(async () => {
    if (used.size > 0) await f.kv.del([...used]);
    used.clear();
    await f.kv.close();
  });

  it('mget returns null for missing keys, in key order, and [] for no keys', async () => {
    await f.kv.set(key('b'), 'B');
    expect(await f.kv.mget([key('a'), key('b'), key('c')])).toEqual([null, 'B', null]);
    expect(await f.kv.mget([])).toEqual([]);
  });

  it('set then mget returns exactly the stored strings (no JSON or number coercion)', async () => {
    const values = ['42', '{"a":1}', 'OK', 'ünïcødé ✓ 🚀', '', 'null', ' 7 '];
    for (const [i, v] of values.entries()) expect(await f.kv.set(key(`v${i}`), v)).toBe(true);
    expect(await f.kv.mget(values.map((_, i) => key(`v${i}`)))).toEqual(values);
  });

  it('expires a key after px milliseconds', async () => {
    await f.kv.set(key('t'), 'x', { px: 100 });
    expect(await f.kv.mget([key('t')])).toEqual(['x']);
    await f.advance(250);
    expect(await f.kv.mget([key('t')])).toEqual([null]);
  });

  it('a plain set drops an earlier expiry (Redis SET semantics)', async () => {
    await f.kv.set(key('t'), 'x', { px: 100 });
    await f.kv.set(key('t'), 'y');
    await f.advance(250);
    expect(await f.kv.mget([key('t')])).toEqual(['y']);
  });

  it('nx returns false and does not overwrite an existing key; true once the key is gone', async () => {
    expect(await f.kv.set(key('n'), 'first', { nx: true, px: 100 })).toBe(true);
    expect(await f.kv.set(key('n'), 'second', { nx: true })).toBe(false);
    expect(await f.kv.mget([key('n')])).toEqual(['first']);
    await f.advance(250);
    expect(await f.kv.set(key('n'), 'third', { nx: true })).toBe(true);
    expect(await f.kv.mget([key('n')])).toEqual(['third']);
  });

  it('rejects a non-positive or fractional px with the Redis error', async () => {
    await expect(f.kv.set(key('p'), 'x', { px: 0 })).rejects.toThrow(/ERR invalid expire time/);
    await expect(f.kv.incr(key('p'), { px: 1.5 })).rejects.toThrow(/ERR invalid expire time/);
    expect(await f.kv.mget([key('p')])).toEqual([null]);
  });

  it('del counts only keys that existed (duplicates once) and removes them', async () => {
    await f.kv.set(key('a'), '1');
    await f.kv.set(key('b'), '2');
    expect(await f.kv.del([key('a'), key('b'), key('a'), key('missing')])).toBe(2);
    expect(await f.kv.mget([key('a'), key('b')])).toEqual([null, null]);
    expect(await f.kv.del([key('a')])).toBe(0);
    expect(await f.kv.del([])).toBe(0);
  });

  it('incr starts at 1 and is atomic under 200 concurrent callers', async () => {
    expect(await f.kv.incr(key('solo'))).toBe(1);
    expect(await f.kv.incr(key('solo'))).toBe(2);
    const results = await Promise.all(Array.from({ length: 200 }, () => f.kv.incr(key('c'), { px: 60_000 })));
    expect([...results].sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(await f.kv.mget([key('c')])).toEqual(['200']);
  });

  it('incr px applies on the first write only; later incr calls do not extend it', async () => {
    expect(await f.kv.incr(key('w'), { px: 600 })).toBe(1);
    await f.advance(400);
    expect(await f.kv.incr(key('w'), { px: 600 })).toBe(2);
    await f.advance(400); // 800 ms after the first write: gone unless the second incr extended it
    expect(await f.kv.mget([key('w')])).toEqual([null]);
    expect(await f.kv.incr(key('w'), { px: 600 })).toBe(1);
  });

  it('incr px adds an expiry to an existing key that had none, and keeps one set by SET', async () => {
    await f.kv.set(key('plain'), '5');
    expect(await f.kv.incr(key('plain'), { px: 100 })).toBe(6);
    await f.kv.set(key('timed'), '5', { px: 100 });
    expect(await f.kv.incr(key('timed'))).toBe(6);
    await f.advance(250);
    expect(await f.kv.mget([key('plain'), key('timed')])).toEqual([null, null]);
  });

  it('incr on a non-integer value throws the Redis error and leaves the value alone', async () => {
    await f.kv.set(key('s'), 'abc');
    const err = await f.kv.incr(key('s')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KvCommandError);
    expect((err as Error).message).toBe('ERR value is not an integer or out of range');
    await f.kv.set(key('big'), '9223372036854775807');
    await expect(f.kv.incr(key('big'))).rejects.toThrow(/overflow/);
    expect(await f.kv.mget([key('s'), key('big')])).toEqual(['abc', '9223372036854775807']);
  });

  for (const atomic of [false, true]) {
    it(`exec (atomic: ${atomic}) runs commands in order with one typed result each`, async () => {
      const results = await f.kv.exec(
        [
          { op: 'set', key: key('a'), value: '1' },
          { op: 'get', key: key('a') },
          { op: 'incr', key: key('n') },
          { op: 'incr', key: key('n'), px: 100 },
          { op: 'set', key: key('a'), value: 'x', nx: true },
          { op: 'del', keys: [key('a'), key('zz')] },
          { op: 'get', key: key('a') },
          { op: 'set', key: key('a'), value: '2', nx: true, px: 100 },
        ],
        { atomic },
      );
      expect(results).toEqual([true, '1', 1, 2, false, 1, null, true]);
      await f.advance(250);
      expect(await f.kv.mget([key('a'), key('n')])).toEqual([null, null]);
    });

    it(`exec (atomic: ${atomic}) still runs the other commands when one fails, then throws its error`, async () => {
      const batch = f.kv.exec(
        [
          { op: 'set', key: key('s'), value: 'abc' },
          { op: 'incr', key: key('s') },
          { op: 'set', key: key('after'), value: 'ran' },
        ],
        { atomic },
      );
      await expect(batch).rejects.toThrow('ERR value is not an integer or out of range');
      expect(await f.kv.mget([key('s'), key('after')])).toEqual(['abc', 'ran']);
    });
  }

  it('exec with no commands returns [] and ping resolves', async () => {
    expect(await f.kv.exec([])).toEqual([]);
    await expect(f.kv.ping()).resolves.toBeUndefined();
  });
}

describe('Kv contract: memory', () => {
  kvContract(() => {
    const clock = manualClock();
    return { kv: createMemoryKv({ clock }), advance: async (ms) => clock.advance(ms) };
  });

  it('evicts the least recently used key beyond maxEntries', async () => {
    const kv = createMemoryKv({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c']) await kv.set(k, k);
    await kv.mget(['a']); // touch: b is now the oldest
    await kv.set('d', 'd');
    expect(await kv.mget(['a', 'b', 'c', 'd'])).toEqual(['a', null, 'c', 'd']);
  });

  it('expires exactly at px on an injected clock, with no timers involved', async () => {
    const clock = manualClock();
    const kv = createMemoryKv({ clock });
    await kv.set('k', 'v', { px: 1000 });
    clock.advance(999);
    expect(await kv.mget(['k'])).toEqual(['v']);
    clock.advance(1);
    expect(await kv.mget(['k'])).toEqual([null]);
  });

  it('rejects invalid options', () => {
    expect(() => createMemoryKv({ maxEntries: 0 })).toThrow();
  });
});

// Generous: the 200-caller burst shares two cores with the bridge itself; fast failure has its own test.
const timeoutMs = 10_000;

await describeWith(['redis'], 'Kv contract: Upstash via REST bridge', () => {
  let bridge: UpstashBridge;
  beforeAll(async () => {
    bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: `t-${randomUUID()}` });
  });
  afterAll(async () => bridge?.close());

  describe('SDK HTTP client', () => {
    kvContract(() => ({ kv: createUpstashKv({ url: bridge.url, token: bridge.token, timeoutMs }), advance: sleep }));
  });
  describe('custom fetch', () => {
    kvContract(() => ({
      kv: createUpstashKv({ url: bridge.url, token: bridge.token, timeoutMs, fetch: (input, init) => fetch(input, init) }),
      advance: sleep,
    }));
  });

  describe('round trips, counted at the bridge', () => {
    const k = (name: string) => `kvtest:${randomUUID()}:${name}`;
    for (const fetchImpl of [undefined, (i: RequestInfo | URL, init?: RequestInit) => fetch(i, init)]) {
      const label = fetchImpl ? 'custom fetch' : 'SDK HTTP client';
      it(`${label}: incr with px, exec and mget are one HTTP request each`, async () => {
        const kv = createUpstashKv({ url: bridge.url, token: bridge.token, timeoutMs, fetch: fetchImpl });
        const [a, b, n] = [k('a'), k('b'), k('n')];
        bridge.resetRequests();
        await kv.incr(n, { px: 60_000 });
        expect(bridge.requests.map((r) => [r.path, r.body])).toEqual([
          ['/multi-exec', [['incr', n], ['pexpire', n, 60_000, 'NX']]],
        ]);
        bridge.resetRequests();
        await kv.exec([{ op: 'set', key: a, value: '1' }, { op: 'incr', key: n, px: 1000 }, { op: 'get', key: a }]);
        await kv.exec([{ op: 'del', keys: [a] }, { op: 'get', key: b }], { atomic: true });
        await kv.mget([a, b, n]);
        expect(bridge.requests.map((r) => [r.path, (r.body as unknown[]).length])).toEqual([
          ['/pipeline', 4],
          ['/multi-exec', 2],
          ['/', 4],
        ]);
        await kv.del([a, b, n]);
      });
    }
  });
});

await describeWith(['redis'], 'Kv contract: Redis over TCP', () => {
  kvContract(() => ({ kv: createRedisKv({ url: REDIS_URL, timeoutMs }), advance: sleep }));

  it('rejects a URL that is not redis:// or rediss://', () => {
    expect(() => createRedisKv({ url: 'http://127.0.0.1:6379' })).toThrow(/redis:\/\/ or rediss:\/\//);
  });

  it('talks to the database index given as the URL path', async () => {
    const lease = await acquireRedisDb();
    const inDb = createRedisKv({ url: `${REDIS_URL}/${lease.db}`, timeoutMs });
    const inZero = createRedisKv({ url: REDIS_URL, timeoutMs });
    const k = `kvtest:${randomUUID()}:db`;
    try {
      await inDb.set(k, 'here');
      expect(await inDb.mget([k])).toEqual(['here']);
      expect(await inZero.mget([k])).toEqual([null]);
    } finally {
      await inDb.del([k]);
      await inDb.close();
      await inZero.close();
      await lease.release();
    }
  });
});
