/**
 * createUpload, getUploadView and the request schemas, called directly on a fresh database on
 * the local PostgreSQL with the filesystem blob store: who may upload what, single PUT or
 * multipart at the threshold, what an in-flight or verified upload of the same content answers,
 * and two starts racing for one content.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BlobStore } from '@strata/core/ports/blob';
import { getUpload, lookupForUpload, moveUpload } from '@strata/core/uploads/repo';
import {
  MimeType,
  NoMembers,
  PartsRequest,
  Presigned,
  PresignedParts,
  StoredParts,
  UploadId,
  UploadIdParam,
  UploadRequest,
  UploadStatus,
  UploadView,
  contentKey,
} from '@strata/core/uploads/schema';
import { completeUpload, createUpload, getUploadView, listUploadParts, presignParts, uploadKey } from '@strata/core/uploads/service';
import { describeWith } from '../support/reachable';
import {
  auditRows,
  checkSigned,
  clock,
  ctxOf,
  hex,
  newKey,
  openDb,
  published,
  refusal,
  seedVersion,
  sha256Hex,
  signer,
  uploadRow,
  world,
  type Db,
} from '../support/uploads-verbs';

await describeWith(['postgres'], 'upload verbs: createUpload', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb();
  });
  afterAll(async () => db?.close());

  const body = (contentHash: string, sizeBytes: number, extra: Record<string, unknown> = {}) => ({ contentHash, sizeBytes, mimeType: 'application/octet-stream', ...extra });

  it('a new small upload: one presigned PUT bound to the content and type, its row and its audit row', async () => {
    const w = world(db, { UPLOAD_URL_TTL_SEC: '900' });
    const key = newKey();
    const pub = await published(db.sql, key, 600, { mimeType: 'text/csv' });
    const before = Math.floor(clock.now() / 1000);
    // the signer's key and the hash in upper case: both are normalised
    const r = await createUpload({ deps: w.deps, ctx: signer(key.toUpperCase(), 'req-create'), input: { body: { contentHash: pub.contentHash.toUpperCase(), sizeBytes: 600, mimeType: 'text/csv' } } });
    const after = Math.floor(clock.now() / 1000);
    expect(r.created).toBe(true);
    expect(r.upload).toEqual({
      uploadId: expect.stringMatching(/^upl_[0-9a-f]{24}$/),
      contentHash: pub.contentHash,
      versionId: pub.versionId,
      key: `hot/${pub.contentHash}`,
      sizeBytes: 600,
      mimeType: 'text/csv',
      mode: 'single',
      status: 'pending',
      put: { url: expect.any(String), method: 'PUT', headers: { 'content-type': 'text/csv' }, expiresAt: expect.any(Number) },
    });
    expect(r.upload.put!.expiresAt).toBeGreaterThanOrEqual(before + 900);
    expect(r.upload.put!.expiresAt).toBeLessThanOrEqual(after + 900);
    expect(await checkSigned(r.upload.put!)).toMatchObject({ ok: true, method: 'PUT', key: `hot/${pub.contentHash}`, sha256Hex: pub.contentHash, contentType: 'text/csv' });

    const row = await uploadRow(db.sql, r.upload.uploadId);
    expect(row).toMatchObject({ identity_key: key, tier: 'hot', mode: 'single', store_upload_id: null, part_size: null, status: 'pending', failure: null, verified_at: null, mime_type: 'text/csv' });
    expect(Number(row!.size_bytes)).toBe(600);
    const audit = await auditRows(db.sql, r.upload.uploadId);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: `identity:${key.toUpperCase()}`,
      action: 'uploads.create',
      request_id: 'req-create',
      after: { contentHash: pub.contentHash, versionId: pub.versionId, mode: 'single', sizeBytes: 600 },
    });

    // the record as the repository reads it back
    const rec = await getUpload(db.sql, r.upload.uploadId);
    expect(rec).toEqual({
      uploadId: r.upload.uploadId,
      contentHash: pub.contentHash,
      versionId: pub.versionId,
      identityKey: key,
      tier: 'hot',
      sizeBytes: 600,
      mimeType: 'text/csv',
      mode: 'single',
      storeUploadId: null,
      partSize: null,
      status: 'pending',
      failure: null,
      createdAt: expect.any(Date),
      verifiedAt: null,
    });
    expect(uploadKey(rec!)).toBe(`hot/${pub.contentHash}`);
    expect(contentKey('cold', 'ab')).toBe('cold/ab');

    // the state as GET /v1/uploads/:id shows it: no put URL
    const { put: _put, ...shown } = r.upload;
    expect(await getUploadView({ deps: w.deps, ctx: ctxOf({ kind: 'anonymous' }), input: { uploadId: r.upload.uploadId } })).toEqual(shown);

    // a second content gets another id
    const pub2 = await published(db.sql, key, 10);
    const r2 = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub2.contentHash, 10) } });
    expect(r2.upload.uploadId).not.toBe(r.upload.uploadId);
  });

  it('getUploadView: a malformed id is a field problem, an unknown one not found', async () => {
    const w = world(db);
    const bad = await refusal(getUploadView({ deps: w.deps, ctx: ctxOf({ kind: 'anonymous' }), input: { uploadId: 'upl_123' } }));
    expect(bad.code).toBe('validation-failed');
    expect(bad.extra.issues).toEqual([{ path: 'path.uploadId', message: 'must be upl_ followed by 24 hex characters' }]);
    const none = await refusal(getUploadView({ deps: w.deps, ctx: ctxOf({ kind: 'anonymous' }), input: { uploadId: `upl_${'0'.repeat(24)}` } }));
    expect(none.code).toBe('not-found');
    expect(none.message).toBe('No upload has this id.');
  });

  it('single PUT up to the threshold, multipart past it: part size and count from the configuration', async () => {
    const w = world(db, { UPLOAD_MULTIPART_THRESHOLD_BYTES: '2000', UPLOAD_PART_SIZE_BYTES: '1500' });
    const key = newKey();
    const at = await published(db.sql, key, 2000);
    const single = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(at.contentHash, 2000) } });
    expect(single.upload.mode).toBe('single');
    expect(single.upload.put).toBeDefined();
    expect(single.upload).not.toHaveProperty('partSize');
    expect(single.upload).not.toHaveProperty('partCount');

    const past = await published(db.sql, key, 2001, { mimeType: 'text/plain' });
    const multi = await createUpload({ deps: w.deps, ctx: signer(key, 'req-multi'), input: { body: body(past.contentHash, 2001, { mimeType: 'text/plain' }) } });
    expect(multi.created).toBe(true);
    expect(multi.upload).toEqual({
      uploadId: expect.stringMatching(/^upl_[0-9a-f]{24}$/),
      contentHash: past.contentHash,
      versionId: past.versionId,
      key: `hot/${past.contentHash}`,
      sizeBytes: 2001,
      mimeType: 'text/plain',
      mode: 'multipart',
      status: 'pending',
      partSize: 1500,
      partCount: 2,
    });
    const row = await uploadRow(db.sql, multi.upload.uploadId);
    expect(Number(row!.part_size)).toBe(1500);
    expect((await getUpload(db.sql, multi.upload.uploadId))!.partSize).toBe(1500);
    // the store's multipart upload is open, for this key, and takes the declared type
    const storeId = row!.store_upload_id as string;
    const k = `hot/${past.contentHash}`;
    expect(await w.blobs.multipart.listParts(k, storeId)).toEqual([]);
    const p1 = past.bytes.subarray(0, 1500);
    const p2 = past.bytes.subarray(1500);
    await w.blobs.multipart.putPart(k, storeId, 1, p1, { sha256Hex: sha256Hex(p1) });
    await w.blobs.multipart.putPart(k, storeId, 2, p2, { sha256Hex: sha256Hex(p2) });
    const done = await completeUpload({ deps: w.deps, ctx: signer(key), input: { uploadId: multi.upload.uploadId } });
    expect(done.status).toBe('verifying');
    expect((await w.blobs.head(k))!.contentType).toBe('text/plain');
    expect((await auditRows(db.sql, multi.upload.uploadId))[0]!.after).toEqual({ contentHash: past.contentHash, versionId: past.versionId, mode: 'multipart', sizeBytes: 2001 });

    // an exact multiple of the part size: every part full
    const even = await published(db.sql, key, 3000);
    const e = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(even.contentHash, 3000) } });
    expect(e.upload).toMatchObject({ mode: 'multipart', partSize: 1500, partCount: 2 });
    const odd = await published(db.sql, key, 3001);
    const o = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(odd.contentHash, 3001) } });
    expect(o.upload).toMatchObject({ mode: 'multipart', partSize: 1500, partCount: 3 });
  });

  it('sizes up to UPLOAD_MAX_BYTES are taken, one byte more is payload-too-large before any lookup', async () => {
    const w = world(db, { UPLOAD_MAX_BYTES: '5000' });
    const key = newKey();
    const ok = await published(db.sql, key, 5000);
    expect((await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(ok.contentHash, 5000) } })).created).toBe(true);
    const big = await refusal(createUpload({ deps: w.deps, ctx: signer(key), input: { body: body('ab'.repeat(32), 5001) } }));
    expect(big.code).toBe('payload-too-large');
    expect(big.message).toBe('Objects are limited to 5000 bytes.');
    expect(big.extra.hint).toBe('sizeBytes');
  });

  it('only identity-signed calls may upload', async () => {
    const w = world(db);
    for (const actor of [{ kind: 'anonymous' as const }, { kind: 'admin' as const }]) {
      const e = await refusal(createUpload({ deps: w.deps, ctx: ctxOf(actor), input: { body: body('ab'.repeat(32), 10) } }));
      expect(e.code).toBe('unauthorized');
      expect(e.message).toBe('Uploads must be identity-signed by the producer.');
      expect(e.extra.hint).toBe('missing X-Identity-Key');
    }
  });

  it('bad bodies are validation problems naming each field', async () => {
    const w = world(db);
    const ok = { contentHash: 'ab'.repeat(32), sizeBytes: 1, mimeType: 'text/plain' };
    const cases: Array<[unknown, Array<{ path: string; message?: string }>]> = [
      [{ ...ok, contentHash: 'xyz' }, [{ path: 'body.contentHash', message: 'must be 64 hex characters' }]],
      [{ ...ok, contentHash: 'a'.repeat(63) }, [{ path: 'body.contentHash' }]],
      [{ ...ok, contentHash: 'a'.repeat(65) }, [{ path: 'body.contentHash' }]],
      [{ ...ok, contentHash: `${'a'.repeat(63)}g` }, [{ path: 'body.contentHash' }]],
      [{ ...ok, contentHash: ` ${'a'.repeat(64)}` }, [{ path: 'body.contentHash' }]],
      [{ ...ok, versionId: 'v1' }, [{ path: 'body.versionId', message: 'must be 64 hex characters' }]],
      [{ ...ok, sizeBytes: -1 }, [{ path: 'body.sizeBytes' }]],
      [{ ...ok, sizeBytes: 1.5 }, [{ path: 'body.sizeBytes' }]],
      [{ ...ok, sizeBytes: Number.MAX_SAFE_INTEGER + 2 }, [{ path: 'body.sizeBytes' }]],
      [{ ...ok, sizeBytes: '1' }, [{ path: 'body.sizeBytes' }]],
      [{ ...ok, mimeType: 'not a mime\r\nx: y' }, [{ path: 'body.mimeType', message: 'must be a MIME type such as text/csv' }]],
      [{ ...ok, mimeType: `text/${'a'.repeat(251)}` }, [{ path: 'body.mimeType' }]],
      [{ ...ok, extra: 1 }, [{ path: 'body.extra', message: 'unknown key' }]],
      [{ sizeBytes: 1, mimeType: 'text/plain' }, [{ path: 'body.contentHash' }]],
    ];
    for (const [b, issues] of cases) {
      const e = await refusal(createUpload({ deps: w.deps, ctx: signer(newKey()), input: { body: b } }));
      expect(e.code, JSON.stringify(b)).toBe('validation-failed');
      expect(e.extra.issues, JSON.stringify(b)).toEqual(expect.arrayContaining(issues.map((i) => expect.objectContaining(i))));
      expect(new Set(e.extra.issues!.map((i) => i.path)), JSON.stringify(b)).toEqual(new Set(issues.map((i) => i.path)));
    }
    // the largest safe integer is a valid size (refused only by the configured maximum)
    const max = await refusal(createUpload({ deps: w.deps, ctx: signer(newKey()), input: { body: { ...ok, sizeBytes: Number.MAX_SAFE_INTEGER } } }));
    expect(max.code).toBe('payload-too-large');
    // zero bytes is a valid size; 255 characters a valid MIME type
    expect(await refusal(createUpload({ deps: w.deps, ctx: signer(newKey()), input: { body: { ...ok, sizeBytes: 0, mimeType: `text/${'a'.repeat(250)}` } } }))).toMatchObject({ code: 'not-found' });
  });

  it('the schemas at their edges', () => {
    const h = 'Ab'.repeat(32);
    expect(UploadRequest.parse({ contentHash: h, versionId: h, sizeBytes: 0, mimeType: 'text/csv' })).toEqual({ contentHash: h.toLowerCase(), versionId: h.toLowerCase(), sizeBytes: 0, mimeType: 'text/csv' });
    for (const m of ['text/csv', 'application/vnd.api+json', 'text/plain; charset=utf-8', 'text/plain ; charset=utf-8', 'text/plain;q="a b"', 'a/b;x=y;z=w', `text/${'a'.repeat(250)}`]) expect(MimeType.safeParse(m).success, m).toBe(true);
    for (const m of ['text', '/csv', 'text/', 'text/csv;', 'text/csv; x', '-a/b', 'a/-b', 'a/b c', 'a b/c', 'text/csv\n', `text/${'a'.repeat(251)}`, 'a/b;x="\u0001"', 'a/b;x="é"'])
      expect(MimeType.safeParse(m).success, m).toBe(false);
    expect(UploadId.safeParse(`upl_${'a'.repeat(24)}`).success).toBe(true);
    for (const id of [`upl_${'a'.repeat(23)}`, `upl_${'a'.repeat(25)}`, `upl_${'A'.repeat(24)}`, `xupl_${'a'.repeat(24)}`, `upl_${'a'.repeat(24)}x`, `upl${'a'.repeat(25)}`]) expect(UploadId.safeParse(id).success, id).toBe(false);
    const part = (n: number) => ({ partNumber: n, sha256: 'CD'.repeat(32) });
    expect(PartsRequest.parse({ parts: [part(1), part(10_000)] }).parts[1]).toEqual({ partNumber: 10_000, sha256: 'cd'.repeat(32) });
    expect(PartsRequest.safeParse({ parts: Array.from({ length: 1000 }, (_, i) => part(i + 1)) }).success).toBe(true);
    const refused = (v: unknown) => {
      const r = PartsRequest.safeParse(v);
      expect(r.success, JSON.stringify(v).slice(0, 80)).toBe(false);
      return r.error!.issues.map((i) => i.message);
    };
    refused({ parts: [] });
    refused({ parts: Array.from({ length: 1001 }, (_, i) => part(i + 1)) });
    refused({ parts: [part(0)] });
    refused({ parts: [part(10_001)] });
    refused({ parts: [part(1.5)] });
    refused({ parts: [{ ...part(1), extra: 1 }] });
    refused({ parts: [part(1)], extra: 1 });
    expect(refused({ parts: [part(2), part(3), part(2)] })).toEqual(['part numbers must be distinct']);
  });

  it('which version: the one named, else one by the signer among those declaring the content', async () => {
    const w = world(db);
    const mine = newKey();
    const other = newKey();
    const bytes = new Uint8Array(50).fill(7);
    const contentHash = sha256Hex(bytes);
    const theirs = await seedVersion(db.sql, { contentHash, producerKey: other, sizeBytes: 50 });
    const ours = await seedVersion(db.sql, { contentHash, producerKey: mine, sizeBytes: 50 });
    // named: the other producer's version is not ours to upload
    const named = await refusal(createUpload({ deps: w.deps, ctx: signer(mine), input: { body: body(contentHash, 50, { versionId: theirs }) } }));
    expect(named.code).toBe('forbidden');
    const lookup = await lookupForUpload(db.sql, { versionId: null, contentHash });
    expect(lookup.versions.map((v) => v.versionId).sort()).toEqual([theirs, ours].sort());
    expect(lookup.versions.find((v) => v.versionId === ours)).toEqual({ versionId: ours, contentHash, sizeBytes: 50, producerKey: mine });
    expect(lookup.existing).toBeNull();
    // unnamed: ours, found among both
    const r = await createUpload({ deps: w.deps, ctx: signer(mine), input: { body: body(contentHash, 50) } });
    expect(r.upload.versionId).toBe(ours);
    const again = await lookupForUpload(db.sql, { versionId: theirs, contentHash });
    expect(again.versions.map((v) => v.versionId)).toEqual([theirs]);
    expect(again.existing?.uploadId).toBe(r.upload.uploadId);
    // named, ours: that version
    const third = await seedVersion(db.sql, { contentHash, producerKey: mine, sizeBytes: 50 });
    const n2 = await createUpload({ deps: w.deps, ctx: signer(mine), input: { body: body(contentHash, 50, { versionId: third }) } });
    expect(n2).toMatchObject({ created: false, upload: { uploadId: r.upload.uploadId } });
  });

  it('refusals: no version, other content, not the producer, a size other than the manifest', async () => {
    const w = world(db);
    const key = newKey();
    const pub = await published(db.sql, key, 300);
    const unknown = await refusal(createUpload({ deps: w.deps, ctx: signer(key), input: { body: body('ab'.repeat(32), 300) } }));
    expect(unknown).toMatchObject({ code: 'not-found', message: 'No published version declares this content.', extra: { hint: 'publish the version first' } });
    const unnamed = await refusal(createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 300, { versionId: 'ef'.repeat(32) }) } }));
    expect(unnamed).toMatchObject({ code: 'not-found', message: 'No published version has this id.', extra: { hint: 'publish the version first' } });

    const other = await refusal(createUpload({ deps: w.deps, ctx: signer(key), input: { body: body('cd'.repeat(32), 300, { versionId: pub.versionId }) } }));
    expect(other).toMatchObject({ code: 'content-mismatch', message: 'The version declares other content.', extra: { hint: `version contentHash=${pub.contentHash}` } });

    const stranger = await refusal(createUpload({ deps: w.deps, ctx: signer(newKey()), input: { body: body(pub.contentHash, 300) } }));
    expect(stranger).toMatchObject({ code: 'forbidden', message: "Only the version's producer may upload its content.", extra: { hint: 'signer is not the producer' } });
    // a version without a producer: nobody may upload it
    const orphan = await published(db.sql, key, 20);
    await db.sql.query(`UPDATE assets SET producer_id = NULL WHERE version_id = $1`, [orphan.versionId]);
    expect(await refusal(createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(orphan.contentHash, 20) } }))).toMatchObject({ code: 'forbidden' });

    const size = await refusal(createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 301) } }));
    expect(size).toMatchObject({ code: 'conflict', message: 'sizeBytes differs from the manifest.', extra: { hint: 'manifest sizeBytes=300' } });
    // a manifest without a size takes any
    const free = await published(db.sql, key, 40, { manifestSize: null });
    expect((await lookupForUpload(db.sql, { versionId: free.versionId, contentHash: free.contentHash })).versions[0]!.sizeBytes).toBeNull();
    expect((await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(free.contentHash, 41) } })).upload.sizeBytes).toBe(41);
    const rows = await db.sql.query(`SELECT count(*)::int AS n FROM content_uploads WHERE content_hash = ANY($1)`, [[pub.contentHash, orphan.contentHash]]);
    expect(rows[0]!.n).toBe(0);
  });

  it('content already verified is handed back, to any producer that declares it, without a put URL', async () => {
    const w = world(db);
    const key = newKey();
    const pub = await published(db.sql, key, 100);
    const r = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 100) } });
    await w.blobs.put(`hot/${pub.contentHash}`, pub.bytes, { sha256Hex: pub.contentHash });
    expect((await completeUpload({ deps: w.deps, ctx: signer(key), input: { uploadId: r.upload.uploadId } })).status).toBe('verified');
    const { put: _put, ...shown } = r.upload;
    const again = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 100) } });
    expect(again).toEqual({ created: false, upload: { ...shown, status: 'verified' } });
    // another producer of another version of the same content
    const other = newKey();
    await seedVersion(db.sql, { contentHash: pub.contentHash, producerKey: other, sizeBytes: 100 });
    expect(await createUpload({ deps: w.deps, ctx: signer(other), input: { body: body(pub.contentHash, 100) } })).toEqual({ created: false, upload: { ...shown, status: 'verified' } });
  });

  it('an upload in flight: resumed by its producer (fresh put URL when single), refused to others and at another size', async () => {
    const w = world(db);
    const key = newKey();
    const pub = await published(db.sql, key, 100, { manifestSize: null });
    const first = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 100) } });
    clock.offsetMs = 5_000;
    try {
      const resumed = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 100) } });
      expect(resumed.created).toBe(false);
      expect(resumed.upload).toEqual({ ...first.upload, put: { ...first.upload.put!, url: expect.any(String), expiresAt: first.upload.put!.expiresAt + 5 } });
      expect(await checkSigned(resumed.upload.put!)).toMatchObject({ ok: true, sha256Hex: pub.contentHash });
    } finally {
      clock.offsetMs = 0;
    }
    const sized = await refusal(createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 99) } }));
    expect(sized).toMatchObject({ code: 'conflict', message: 'An upload of this content with another size is in progress.', extra: { hint: `uploadId=${first.upload.uploadId}` } });
    const other = newKey();
    await seedVersion(db.sql, { contentHash: pub.contentHash, producerKey: other, sizeBytes: 100 });
    const theirs = await refusal(createUpload({ deps: w.deps, ctx: signer(other), input: { body: body(pub.contentHash, 100) } }));
    expect(theirs).toMatchObject({ code: 'conflict', message: 'Another producer is uploading this content.', extra: { hint: 'upload-in-progress' } });

    // multipart in flight, then verifying: handed back without a put URL
    const big = await published(db.sql, key, 1500);
    const m = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(big.contentHash, 1500) } });
    expect(await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(big.contentHash, 1500) } })).toEqual({ created: false, upload: m.upload });
    await moveUpload(db.sql, m.upload.uploadId, ['pending'], 'verifying', new Date(), { actor: 'test' });
    expect(await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(big.contentHash, 1500) } })).toEqual({ created: false, upload: { ...m.upload, status: 'verifying' } });
    // a single upload that is no longer pending gets no put URL either
    const s = await published(db.sql, key, 30);
    const su = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(s.contentHash, 30) } });
    await moveUpload(db.sql, su.upload.uploadId, ['pending'], 'verifying', new Date(), { actor: 'test' });
    const { put: _p, ...shown } = su.upload;
    expect(await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(s.contentHash, 30) } })).toEqual({ created: false, upload: { ...shown, status: 'verifying' } });
  });

  it('a failed or aborted upload frees the content for a new one', async () => {
    const w = world(db);
    const key = newKey();
    const pub = await published(db.sql, key, 100);
    const first = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 100) } });
    await moveUpload(db.sql, first.upload.uploadId, ['pending'], 'failed', new Date(), { actor: 'test' }, 'x');
    const second = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 100) } });
    expect(second.created).toBe(true);
    expect(second.upload.uploadId).not.toBe(first.upload.uploadId);
    await moveUpload(db.sql, second.upload.uploadId, ['pending'], 'aborted', new Date(), { actor: 'test' }, 'abandoned');
    expect((await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(pub.contentHash, 100) } })).created).toBe(true);
  });

  /** A store whose multipart.create first runs `during` (another request arriving meanwhile). */
  function racing(blobs: BlobStore, during: () => Promise<unknown>): BlobStore {
    let once: (() => Promise<unknown>) | null = during;
    return {
      ...blobs,
      multipart: {
        ...blobs.multipart,
        async create(k, o) {
          const f = once;
          once = null;
          if (f) await f();
          return blobs.multipart.create(k, o);
        },
      },
    };
  }
  const openStoreUploads = async (root: string) => readdir(join(root, 'multipart')).catch(() => [] as string[]);

  it('two starts of one multipart upload racing: one row, a conflict for the other, whose store upload is discarded', async () => {
    const base = world(db);
    const root = (base.blobs as BlobStore & { root: string }).root;
    const key = newKey();
    const pub = await published(db.sql, key, 1500);
    let winner: Awaited<ReturnType<typeof createUpload>> | undefined;
    const w = world(db, {}, racing(base.blobs, async () => (winner = await createUpload({ deps: base.deps, ctx: signer(key), input: { body: body(pub.contentHash, 1500) } }))));
    const ctx = signer(key);
    const e = await refusal(createUpload({ deps: w.deps, ctx, input: { body: body(pub.contentHash, 1500) } }));
    expect(e).toMatchObject({ code: 'conflict', message: 'Another upload of this content started at the same time.', extra: { hint: 'upload-in-progress' } });
    await Promise.all(ctx.pending);
    const rows = await db.sql.query(`SELECT upload_id, store_upload_id FROM content_uploads WHERE content_hash = $1`, [pub.contentHash]);
    expect(rows.map((r) => r.upload_id)).toEqual([winner!.upload.uploadId]);
    expect(await openStoreUploads(root)).toEqual([rows[0]!.store_upload_id]);
  });

  it('an insert failing for another reason is not a conflict, and the store upload is discarded too', async () => {
    const base = world(db);
    const root = (base.blobs as BlobStore & { root: string }).root;
    const key = newKey();
    const pub = await published(db.sql, key, 1500);
    // the version disappears while the store creates the upload
    const w = world(db, {}, racing(base.blobs, async () => {
      await db.sql.query(`DELETE FROM assets WHERE version_id = $1`, [pub.versionId]);
      await db.sql.query(`DELETE FROM manifests WHERE version_id = $1`, [pub.versionId]);
    }));
    const ctx = signer(key);
    const e = await createUpload({ deps: w.deps, ctx, input: { body: body(pub.contentHash, 1500) } }).then(
      () => null,
      (x: unknown) => x as { code?: string },
    );
    expect(e).not.toBeNull();
    expect(e!.code).not.toBe('conflict');
    expect(String(e)).toMatch(/foreign key|23503/i);
    await Promise.all(ctx.pending);
    expect(await openStoreUploads(root)).toEqual([]);
    expect((await db.sql.query(`SELECT count(*)::int AS n FROM content_uploads WHERE content_hash = $1`, [pub.contentHash]))[0]!.n).toBe(0);
  });

  it('lookupForUpload: only pending, verifying and verified uploads count as existing', async () => {
    const key = newKey();
    const pub = await published(db.sql, key, 10);
    const id = `upl_${hex(12)}`;
    await db.sql.query(
      `INSERT INTO content_uploads (upload_id, content_hash, version_id, identity_key, size_bytes, mime_type, mode, status) VALUES ($1, $2, $3, $4, 10, 'x/y', 'single', 'failed')`,
      [id, pub.contentHash, pub.versionId, key],
    );
    expect((await lookupForUpload(db.sql, { versionId: null, contentHash: pub.contentHash })).existing).toBeNull();
    await db.sql.query(`UPDATE content_uploads SET status = 'verifying' WHERE upload_id = $1`, [id]);
    expect((await lookupForUpload(db.sql, { versionId: null, contentHash: pub.contentHash })).existing).toMatchObject({ uploadId: id, status: 'verifying', sizeBytes: 10 });
  });

  it("the verbs' answers are what the routes declare (the OpenAPI document's response schemas), nothing dropped", async () => {
    const w = world(db);
    const key = newKey();
    const same = (schema: { parse(v: unknown): unknown }, v: unknown) => expect(schema.parse(v)).toEqual(v);
    const small = await published(db.sql, key, 10);
    const s = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(small.contentHash, 10) } });
    same(UploadView, s.upload);
    same(Presigned, s.upload.put);
    same(Presigned, await w.blobs.presignGet(`hot/${small.contentHash}`, { expiresInSec: 60 }));
    const big = await published(db.sql, key, 1500);
    const m = await createUpload({ deps: w.deps, ctx: signer(key), input: { body: body(big.contentHash, 1500) } });
    same(UploadView, m.upload);
    const p1 = big.bytes.subarray(0, 1024);
    same(PresignedParts, await presignParts({ deps: w.deps, ctx: signer(key), input: { uploadId: m.upload.uploadId, body: { parts: [{ partNumber: 1, sha256: sha256Hex(p1) }] } } }));
    const storeId = (await uploadRow(db.sql, m.upload.uploadId))!.store_upload_id as string;
    await w.blobs.multipart.putPart(`hot/${big.contentHash}`, storeId, 1, p1, { sha256Hex: sha256Hex(p1) });
    const listed = await listUploadParts({ deps: w.deps, ctx: signer(key), input: { uploadId: m.upload.uploadId } });
    expect(listed.parts).toHaveLength(1);
    same(StoredParts, listed);
    await moveUpload(db.sql, s.upload.uploadId, ['pending'], 'failed', new Date(), { actor: 'test' }, 'x');
    same(UploadView, await getUploadView({ deps: w.deps, ctx: ctxOf({ kind: 'anonymous' }), input: { uploadId: s.upload.uploadId } }));
    expect(UploadStatus.options).toEqual(['pending', 'verifying', 'verified', 'failed', 'aborted']);
    same(UploadIdParam, { uploadId: m.upload.uploadId });
    expect(UploadIdParam.safeParse({ uploadId: 'upl_1' }).success).toBe(false);
    same(NoMembers, {});
    expect(NoMembers.safeParse({ a: 1 }).success).toBe(false);
    // what the document says of them
    expect(Presigned.meta()).toEqual({ description: 'A presigned request: send exactly these headers with the bytes.' });
    expect(NoMembers.meta()).toEqual({ description: 'No members: send no body (signed as the empty string) or `{}`.' });
  });
});
