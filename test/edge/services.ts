/**
 * The local services both edge suites run against: a fresh migrated database behind the Neon
 * bridge, Redis behind the Upstash bridge, and s3rver — and the configuration that points the
 * deployed code at them (the same variable names infra/environment.ts sets).
 */
import pg from 'pg';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { migrate } from '@strata/core/migrate/files';
import { TEST_ADMIN_TOKEN, TEST_INGEST_TOKEN } from '../support/deps';
import { startNeonBridge, type NeonBridge } from '../support/neon-bridge';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { REDIS_URL } from '../support/reachable';
import { acquireRedisDb } from '../support/redis-db';
import { startS3Server, type S3Server } from '../support/s3-server';
import { startUpstashBridge, type UpstashBridge } from '../support/upstash-bridge';

export interface EdgeServices {
  readonly db: TestDatabase;
  readonly neon: NeonBridge;
  readonly upstash: UpstashBridge;
  readonly s3: S3Server;
  /** Direct connection to the test database, for asserting effects. */
  readonly pg: pg.Pool;
  /** Configuration for the deployed code (strings, as bindings and env vars are). */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

/** Starts everything and applies the migrations (as the deploy's migrator would). */
export async function startEdgeServices(extra: Record<string, string> = {}): Promise<EdgeServices> {
  const cleanup: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
  };
  try {
    const db = await createTestDatabase('strata_edge');
    cleanup.push(() => db.drop());
    const sql = createPgSql({ url: db.url, max: 1 });
    await migrate(sql);
    await sql.close();
    const lease = await acquireRedisDb();
    cleanup.push(() => lease.release());
    const upstash = await startUpstashBridge({ redisUrl: REDIS_URL, token: 'edge-upstash-token', db: lease.db });
    cleanup.push(() => upstash.close());
    const neon = await startNeonBridge({ pgUrl: db.url });
    cleanup.push(() => neon.close());
    const s3 = await startS3Server({ bucket: 'strata-edge' });
    cleanup.push(() => s3.close());
    const pool = new pg.Pool({ connectionString: db.url, max: 2 });
    cleanup.push(() => pool.end());
    const env: Record<string, string> = {
      STAGE: 'edge-test',
      LOG_LEVEL: process.env.EDGE_LOG_LEVEL ?? 'warn',
      DATABASE_URL: db.url,
      NEON_FETCH_ENDPOINT: neon.httpUrl,
      NEON_WS_PROXY: `${neon.wsHost}/v1`,
      NEON_SECURE_WS: 'false',
      UPSTASH_REDIS_REST_URL: upstash.url,
      UPSTASH_REDIS_REST_TOKEN: upstash.token,
      KV_TIMEOUT_MS: '2000',
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      INGEST_TOKEN: TEST_INGEST_TOKEN,
      OUTBOX_SWEEP_AFTER_SEC: '0',
      ...extra,
    };
    return { db, neon, upstash, s3, pg: pool, env, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Polls `check` until it returns a value other than undefined (or fails after `ms`). */
export async function eventually<T>(check: () => Promise<T | undefined>, ms = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
