/**
 * The upload verbs called directly (no HTTP app) on a fresh database on the local PostgreSQL,
 * with the filesystem blob store in a temp dir and the in-process queue whose consumer is the
 * real `upload.verify` handler. Versions are seeded as rows (manifest, producer, asset), which
 * is all the upload verbs read of the catalog.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { createFsBlobStore } from '@strata/core/adapters/blob/fs';
import { verifyBlobSignature } from '@strata/core/adapters/blob/signing';
import { createMemoryQueue, type MemoryQueue } from '@strata/core/adapters/queue/memory';
import { createPoolSql } from '@strata/core/adapters/sql/pool-sql';
import { parseConfig } from '@strata/core/config/index';
import type { Actor, RequestCtx } from '@strata/core/context';
import { StrataError } from '@strata/core/errors';
import { migrate, readMigrations } from '@strata/core/migrate/files';
import { createLogger } from '@strata/core/observability/log';
import type { BlobStore } from '@strata/core/ports/blob';
import type { Delivery } from '@strata/core/ports/queue';
import type { Sql } from '@strata/core/ports/sql';
import { consumeVerify, type UploadsDeps } from '@strata/core/uploads/service';
import { createTestDatabase, type TestDatabase } from './pg';
import { PG_URL } from './reachable';

export const PUBLIC_BASE = 'http://127.0.0.1:8787';
export const SIGNING_SECRET = 'uploads-verbs-signing-secret-0123456789';

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
export const hex = (n: number) => randomBytes(n).toString('hex');
/** A well-formed compressed public key (the checks are on its shape, never on the curve). */
export const newKey = () => `02${hex(32)}`;

/** A clock tests move forward. */
export const clock = { offsetMs: 0, now: (): number => Date.now() + clock.offsetMs };

export interface Db {
  readonly sql: Sql;
  readonly db: TestDatabase;
  readonly dir: string;
  close(): Promise<void>;
}

const openSql = (url: string) => createPoolSql(new pg.Pool({ connectionString: url, max: 4 }), 'pg', { typeParser: pg.types.getTypeParser });
const atDatabase = (name: string) => {
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
};

/**
 * A migrated template database named after the migrations' contents, made once per mutation run
 * and kept until its end (it opens a database per suite per mutant: copying a template costs a
 * tenth of migrating). Made under an advisory lock, so parallel suites wait for one another.
 */
async function migratedTemplate(): Promise<string> {
  const files = await readMigrations();
  const name = `strata_vu_tpl_${createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16)}`;
  const admin = new pg.Client({ connectionString: atDatabase('postgres') });
  await admin.connect();
  try {
    await admin.query(`SELECT pg_advisory_lock(hashtext('strata_vu_tpl'))`);
    if ((await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount === 0) {
      const building = `${name}_b`;
      await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${building}`);
      const sql = openSql(atDatabase(building));
      try {
        await migrate(sql);
      } finally {
        await sql.close();
      }
      // the pool's backends may take a moment to leave after close()
      await whileInUse(() => admin.query(`ALTER DATABASE ${building} RENAME TO ${name}`));
    }
  } finally {
    await admin.end();
  }
  return name;
}

/** Retries `f` while PostgreSQL says the database is in use by another session (55006). */
async function whileInUse<T>(f: () => Promise<T>): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      if ((e as { code?: string }).code !== '55006' || i >= 50) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Under `npm run mutation` (bench/mutation.ts sets these and drops the templates when it ends). */
const inMutationRun = () => Boolean(process.env.STRATA_MUTATION_FILE || process.env.STRATA_MUTATION_SUITES);

/**
 * A fresh, migrated database and a temp dir (for blob stores). In a mutation run, a copy of the
 * kept template; otherwise migrated in place, so nothing is left on the server.
 */
export async function openDb(): Promise<Db> {
  const db = inMutationRun() ? await whileInUse(async () => createTestDatabase('strata_vu', await migratedTemplate())) : await createTestDatabase('strata_vu');
  const sql = openSql(db.url);
  if (!inMutationRun()) await migrate(sql);
  const dir = await mkdtemp(join(tmpdir(), 'strata-uploads-'));
  return {
    sql,
    db,
    dir,
    async close() {
      await sql.close();
      await db.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface World {
  readonly deps: UploadsDeps & { queue: MemoryQueue };
  readonly blobs: BlobStore;
  /** Every job the queue delivered, in order. */
  readonly delivered: Delivery[];
  /** What the verify consumer answered for each delivery. */
  readonly outcomes: unknown[];
  /** Log lines at warn and above (JSON). */
  readonly logs: Record<string, unknown>[];
  /** Waits until the queue has delivered everything sent. */
  settle(): Promise<void>;
}

export const SMALL = { UPLOAD_MULTIPART_THRESHOLD_BYTES: '1024', UPLOAD_PART_SIZE_BYTES: '1024' };

/** Deps for the upload verbs over `db`: a fresh filesystem store (or `blobs`) and a fresh queue. */
export function world(db: Db, env: Record<string, string> = {}, blobs?: BlobStore): World {
  const config = parseConfig({ ...SMALL, LOG_LEVEL: 'warn', ...env });
  const store = blobs ?? createFsBlobStore({ root: join(db.dir, hex(6)), publicBaseUrl: PUBLIC_BASE, signingSecret: SIGNING_SECRET, clock });
  const delivered: Delivery[] = [];
  const outcomes: unknown[] = [];
  const logs: Record<string, unknown>[] = [];
  const log = createLogger('warn', (l) => logs.push(JSON.parse(l) as Record<string, unknown>));
  const verifyDeps = { sql: db.sql, clock, blobs: store };
  const queue = createMemoryQueue({
    consumer: async (batch) => {
      delivered.push(...batch);
      const out = await consumeVerify(verifyDeps, batch, () => ctxOf({ kind: 'queue', job: 'upload.verify' }, 'job'));
      outcomes.push(...out);
      return out;
    },
    maxAttempts: 1,
    deadLetter: async () => undefined,
  });
  return { deps: { sql: db.sql, clock, config, blobs: store, queue, log }, blobs: store, delivered, outcomes, logs, settle: () => queue.drain() };
}

/** A request context whose waitUntil promises tests can await. */
export function ctxOf(actor: Actor, requestId = 'req-1'): RequestCtx & { pending: Promise<unknown>[] } {
  const pending: Promise<unknown>[] = [];
  return { requestId, actor, pending, waitUntil: (p) => void pending.push(p) };
}
export const signer = (key: string, requestId?: string) => ctxOf({ kind: 'identity', key }, requestId);

/**
 * Seeds a published version declaring `contentHash`: its manifest, its asset and (unless
 * `producerKey` is null) its producer. Returns the version id.
 */
export async function seedVersion(sql: Sql, o: { contentHash: string; producerKey: string | null; sizeBytes: number | null; mimeType?: string }): Promise<string> {
  const versionId = hex(32);
  await sql.query(`INSERT INTO manifests (version_id, body) VALUES ($1, '{}'::jsonb)`, [versionId]);
  let producerId: string | null = null;
  if (o.producerKey !== null) {
    const [row] = await sql.query(
      `INSERT INTO producers (producer_id, identity_key) VALUES ($1, $2)
       ON CONFLICT (identity_key) DO UPDATE SET updated_at = now() RETURNING producer_id`,
      [`prod_${hex(8)}`, o.producerKey],
    );
    producerId = row!.producer_id as string;
  }
  await sql.query(`INSERT INTO assets (version_id, dataset_id, producer_id, content_hash, mime_type, size_bytes) VALUES ($1, 'ds', $2, $3, $4, $5)`, [
    versionId,
    producerId,
    o.contentHash,
    o.mimeType ?? 'application/octet-stream',
    o.sizeBytes,
  ]);
  return versionId;
}

/** Random content and a version of it by `producerKey` whose manifest declares its size. */
export async function published(sql: Sql, producerKey: string, size: number, o: { manifestSize?: number | null; mimeType?: string } = {}) {
  const bytes = new Uint8Array(randomBytes(size));
  const contentHash = sha256Hex(bytes);
  const versionId = await seedVersion(sql, { contentHash, producerKey, sizeBytes: o.manifestSize === undefined ? size : o.manifestSize, ...(o.mimeType ? { mimeType: o.mimeType } : {}) });
  return { bytes, contentHash, versionId };
}

/** What a verb rejected with; fails the test when it resolved or threw anything but a StrataError. */
export async function refusal(p: Promise<unknown>): Promise<StrataError> {
  const e = await p.then(
    (v) => {
      throw new Error(`expected a refusal, got ${JSON.stringify(v)}`);
    },
    (e: unknown) => e,
  );
  expect((e as Error)?.name, String(e)).toBe('StrataError');
  return e as StrataError;
}

/** The blob route's own check of a presigned URL (the filesystem store's URLs point at it). */
export async function checkSigned(req: { url: string; method: string }, now = clock.now()) {
  const u = new URL(req.url);
  expect(u.origin).toBe(PUBLIC_BASE);
  expect(u.pathname.startsWith('/blobs/')).toBe(true);
  return verifyBlobSignature({ secret: SIGNING_SECRET, method: req.method, key: u.pathname.slice('/blobs/'.length), query: u.searchParams, now });
}

export async function uploadRow(sql: Sql, uploadId: string) {
  const [row] = await sql.query(`SELECT * FROM content_uploads WHERE upload_id = $1`, [uploadId]);
  return row;
}

export async function auditRows(sql: Sql, uploadId: string) {
  return sql.query(`SELECT actor, action, request_id, before, after, at FROM audit_log WHERE resource = $1 ORDER BY id`, [`upload:${uploadId}`]);
}
