/**
 * The delivery verb (GET /v1/data's core) called directly on a fresh database of the local
 * PostgreSQL, with the filesystem blob store the embedded stack uses (and s3rver for the S3
 * store's response headers): every check in the contract's order with its problem, the quota
 * counted and the receipt consumed or expired in the one statement (rows and audit rows read
 * back), the issued URL checked as the server (or CDN) that serves it would check it, and a
 * download that loses the race for the last bytes against a concurrent writer on another
 * connection (held on its row lock until the verb's statement waits for it).
 */
import { createHash, createVerify, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPoolSql } from '@strata/core/adapters/sql/pool-sql';
import { createFsBlobStore } from '@strata/core/adapters/blob/fs';
import { createS3BlobStore } from '@strata/core/adapters/blob/s3';
import { verifyBlobSignature } from '@strata/core/adapters/blob/signing';
import { parseConfig } from '@strata/core/config/index';
import type { Actor } from '@strata/core/context';
import { signCloudFrontUrl } from '@strata/core/delivery/cloudfront';
import { DeliveryResult } from '@strata/core/delivery/schema';
import { deliver, type Delivery, type DeliveryDeps } from '@strata/core/delivery/service';
import { StrataError } from '@strata/core/errors';
import { migrate } from '@strata/core/migrate/files';
import { instrumentSql } from '@strata/core/observability/instrument';
import { createMetrics } from '@strata/core/observability/metrics';
import { manualClock } from '@strata/core/ports/clock';
import type { BlobStore, Sql } from '@strata/core/ports/index';
import type { QueryOptions, Row, SqlParam } from '@strata/core/ports/sql';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { startS3Server, type S3Server } from '../support/s3-server';
import { testCtx } from '../support/ctx';

const hex = (n: number) => randomBytes(n).toString('hex');
const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
/** 12:00:00.250 — not on a second, so a truncation or a rounding of the time shows. */
const NOW = Date.UTC(2026, 2, 1, 12, 0, 0, 250);
const TTL = 120;
const SECRET = 'delivery-verb-signing-secret-0123';
const IDENTITY = `02${'ab'.repeat(32)}`;
const ACTOR: Actor = { kind: 'identity', key: IDENTITY };

let db: TestDatabase;
let pool: pg.Pool;
let sql: Sql;
let dir: string;
let blobs: BlobStore;
const clock = manualClock(NOW);

beforeAll(async () => {
  db = await createTestDatabase('strata_vdeliv');
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  sql = createPoolSql(pool, 'pg', { typeParser: pg.types.getTypeParser });
  await migrate(sql);
  dir = await mkdtemp(join(tmpdir(), 'strata-vdeliv-'));
  blobs = createFsBlobStore({ root: dir, publicBaseUrl: 'http://strata.test/', signingSecret: SECRET, clock });
});
afterAll(async () => {
  await sql?.close();
  await db?.drop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const config = (env: Record<string, string> = {}) => parseConfig({ PRESIGN_TTL_SEC: String(TTL), ...env });
const depsOf = (over: Partial<DeliveryDeps> = {}): DeliveryDeps => ({ sql, clock, config: config(), blobs, signCdnUrl: null, ...over });

interface Content {
  readonly versionId: string;
  readonly contentHash: string;
  readonly bytes: Uint8Array;
  readonly tier: 'hot' | 'warm' | 'cold';
}

/** A published version whose bytes are in the store and whose upload row says `status`. */
async function content(o: { size?: number; tier?: 'hot' | 'warm' | 'cold'; mimeType?: string; status?: string; store?: BlobStore } = {}): Promise<Content> {
  const bytes = randomBytes(o.size ?? 1000);
  const contentHash = sha256Hex(bytes);
  const versionId = hex(32);
  const tier = o.tier ?? 'hot';
  await sql.query(`INSERT INTO manifests (version_id, body) VALUES ($1, '{}'::jsonb)`, [versionId]);
  if (o.status !== 'none') {
    await sql.query(
      `INSERT INTO content_uploads (upload_id, content_hash, version_id, identity_key, tier, size_bytes, mime_type, mode, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'single', $8)`,
      [`upl_${hex(12)}`, contentHash, versionId, IDENTITY, tier, bytes.byteLength, o.mimeType ?? 'application/octet-stream', o.status ?? 'verified'],
    );
  }
  await (o.store ?? blobs).put(`${tier}/${contentHash}`, bytes);
  return { versionId, contentHash, bytes, tier };
}

/** A receipt row for `c`, as the payment verbs leave it. */
async function receipt(
  c: Pick<Content, 'versionId' | 'contentHash'>,
  o: { status?: string; limit?: number; used?: number; singleUse?: boolean; expiresAt?: number } = {},
): Promise<string> {
  const id = `rcpt_${hex(16)}`;
  const status = o.status ?? 'paid';
  const paid = status !== 'pending' && status !== 'expired';
  await sql.query(
    `INSERT INTO receipts (receipt_id, version_id, content_hash, status, quantity, unit_price_sat, amount_sat, unit_bytes, bytes_limit, bytes_used,
                           single_use, expires_at, payment_txid, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 1, 1000, 1000, $5, $5, $6, $7, $8, $9, $10, $10)`,
    [id, c.versionId, c.contentHash, status, o.limit ?? 100_000, o.used ?? 0, o.singleUse ?? false, new Date(o.expiresAt ?? NOW + 3_600_000), paid ? hex(32) : null, new Date(NOW - 60_000)],
  );
  return id;
}

async function row(id: string) {
  const [r] = await sql.query(`SELECT status, bytes_used, consumed_at, updated_at FROM receipts WHERE receipt_id = $1`, [id]);
  return { status: r!.status, bytesUsed: Number(r!.bytes_used), consumedAt: r!.consumed_at as Date | null, updatedAt: (r!.updated_at as Date).getTime() };
}

const auditOf = async (id: string) =>
  (await sql.query(`SELECT actor, action, request_id, before, after, at FROM audit_log WHERE resource = $1 ORDER BY id`, [`receipt:${id}`])).map((a) => ({
    actor: a.actor,
    action: a.action,
    requestId: a.request_id,
    before: a.before,
    after: a.after,
    at: (a.at as Date).getTime(),
  }));

const run = (query: Record<string, string>, deps: DeliveryDeps = depsOf(), requestId = 'req-deliv') => deliver({ deps, ctx: testCtx(ACTOR, requestId), input: { query } });

/** The JSON body the route sends (the verb's answer without `redirect`)… */
const body = ({ redirect: _r, ...rest }: Delivery) => rest;
/** …read through the schema the API documents for it (DataDelivery): what a client may rely on. */
const answered = (d: Delivery) => DeliveryResult.parse(body(d));

/** The refusal the verb throws, as a client sees it: code, message, hint, issues. */
async function refusal(p: Promise<unknown>) {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  if (!(e instanceof StrataError)) throw e;
  const s = e as StrataError;
  return { code: s.code, message: s.message, hint: s.extra.hint, issues: s.extra.issues };
}

/** Checks a filesystem-store URL the way the /blobs route does, and reads what it names. */
async function served(url: string) {
  const u = new URL(url);
  expect(`${u.origin}/blobs/`).toBe('http://strata.test/blobs/');
  const key = u.pathname.slice('/blobs/'.length);
  const check = await verifyBlobSignature({ secret: SECRET, method: 'GET', key, query: u.searchParams, now: clock.now() });
  expect(check.ok).toBe(true);
  const got = await blobs.get(key);
  return { key, check, bytes: got ? new Uint8Array(got.body) : null };
}

describe('deliver: a paid receipt', () => {
  it('answers the URL and the metadata, counts the bytes, leaves a reusable receipt as it was', async () => {
    const c = await content({ size: 1234, tier: 'warm' });
    const id = await receipt(c, { limit: 5000, used: 1000 });
    const d = await run({ contentHash: c.contentHash, receiptId: id });
    expect(d).toEqual({
      redirect: false,
      success: true,
      delivery: { method: 'presigned-url', cdn: 'off', url: expect.any(String), expiresAt: Math.floor(NOW / 1000) + TTL, headers: {} },
      metadata: { contentHash: c.contentHash, receiptId: id, versionId: c.versionId, size: 1234, tier: 'warm', bytesUsed: 2234, bytesLimit: 5000 },
    });
    expect(answered(d)).toEqual(body(d));
    const s = await served(d.delivery.url);
    expect(s.key).toBe(`warm/${c.contentHash}`);
    expect(s.check).toMatchObject({ ok: true, expires: Math.floor(NOW / 1000) + TTL, disposition: `attachment; filename="${c.contentHash}"` });
    expect(Buffer.from(s.bytes!).equals(Buffer.from(c.bytes))).toBe(true);
    expect(await row(id)).toEqual({ status: 'paid', bytesUsed: 2234, consumedAt: null, updatedAt: NOW });
    expect(await auditOf(id)).toEqual([]);
  });

  it('a confirmed receipt is delivered and stays confirmed; the exact last byte of its quota is granted', async () => {
    const c = await content({ size: 700 });
    const id = await receipt(c, { status: 'confirmed', limit: 2100, used: 1400 });
    const d = await run({ contentHash: c.contentHash, receiptId: id });
    expect(d.metadata).toMatchObject({ bytesUsed: 2100, bytesLimit: 2100, size: 700, tier: 'hot' });
    expect(await row(id)).toMatchObject({ status: 'confirmed', bytesUsed: 2100 });
    // and not one byte more
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }))).toEqual({
      code: 'quota-exceeded',
      message: 'The receipt has no bytes left for this content.',
      hint: 'limit=2100, used=2100, size=700',
      issues: undefined,
    });
  });

  it('a receipt one millisecond from its expiry is still delivered', async () => {
    const c = await content({ size: 10 });
    const id = await receipt(c, { expiresAt: NOW + 1 });
    expect((await run({ contentHash: c.contentHash, receiptId: id })).metadata.bytesUsed).toBe(10);
  });

  it('redirect: true and 1 ask for a redirect, false, 0 and absent do not', async () => {
    const c = await content({ size: 1 });
    const id = await receipt(c);
    const asked = async (redirect?: string) => (await run({ contentHash: c.contentHash, receiptId: id, ...(redirect === undefined ? {} : { redirect }) })).redirect;
    expect([await asked('true'), await asked('1'), await asked('false'), await asked('0'), await asked()]).toEqual([true, true, false, false, false]);
  });

  it('an upper-case contentHash names the same content; the answer and the URL use lower case', async () => {
    const c = await content({ size: 5 });
    const id = await receipt(c);
    const d = await run({ contentHash: c.contentHash.toUpperCase(), receiptId: id });
    expect(d.metadata.contentHash).toBe(c.contentHash);
    expect((await served(d.delivery.url)).key).toBe(`hot/${c.contentHash}`);
  });

  it('single-use: consumed in the same statement, with its audit row; the next download is refused', async () => {
    const c = await content({ size: 300 });
    const id = await receipt(c, { singleUse: true, limit: 1000 });
    const d = await run({ contentHash: c.contentHash, receiptId: id }, depsOf(), 'req-once');
    expect(d.metadata.bytesUsed).toBe(300);
    expect(await row(id)).toEqual({ status: 'consumed', bytesUsed: 300, consumedAt: new Date(NOW), updatedAt: NOW });
    expect(await auditOf(id)).toEqual([
      {
        actor: `identity:${IDENTITY}`,
        action: 'payments.receipt.consumed',
        requestId: 'req-once',
        before: { status: 'paid' },
        after: { status: 'consumed', bytesUsed: 300 },
        at: NOW,
      },
    ]);
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }))).toEqual({
      code: 'already-consumed',
      message: 'The receipt was single-use and has been used.',
      hint: undefined,
      issues: undefined,
    });
    expect(await row(id)).toMatchObject({ status: 'consumed', bytesUsed: 300 });
  });
});

describe('deliver: the answer as documented', () => {
  it('DataDelivery: the delivery fields, expiresAt an integer in epoch seconds, the three CDN modes', () => {
    const json = z.toJSONSchema(DeliveryResult) as unknown as { properties: { delivery: { properties: Record<string, Record<string, unknown>> } } };
    expect(json.properties.delivery.properties.expiresAt).toMatchObject({ type: 'integer', description: 'Epoch seconds' });
    expect(json.properties.delivery.properties.cdn).toMatchObject({ enum: ['off', 'direct', 'signed'] });
    const ok = { success: true, delivery: { method: 'presigned-url', cdn: 'off', url: 'u', expiresAt: 1, headers: {} }, metadata: { contentHash: 'h', receiptId: 'r', versionId: 'v', size: 1, tier: 'hot', bytesUsed: 1, bytesLimit: 1 } };
    expect(DeliveryResult.safeParse({ ...ok, delivery: { ...ok.delivery, expiresAt: 1.5 } }).success).toBe(false);
  });
});

describe('deliver: the checks in the contract order', () => {
  const expired = { code: 'expired', message: 'The receipt has expired.', hint: 'buy again', issues: undefined };

  it('an unknown receipt: not-found', async () => {
    const c = await content({ size: 3 });
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: `rcpt_${hex(16)}` }))).toEqual({
      code: 'not-found',
      message: 'No receipt has this id.',
      hint: 'receipt not found',
      issues: undefined,
    });
  });

  it('expiring exactly now: expired in one round trip, marked expired with its audit row, nothing counted', async () => {
    const c = await content({ size: 40 });
    const id = await receipt(c, { expiresAt: NOW, used: 10 });
    // counted as in production (the round-trip metric), so a second look would show
    const metrics = createMetrics();
    const counted = instrumentSql(sql, metrics);
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }, depsOf({ sql: counted }), 'req-late'))).toEqual(expired);
    expect(metrics.counter('strata_storage_round_trips_total', { tier: 'sql', op: 'query' })).toBe(1);
    expect(await row(id)).toEqual({ status: 'expired', bytesUsed: 10, consumedAt: null, updatedAt: NOW });
    expect(await auditOf(id)).toEqual([
      { actor: `identity:${IDENTITY}`, action: 'payments.receipt.expired', requestId: 'req-late', before: { status: 'paid' }, after: { status: 'expired' }, at: NOW },
    ]);
  });

  it('a pending receipt past its expiry is expired (before being not paid), and marked so from pending', async () => {
    const c = await content({ size: 4 });
    const id = await receipt(c, { status: 'pending', expiresAt: NOW - 1000 });
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }))).toEqual(expired);
    expect((await auditOf(id)).map((a) => [a.action, a.before, a.after])).toEqual([['payments.receipt.expired', { status: 'pending' }, { status: 'expired' }]]);
  });

  it('a receipt already marked expired is expired whatever its date says; a consumed one past its date stays consumed', async () => {
    const c = await content({ size: 4 });
    const marked = await receipt(c, { status: 'expired', expiresAt: NOW + 3_600_000 });
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: marked }))).toEqual(expired);
    expect(await auditOf(marked)).toEqual([]);
    const used = await receipt(c, { status: 'consumed', expiresAt: NOW - 1000, singleUse: true });
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: used }))).toEqual(expired);
    expect(await row(used)).toMatchObject({ status: 'consumed' });
  });

  it('a pending receipt: forbidden, naming its status', async () => {
    const c = await content({ size: 4 });
    const id = await receipt(c, { status: 'pending' });
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }))).toEqual({
      code: 'forbidden',
      message: 'The receipt is not paid.',
      hint: 'invalid-status:pending',
      issues: undefined,
    });
    expect(await row(id)).toMatchObject({ status: 'pending', bytesUsed: 0 });
  });

  it('another content than the receipt is for: content-mismatch, for a paid and for a confirmed receipt', async () => {
    const a = await content({ size: 4 });
    const b = await content({ size: 4 });
    for (const status of ['paid', 'confirmed']) {
      const id = await receipt(a, { status });
      expect(await refusal(run({ contentHash: b.contentHash, receiptId: id }))).toEqual({
        code: 'content-mismatch',
        message: 'The receipt is for other content.',
        hint: 'contentHash differs from the receipt',
        issues: undefined,
      });
      expect(await row(id)).toMatchObject({ status, bytesUsed: 0 });
    }
  });

  it('content not uploaded, or not verified yet: not-found, for a paid and for a confirmed receipt', async () => {
    const missing = await content({ size: 4, status: 'none' });
    const pending = await content({ size: 4, status: 'pending' });
    for (const c of [missing, pending]) {
      for (const status of ['paid', 'confirmed']) {
        const id = await receipt(c, { status });
        expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }))).toEqual({
          code: 'not-found',
          message: 'The content has not been uploaded (or not verified) yet.',
          hint: 'object not in storage',
          issues: undefined,
        });
      }
    }
  });

  it('over the quota by one byte: quota-exceeded with the numbers, for a paid and a confirmed receipt; nothing counted', async () => {
    const c = await content({ size: 501 });
    for (const status of ['paid', 'confirmed']) {
      const id = await receipt(c, { status, limit: 1000, used: 500 });
      expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }))).toEqual({
        code: 'quota-exceeded',
        message: 'The receipt has no bytes left for this content.',
        hint: 'limit=1000, used=500, size=501',
        issues: undefined,
      });
      expect(await row(id)).toMatchObject({ status, bytesUsed: 500 });
    }
  });
});

describe('deliver: the query', () => {
  const receiptId = `rcpt_${'0'.repeat(32)}`;
  const contentHash = '0123456789abcdef'.repeat(4);
  const invalid = async (query: Record<string, string>) => {
    const r = await refusal(run(query));
    expect([r.code, r.message]).toEqual(['validation-failed', 'The request is not valid; see `issues` for each field.']);
    return r.issues;
  };
  const passes = async (query: Record<string, string>) => expect((await refusal(run(query))).code, JSON.stringify(query)).toBe('not-found');

  it('every hex digit of either case passes the checks (then: no such receipt)', async () => {
    await passes({ contentHash, receiptId });
    await passes({ contentHash: '0123456789ABCDEF'.repeat(4), receiptId });
    await passes({ contentHash, receiptId: 'rcpt_0123456789abcdef0123456789abcdef' });
  });

  it('a contentHash that is not 64 hex characters', async () => {
    const issue = [{ path: 'query.contentHash', message: 'must be 64 hex characters' }];
    for (const bad of [contentHash.slice(1), `${contentHash}0`, `x${contentHash.slice(1)}`, `${contentHash.slice(1)}x`, `${contentHash.slice(1)}g`, `${contentHash.slice(1)}G`, `${contentHash.slice(1)}/`, `${contentHash.slice(1)}:`, `${contentHash.slice(1)}@`, `${contentHash.slice(1)}\``]) {
      expect(await invalid({ contentHash: bad, receiptId }), bad).toEqual(issue);
    }
    expect(await invalid({ contentHash: `x${contentHash}`, receiptId })).toEqual(issue);
    expect(await invalid({ contentHash: `${contentHash}x`, receiptId })).toEqual(issue);
    expect((await invalid({ receiptId }))![0]!.path).toBe('query.contentHash');
  });

  it('a receiptId that is not rcpt_ and 32 lower-case hex characters', async () => {
    const issue = [{ path: 'query.receiptId', message: 'must be rcpt_ followed by 32 hex characters' }];
    const body = '0123456789abcdef'.repeat(2);
    for (const bad of [`rcpt_${body.slice(1)}`, `rcpt_${body}0`, `xrcpt_${body}`, `rcpt_${body}x`, `rcpt_${body.slice(1)}A`, `rcpt_${body.slice(1)}g`, `rcpt_${body.slice(1)}/`, `rcpt_${body.slice(1)}:`, `rcpt_${body.slice(1)}\``, `rcpt-${body}`, body]) {
      expect(await invalid({ contentHash, receiptId: bad }), bad).toEqual(issue);
    }
  });

  it('redirect outside true/false/1/0, and any other parameter, are refused by name', async () => {
    expect((await invalid({ contentHash, receiptId, redirect: 'yes' }))!.map((i) => i.path)).toEqual(['query.redirect']);
    expect(await invalid({ contentHash, receiptId, extra: '1' })).toEqual([{ path: 'query.extra', message: 'unknown key' }]);
  });
});

describe('deliver: losing the race for the last bytes', () => {
  /**
   * A Sql whose delivery statements each meet a concurrent writer: on its own connection it
   * first sets bytes_used to `room` (committed), then updates the row to `taken` and holds the
   * row lock until the verb's statement waits on it, then commits — so the statement's snapshot
   * passes every check while its UPDATE, re-checked against the committed row, writes nothing.
   * After `times` such races the row is left alone (with `giveBack`: given its room back first).
   */
  function contended(receiptId: string, o: { room: number; taken: number; times: number; giveBack?: boolean }) {
    let statements = 0;
    const raced: Sql = {
      ...sql,
      async query<T extends Row = Row>(text: string, params?: readonly SqlParam[], opts?: QueryOptions): Promise<T[]> {
        if (!text.startsWith('WITH r AS')) return sql.query<T>(text, params, opts);
        statements++;
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          if (statements > o.times && !o.giveBack) return await sql.query<T>(text, params, opts);
          await c.query(`UPDATE receipts SET bytes_used = $2 WHERE receipt_id = $1`, [receiptId, o.room]);
          if (statements > o.times) return await sql.query<T>(text, params, opts);
          await c.query('BEGIN');
          await c.query(`UPDATE receipts SET bytes_used = $2 WHERE receipt_id = $1`, [receiptId, o.taken]);
          const pending = sql.query<T>(text, params, opts);
          pending.catch(() => undefined);
          for (let i = 0; ; i++) {
            // from another connection: inside c's transaction pg_stat_activity is a frozen snapshot
            const [w] = (await pool.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE 'WITH r AS%'`, [db.name])).rows;
            if (w.n > 0) break;
            if (i > 2000) throw new Error('the delivery statement never waited on the row lock');
            await new Promise((r) => setTimeout(r, 5));
          }
          await c.query('COMMIT');
          return await pending;
        } finally {
          await c.end();
        }
      },
    };
    return { sql: raced, statements: () => statements };
  }

  it('the snapshot had room but another download took it: the verb looks again and answers quota-exceeded with the fresh numbers', async () => {
    const c = await content({ size: 1000 });
    const id = await receipt(c, { limit: 3000, used: 2000 });
    const h = contended(id, { room: 2000, taken: 3000, times: 1 });
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }, depsOf({ sql: h.sql })))).toEqual({
      code: 'quota-exceeded',
      message: 'The receipt has no bytes left for this content.',
      hint: 'limit=3000, used=3000, size=1000',
      issues: undefined,
    });
    expect(h.statements()).toBe(2);
    expect(await row(id)).toMatchObject({ bytesUsed: 3000 });
  });

  it('lost twice, the third attempt finds the room given back and is served', async () => {
    const c = await content({ size: 1000 });
    const id = await receipt(c, { limit: 3000, used: 0 });
    const h = contended(id, { room: 2000, taken: 3000, times: 2, giveBack: true });
    const d = await run({ contentHash: c.contentHash, receiptId: id }, depsOf({ sql: h.sql }));
    expect(h.statements()).toBe(3);
    expect(d.metadata).toMatchObject({ bytesUsed: 3000, bytesLimit: 3000 });
    expect(await row(id)).toMatchObject({ bytesUsed: 3000 });
  });

  it('a row that changes under every one of three attempts: conflict, retry; nothing counted by the verb', async () => {
    const c = await content({ size: 1000 });
    const id = await receipt(c, { limit: 3000, used: 2000 });
    const h = contended(id, { room: 2000, taken: 3000, times: 99 });
    expect(await refusal(run({ contentHash: c.contentHash, receiptId: id }, depsOf({ sql: h.sql })))).toEqual({
      code: 'conflict',
      message: 'The receipt kept changing under concurrent downloads; retry.',
      hint: 'retry',
      issues: undefined,
    });
    expect(h.statements()).toBe(3);
    expect(await row(id)).toMatchObject({ bytesUsed: 3000 });
  });
});

describe('deliver: through a CDN', () => {
  it('direct: CDN_BASE_URL/<tier>/<hash> with the disposition, unsigned, expiring after the TTL from the verb clock', async () => {
    const c = await content({ size: 20, tier: 'cold' });
    const id = await receipt(c);
    const d = await run({ contentHash: c.contentHash, receiptId: id }, depsOf({ config: config({ CDN_MODE: 'direct', CDN_BASE_URL: 'https://cdn.example.test//' }) }));
    expect(d.delivery).toEqual({
      method: 'presigned-url',
      cdn: 'direct',
      url: `https://cdn.example.test/cold/${c.contentHash}?response-content-disposition=${encodeURIComponent(`attachment; filename="${c.contentHash}"`)}`,
      expiresAt: Math.floor(NOW / 1000) + TTL,
      headers: {},
    });
    expect(d.metadata.bytesUsed).toBe(20);
    expect(answered(d)).toEqual(body(d));
  });

  it('signed: a CloudFront canned-policy URL that verifies with the public key of the key pair', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const c = await content({ size: 20 });
    const id = await receipt(c);
    const cfg = config({ CDN_MODE: 'signed', CDN_BASE_URL: 'https://cdn.example.test', CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', CDN_PRIVATE_KEY: pem });
    const d = await run({ contentHash: c.contentHash, receiptId: id }, depsOf({ config: cfg, signCdnUrl: signCloudFrontUrl }));
    const expires = Math.floor(NOW / 1000) + TTL;
    expect(d.delivery).toMatchObject({ method: 'presigned-url', cdn: 'signed', expiresAt: expires, headers: {} });
    expect(answered(d)).toEqual(body(d));
    const resource = `https://cdn.example.test/hot/${c.contentHash}?response-content-disposition=${encodeURIComponent(`attachment; filename="${c.contentHash}"`)}`;
    expect(d.delivery.url.startsWith(`${resource}&Expires=${expires}&Key-Pair-Id=K2JCJMDEHXQW5F&Signature=`)).toBe(true);
    const sig = Buffer.from(new URL(d.delivery.url).searchParams.get('Signature')!.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
    const policy = JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] });
    expect(createVerify('RSA-SHA1').update(policy).verify(publicKey, sig)).toBe(true);
  });
});

describe('deliver: from S3 (s3rver)', () => {
  let s3: S3Server;
  let store: BlobStore;
  beforeAll(async () => {
    s3 = await startS3Server({ bucket: 'strata-vdeliv' });
    store = createS3BlobStore({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials });
  });
  afterAll(async () => s3?.close());

  it("the presigned URL serves the bytes as an attachment with the upload's content type", async () => {
    const c = await content({ size: 64, mimeType: 'text/csv', store });
    const id = await receipt(c, { expiresAt: Date.now() + 3_600_000 });
    // s3rver refuses a URL signed in the past: this one is signed at the real time
    const d = await run({ contentHash: c.contentHash, receiptId: id }, depsOf({ blobs: store, clock: manualClock(Date.now()) }));
    const got = await fetch(d.delivery.url);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toBe('text/csv');
    expect(got.headers.get('content-disposition')).toBe(`attachment; filename="${c.contentHash}"`);
    expect(sha256Hex(new Uint8Array(await got.arrayBuffer()))).toBe(c.contentHash);
  });
});
