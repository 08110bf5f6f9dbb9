/**
 * Real Deps for tests. `embeddedDeps()` is the embedded default (PGlite in memory, memory Kv,
 * filesystem blobs in a temp dir, in-process queue), migrated. `serviceDeps()` puts the same
 * app on the local PostgreSQL (node-postgres or Neon through the bridge) and on Redis through
 * the Upstash bridge or over TCP (through a proxy tests can take down) — the real client
 * libraries end to end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@strata/core/config/index';
import { createDeps, type Deps, type Platform } from '@strata/core/create-deps';
import { migrate } from '@strata/core/migrate/files';
import { createApp } from '@strata/functions/app';
import { nodePlatform } from '@strata/functions/platform/node';
import { createTestDatabase, type TestDatabase } from './pg';
import { REDIS_URL } from './reachable';
import { acquireRedisDb } from './redis-db';
import { startNeonBridge } from './neon-bridge';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge';
import { tableResolver } from './resolver';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';
export const TEST_INGEST_TOKEN = 'test-ingest-token-0123456789';

export interface TestStack {
  readonly deps: Deps;
  readonly app: ReturnType<typeof createApp>;
  /** The Upstash bridge, when Kv is Upstash (tests take it down and up). */
  readonly upstash?: UpstashBridge;
  /** The TCP proxy in front of Redis, when Kv is Redis over TCP. */
  readonly redisProxy?: TcpProxy;
  /** The Kv variables of a service stack (another isolate uses the same Kv with them). */
  readonly kvEnv?: Readonly<Record<string, string>>;
  /** Takes the stack's Kv service down (`true`: connections refused) or brings it back. */
  kvDown?(down: boolean | 'hang'): Promise<void>;
  readonly db?: TestDatabase;
  /** Waits for background work (cache fills, outbox marks, queue deliveries). */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Authorization header for the admin token. */
export const adminAuth = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
/** Authorization header for the ingest token. */
export const ingestAuth = { authorization: `Bearer ${TEST_INGEST_TOKEN}` };

async function finish(deps: Deps, cleanup: (() => Promise<void>)[], extra: Partial<TestStack> = {}): Promise<TestStack> {
  await migrate(deps.sql);
  const app = createApp(deps);
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      await deps.background.drain();
      await deps.cache.settle();
      const q = deps.queue as { drain?: () => Promise<void> };
      if (q.drain) await q.drain();
    }
  };
  return {
    deps,
    app,
    settle,
    ...extra,
    async close() {
      await settle();
      await deps.close();
      for (const c of cleanup.reverse()) await c();
    },
  };
}

/** The embedded default, in memory, with fixed tokens. */
export async function embeddedDeps(env: Record<string, string> = {}, platform: Partial<Platform> = {}): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-test-'));
  const config = parseConfig({
    PGLITE_DIR: 'memory://',
    BLOB_DIR: join(dir, 'blobs'),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    INGEST_TOKEN: TEST_INGEST_TOKEN,
    LOG_LEVEL: 'silent',
    // suites publish many versions from one (anonymous) client; the submit limit has its own test
    RATE_LIMIT_SUBMIT_PER_MIN: '0',
    ...env,
  });
  const deps = await createDeps(config, { ...nodePlatform(), resolveHost: tableResolver(), ...platform });
  return finish(deps, [() => rm(dir, { recursive: true, force: true })]);
}

/**
 * The app on real services: a fresh database on the local PostgreSQL (through `driver`) and
 * Redis (its own db index so files do not collide) through the Upstash bridge, or with
 * `kv: 'redis'` over TCP through a proxy.
 */
export async function serviceDeps(
  /** `redisDb` pins an index; by default a free one is leased and flushed. */
  opts: { driver?: 'pg' | 'neon-http' | 'neon-ws'; kv?: 'upstash' | 'redis'; redisDb?: number; env?: Record<string, string>; platform?: Partial<Platform> } = {},
): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), 'strata-test-'));
  const cleanup: (() => Promise<void>)[] = [() => rm(dir, { recursive: true, force: true })];
  const db = await createTestDatabase();
  cleanup.push(() => db.drop());
  const lease = opts.redisDb === undefined ? await acquireRedisDb() : { db: opts.redisDb, release: async () => undefined };
  cleanup.push(() => lease.release());
  let upstash: UpstashBridge | undefined;
  let redisProxy: TcpProxy | undefined;
  let kvEnv: Record<string, string>;
  if (opts.kv === 'redis') {
    const target = new URL(REDIS_URL);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    redisProxy = proxy;
    cleanup.push(() => proxy.close());
    kvEnv = { REDIS_URL: `redis://${proxy.host}:${proxy.port}/${lease.db}` };
  } else {
    const bridge = await startUpstashBridge({ redisUrl: REDIS_URL, token: 'test-upstash-token', db: lease.db });
    upstash = bridge;
    cleanup.push(() => bridge.close());
    kvEnv = { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token };
  }
  const env: Record<string, string> = {
    DATABASE_URL: db.url,
    SQL_DRIVER: opts.driver ?? 'pg',
    ...kvEnv,
    BLOB_DIR: join(dir, 'blobs'),
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    INGEST_TOKEN: TEST_INGEST_TOKEN,
    LOG_LEVEL: 'silent',
    KV_TIMEOUT_MS: '2000',
    RATE_LIMIT_SUBMIT_PER_MIN: '0',
    ...opts.env,
  };
  if (opts.driver === 'neon-http' || opts.driver === 'neon-ws') {
    const neon = await startNeonBridge({ pgUrl: db.url });
    cleanup.push(() => neon.close());
    env.NEON_FETCH_ENDPOINT = neon.httpUrl;
    env.NEON_WS_PROXY = `${neon.wsHost}/v1`;
    env.NEON_SECURE_WS = 'false';
  }
  const deps = await createDeps(parseConfig(env), { ...nodePlatform(), resolveHost: tableResolver(), ...opts.platform });
  const kvDown = async (down: boolean | 'hang') => {
    if (upstash) await upstash.setDown(down);
    else await redisProxy!.setDown(down);
    // back up: wait until this stack's client has reconnected (the TCP client backs off up to 2 s)
    for (let i = 0; down === false && i < 100; i++) {
      if (await deps.kv.ping().then(() => true, () => false)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return finish(deps, cleanup, { upstash, redisProxy, db, kvDown, kvEnv });
}
