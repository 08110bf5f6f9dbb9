/**
 * The upload verbs where the S3 store behaves unlike the filesystem one, on the S3-compatible
 * server (test/support/s3-server.ts, SigV4 and SHA-256 checked as S3 does) through the AWS SDK
 * store, and a fresh database on the local PostgreSQL: an object written at the key without a
 * checksum, part checksums as S3 lists them, and the abandon schedule on single uploads (which
 * have no store upload to abort: the S3 store refuses an abort without an upload id).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createS3BlobStore } from '@strata/core/adapters/blob/s3';
import type { BlobStore } from '@strata/core/ports/blob';
import { getUpload } from '@strata/core/uploads/repo';
import { abortAbandonedUploads, completeUpload, createUpload, listUploadParts } from '@strata/core/uploads/service';
import { describeWith } from '../support/reachable';
import { startS3Server, type S3Server } from '../support/s3-server';
import { clock, ctxOf, newKey, openDb, published, sha256Hex, signer, uploadRow, world, type Db } from '../support/uploads-verbs';

await describeWith(['postgres'], 'upload verbs on the S3-compatible server', () => {
  let db: Db;
  let s3: S3Server;
  let blobs: BlobStore;
  beforeAll(async () => {
    [db, s3] = await Promise.all([openDb(), startS3Server({ bucket: 'strata-uploads' })]);
    blobs = createS3BlobStore({ bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, forcePathStyle: true, credentials: s3.credentials, clock });
  });
  afterAll(async () => {
    await db?.close();
    await s3?.close();
  });

  const start = async (size: number, producer = newKey(), env: Record<string, string> = {}) => {
    const w = world(db, env, blobs);
    const pub = await published(db.sql, producer, size);
    const r = await createUpload({ deps: w.deps, ctx: signer(producer), input: { body: { contentHash: pub.contentHash, sizeBytes: size, mimeType: 'application/octet-stream' } } });
    return { w, pub, producer, id: r.upload.uploadId, key: `hot/${pub.contentHash}` };
  };

  it('single: an object at the key with no stored checksum counts by its size alone', async () => {
    const a = await start(200);
    await blobs.put(a.key, a.pub.bytes); // no checksum: HEAD shows none
    expect((await blobs.head(a.key))!.checksumSha256).toBeNull();
    expect((await completeUpload({ deps: a.w.deps, ctx: signer(a.producer), input: { uploadId: a.id } })).status).toBe('verified');

    const b = await start(200);
    await blobs.put(b.key, b.pub.bytes.subarray(0, 199));
    const failed = await completeUpload({ deps: b.w.deps, ctx: signer(b.producer), input: { uploadId: b.id } });
    expect(failed).toMatchObject({ status: 'failed', failure: 'object differs from the declaration' });
    expect(await blobs.head(b.key)).toBeNull();

    // with the checksum S3 keeps for a presigned PUT: the right one verifies
    const c = await start(64);
    await blobs.put(c.key, c.pub.bytes, { sha256Hex: c.pub.contentHash });
    expect((await completeUpload({ deps: c.w.deps, ctx: signer(c.producer), input: { uploadId: c.id } })).status).toBe('verified');
  });

  it('multipart: the listing turns S3 part checksums into hex; the job verifies the join', async () => {
    const m = await start(1500);
    const storeId = (await uploadRow(db.sql, m.id))!.store_upload_id as string;
    const p1 = m.pub.bytes.subarray(0, 1024);
    const p2 = m.pub.bytes.subarray(1024);
    await blobs.multipart.putPart(m.key, storeId, 1, p1, { sha256Hex: sha256Hex(p1) });
    const listed = await listUploadParts({ deps: m.w.deps, ctx: signer(m.producer), input: { uploadId: m.id } });
    expect(listed).toEqual({ uploadId: m.id, status: 'pending', parts: [{ partNumber: 1, size: 1024, sha256: sha256Hex(p1) }], missing: [2] });
    await blobs.multipart.putPart(m.key, storeId, 2, p2, { sha256Hex: sha256Hex(p2) });
    expect((await completeUpload({ deps: m.w.deps, ctx: signer(m.producer), input: { uploadId: m.id } })).status).toBe('verifying');
    await m.w.settle();
    expect(m.w.outcomes).toEqual([{ ok: true }]);
    expect((await getUpload(db.sql, m.id))!.status).toBe('verified');
  });

  it('abandoned single uploads are aborted without a store call; multipart ones with theirs', async () => {
    const HOUR = 3_600_000;
    clock.offsetMs = -2 * HOUR;
    let single: Awaited<ReturnType<typeof start>>;
    let multi: Awaited<ReturnType<typeof start>>;
    try {
      single = await start(100);
      multi = await start(1500);
    } finally {
      clock.offsetMs = 0;
    }
    await db.sql.query(`UPDATE content_uploads SET status = 'aborted' WHERE status = 'pending' AND upload_id <> ALL($1)`, [[single.id, multi.id]]);
    const w = world(db, { UPLOAD_ABANDON_AFTER_SEC: '3600' }, blobs);
    expect(await abortAbandonedUploads({ deps: w.deps, ctx: ctxOf({ kind: 'schedule', job: 'uploads-abort' }), input: {} })).toEqual({ aborted: 2, failed: 0 });
    expect(s3.openMultipartUploads()).not.toContain(multi.key);
    expect((await getUpload(db.sql, single.id))!.status).toBe('aborted');
  });
});
