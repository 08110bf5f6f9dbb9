/**
 * Round-trip cost of one trivial GET through each Kv path, sequentially (latency, not throughput):
 * - `ioredis`: straight to redis-server over TCP (the floor),
 * - `memory`: the in-isolate adapter,
 * - `upstash-bridge`: the Upstash adapter (@upstash/redis over HTTP) through the local REST bridge,
 * - `fetch-bridge`: a bare fetch to the bridge, so adapter cost = upstash-bridge − fetch-bridge
 *   and bridge cost = fetch-bridge − ioredis.
 * Run alone with `tsx bench/rtt/kv.ts [iterations]`.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import Redis from 'ioredis';
import { createMemoryKv, createUpstashKv } from '@strata/core/adapters/kv/index';
import { startUpstashBridge } from '../../test/support/upstash-bridge';
import { measure, type Percentiles } from './measure';

const REDIS_URL = process.env.STRATA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Measures p50/p99 of one GET per path; needs redis-server at STRATA_TEST_REDIS_URL (default local 6379). */
export async function benchKv(opts: { iterations: number }): Promise<Record<string, Percentiles>> {
  const key = `bench:kv:${randomUUID()}`;
  const redis = new Redis(REDIS_URL);
  const bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: `bench-${randomUUID()}` });
  try {
    await redis.set(key, 'x'.repeat(64), 'PX', 600_000);
    const memory = createMemoryKv();
    await memory.set(key, 'x'.repeat(64));
    const upstash = createUpstashKv({ url: bridge.url, token: bridge.token });
    const body = JSON.stringify(['GET', key]);
    const headers = { authorization: `Bearer ${bridge.token}`, 'content-type': 'application/json', 'upstash-encoding': 'base64' };

    const out: Record<string, Percentiles> = {};
    out.ioredis = await measure(opts.iterations, () => redis.get(key));
    out.memory = await measure(opts.iterations, () => memory.mget([key]));
    out['upstash-bridge'] = await measure(opts.iterations, () => upstash.mget([key]));
    out['fetch-bridge'] = await measure(opts.iterations, async () => (await fetch(bridge.url, { method: 'POST', headers, body })).json());
    return out;
  } finally {
    await redis.del(key);
    redis.disconnect();
    await bridge.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const iterations = Number(process.argv[2] ?? 2000);
  console.log(JSON.stringify(await benchKv({ iterations }), null, 2));
}
