/** A second "isolate" on the same PostgreSQL database and Redis as a test stack (own L1, own pools). */
import { parseConfig } from '@strata/core/config/index';
import { createDeps, type Deps, type Platform } from '@strata/core/create-deps';
import { createApp } from '@strata/functions/app';
import { nodePlatform } from '@strata/functions/platform/node';
import pg from 'pg';
import { PG_URL } from './reachable';
import { TEST_ADMIN_TOKEN, TEST_INGEST_TOKEN, type TestStack } from './deps';

export interface Isolate {
  readonly deps: Deps;
  readonly app: ReturnType<typeof createApp>;
  /** Waits for this isolate's background work: cache fills and post-commit bookkeeping. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Opens another Deps + app over the stack's database and Kv (Upstash bridge or Redis over TCP). */
export async function isolateOf(stack: TestStack, env: Record<string, string> = {}, platform: Partial<Platform> = {}): Promise<Isolate> {
  if (!stack.db || !stack.kvEnv) throw new Error('isolateOf needs a serviceDeps stack');
  const config = parseConfig({
    DATABASE_URL: stack.db.url,
    SQL_DRIVER: 'pg',
    SQL_POOL_MAX: '3',
    ...stack.kvEnv,
    ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    INGEST_TOKEN: TEST_INGEST_TOKEN,
    LOG_LEVEL: 'silent',
    KV_TIMEOUT_MS: '2000',
    BLOB_DIR: `${process.env.TMPDIR ?? '/tmp'}/strata-isolate-blobs`,
    ...env,
  });
  const deps = await createDeps(config, { ...nodePlatform(), ...platform });
  return {
    deps,
    app: createApp(deps),
    async settle() {
      await deps.background.drain();
      await deps.cache.settle();
    },
    async close() {
      await deps.cache.settle();
      await deps.close();
    },
  };
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const u = new URL(PG_URL);
  u.pathname = '/postgres';
  const c = new pg.Client({ connectionString: u.toString() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Takes one database "down": refuses new connections and terminates the open ones (the server stays up). */
export function blockDatabase(name: string): Promise<void> {
  return admin(async (c) => {
    await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
    await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
  });
}

/** Lets connections in again. */
export function unblockDatabase(name: string): Promise<void> {
  return admin(async (c) => {
    await c.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
  });
}
