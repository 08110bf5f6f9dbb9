/**
 * The `uploads-abort` schedule's verb, abortAbandonedUploads, on a fresh database on the local
 * PostgreSQL with the filesystem blob store: which uploads count as abandoned, what happens to
 * the store's parts and the row, the batch limit, and a store that refuses the abort.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { BlobStore } from '@strata/core/ports/blob';
import { getUpload, listAbandoned, moveUpload } from '@strata/core/uploads/repo';
import { abortAbandonedUploads, createUpload } from '@strata/core/uploads/service';
import { describeWith } from '../support/reachable';
import { auditRows, clock, ctxOf, newKey, openDb, published, sha256Hex, signer, uploadRow, world, type Db, type World } from '../support/uploads-verbs';

await describeWith(['postgres'], 'upload verbs: abortAbandonedUploads', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb();
  });
  afterAll(async () => db?.close());
  // each test sees only the pending uploads it starts
  beforeEach(async () => {
    await db.sql.query(`UPDATE content_uploads SET status = 'aborted' WHERE status = 'pending'`);
  });

  const HOUR = 3_600_000;
  const schedule = ctxOf({ kind: 'schedule', job: 'uploads-abort' }, 'sched-1');

  /** Starts an upload of `size` bytes `agoMs` in the past. */
  async function started(w: World, size: number, agoMs: number) {
    const producer = newKey();
    const pub = await published(db.sql, producer, size);
    clock.offsetMs = -agoMs;
    try {
      const r = await createUpload({ deps: w.deps, ctx: signer(producer), input: { body: { contentHash: pub.contentHash, sizeBytes: size, mimeType: 'application/octet-stream' } } });
      const row = await uploadRow(db.sql, r.upload.uploadId);
      return { id: r.upload.uploadId, key: `hot/${pub.contentHash}`, storeId: row!.store_upload_id as string | null, pub };
    } finally {
      clock.offsetMs = 0;
    }
  }

  it('pending uploads older than UPLOAD_ABANDON_AFTER_SEC are aborted (multipart parts discarded); younger ones and others are left', async () => {
    const w = world(db, { UPLOAD_ABANDON_AFTER_SEC: '3600' });
    const old = await started(w, 1500, HOUR + 60_000);
    await w.blobs.multipart.putPart(old.key, old.storeId!, 1, old.pub.bytes.subarray(0, 1024), { sha256Hex: sha256Hex(old.pub.bytes.subarray(0, 1024)) });
    const oldSingle = await started(w, 100, 2 * HOUR);
    const young = await started(w, 1500, HOUR - 60_000);
    const youngSingle = await started(w, 100, 0);
    const verifying = await started(w, 1500, 3 * HOUR);
    await moveUpload(db.sql, verifying.id, ['pending'], 'verifying', new Date(), { actor: 'test' });

    expect(await abortAbandonedUploads({ deps: w.deps, ctx: schedule, input: {} })).toEqual({ aborted: 2, failed: 0 });
    expect(await getUpload(db.sql, old.id)).toMatchObject({ status: 'aborted', failure: 'abandoned' });
    expect(await getUpload(db.sql, oldSingle.id)).toMatchObject({ status: 'aborted', failure: 'abandoned' });
    expect(await w.blobs.multipart.listParts(old.key, old.storeId!)).toBeNull();
    for (const u of [young, youngSingle]) expect((await getUpload(db.sql, u.id))!.status).toBe('pending');
    expect(await w.blobs.multipart.listParts(young.key, young.storeId!)).toEqual([]);
    expect((await getUpload(db.sql, verifying.id))!.status).toBe('verifying');
    const audit = await auditRows(db.sql, old.id);
    expect(audit.map((a) => a.action)).toEqual(['uploads.create', 'uploads.aborted']);
    expect(audit[1]).toMatchObject({ actor: 'schedule:uploads-abort', request_id: 'sched-1', before: { status: 'pending' }, after: { status: 'aborted', failure: 'abandoned' } });
    expect(w.logs).toEqual([]);
    // nothing left to do
    expect(await abortAbandonedUploads({ deps: w.deps, ctx: schedule, input: {} })).toEqual({ aborted: 0, failed: 0 });
  });

  it('the default threshold is a day', async () => {
    const w = world(db);
    const a = await started(w, 100, 23 * HOUR);
    const b = await started(w, 100, 25 * HOUR);
    expect(await abortAbandonedUploads({ deps: w.deps, ctx: schedule, input: {} })).toEqual({ aborted: 1, failed: 0 });
    expect((await getUpload(db.sql, a.id))!.status).toBe('pending');
    expect((await getUpload(db.sql, b.id))!.status).toBe('aborted');
  });

  it('at most `limit` per run, oldest first; 100 by default', async () => {
    const w = world(db, { UPLOAD_ABANDON_AFTER_SEC: '60' });
    const older = await started(w, 100, 3 * HOUR);
    const newer = await started(w, 100, 2 * HOUR);
    const listed = await listAbandoned(db.sql, new Date(clock.now() - HOUR), 10);
    expect(listed.map((u) => u.uploadId)).toEqual([older.id, newer.id]);
    expect(await abortAbandonedUploads({ deps: w.deps, ctx: schedule, input: { limit: 1 } })).toEqual({ aborted: 1, failed: 0 });
    expect((await getUpload(db.sql, older.id))!.status).toBe('aborted');
    expect((await getUpload(db.sql, newer.id))!.status).toBe('pending');

    // 101 abandoned single uploads (seeded as rows): one run takes 100
    const key = newKey();
    const pub = await published(db.sql, key, 10);
    await db.sql.query(
      `INSERT INTO content_uploads (upload_id, content_hash, version_id, identity_key, size_bytes, mime_type, mode, created_at)
       SELECT 'upl_' || lpad(to_hex(g), 24, '0'), encode(sha256(g::text::bytea), 'hex'), $1, $2, 10, 'x/y', 'single', now() - interval '1 day'
         FROM generate_series(1, 101) g`,
      [pub.versionId, key],
    );
    expect(await abortAbandonedUploads({ deps: w.deps, ctx: schedule, input: {} })).toEqual({ aborted: 100, failed: 0 });
    // the 100 oldest of the 102 pending: one seeded row and the newer upload are left
    const left = await db.sql.query(`SELECT upload_id FROM content_uploads WHERE status = 'pending'`);
    expect(left).toHaveLength(2);
    expect(left.map((r) => r.upload_id)).toContain(newer.id);
  }, 60_000);

  it('a store that refuses the abort: counted and logged, the row stays pending, the others go on', async () => {
    const w = world(db, { UPLOAD_ABANDON_AFTER_SEC: '60' });
    const broken = await started(w, 1500, 2 * HOUR);
    const fine = await started(w, 1500, HOUR);
    // the store's record of the upload is unreadable
    const root = (w.blobs as BlobStore & { root: string }).root;
    await writeFile(join(root, 'multipart', broken.storeId!, 'upload.json'), '{not json');
    expect(await abortAbandonedUploads({ deps: w.deps, ctx: schedule, input: {} })).toEqual({ aborted: 1, failed: 1 });
    expect((await getUpload(db.sql, broken.id))!.status).toBe('pending');
    expect((await getUpload(db.sql, fine.id))!.status).toBe('aborted');
    expect(w.logs).toEqual([expect.objectContaining({ level: 'warn', msg: 'could not abort an abandoned upload', uploadId: broken.id, error: expect.stringContaining('SyntaxError') })]);
  });

  it('an upload that moved on while its store upload was aborted is not counted', async () => {
    const base = world(db, { UPLOAD_ABANDON_AFTER_SEC: '60' });
    const u = await started(base, 1500, 2 * HOUR);
    const racing: BlobStore = {
      ...base.blobs,
      multipart: {
        ...base.blobs.multipart,
        abort: async (k, id) => {
          await moveUpload(db.sql, u.id, ['pending'], 'verifying', new Date(), { actor: 'other' });
          return base.blobs.multipart.abort(k, id);
        },
      },
    };
    const w = world(db, { UPLOAD_ABANDON_AFTER_SEC: '60' }, racing);
    expect(await abortAbandonedUploads({ deps: w.deps, ctx: schedule, input: {} })).toEqual({ aborted: 0, failed: 0 });
    expect((await getUpload(db.sql, u.id))!.status).toBe('verifying');
  });
});
