/**
 * The rest of an upload, called directly on a fresh database on the local PostgreSQL with the
 * filesystem blob store: presigned parts, the parts listing a client resumes from, complete
 * (single: the store's HEAD; multipart: every part there at its size, then the join) and the
 * `upload.verify` job that hashes the joined object, through the real in-process queue.
 */
import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createFsBlobStore } from '@strata/core/adapters/blob/fs';
import type { Deps } from '@strata/core/deps';
import { createJobRouter } from '@strata/core/jobs/router';
import { createBackground } from '@strata/core/observability/background';
import { createLogger } from '@strata/core/observability/log';
import type { BlobStore } from '@strata/core/ports/blob';
import type { Delivery } from '@strata/core/ports/queue';
import { registerUploadJobs } from '@strata/core/uploads/jobs';
import { getUpload, moveUpload } from '@strata/core/uploads/repo';
import { VERIFY_CHUNK_BYTES, completeUpload, consumeVerify, createUpload, listUploadParts, presignParts, verifyUpload } from '@strata/core/uploads/service';
import { describeWith } from '../support/reachable';
import {
  PUBLIC_BASE,
  SIGNING_SECRET,
  auditRows,
  checkSigned,
  clock,
  ctxOf,
  hex,
  newKey,
  openDb,
  published,
  refusal,
  sha256Hex,
  signer,
  uploadRow,
  world,
  type Db,
  type World,
} from '../support/uploads-verbs';

await describeWith(['postgres'], 'upload verbs: parts, complete, verify', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDb();
  });
  afterAll(async () => db?.close());

  const body = (contentHash: string, sizeBytes: number) => ({ contentHash, sizeBytes, mimeType: 'application/octet-stream' });

  /** A multipart upload of `size` random bytes (part size 1024) and the means to put its parts. */
  async function multipart(w: World, size: number, producer = newKey()) {
    const pub = await published(db.sql, producer, size);
    const r = await createUpload({ deps: w.deps, ctx: signer(producer), input: { body: body(pub.contentHash, size) } });
    const storeId = (await uploadRow(db.sql, r.upload.uploadId))!.store_upload_id as string;
    const key = `hot/${pub.contentHash}`;
    const part = (n: number) => pub.bytes.subarray((n - 1) * 1024, Math.min(n * 1024, size));
    const put = (n: number, bytes = part(n)) => w.blobs.multipart.putPart(key, storeId, n, bytes, { sha256Hex: sha256Hex(bytes) });
    return { pub, producer, id: r.upload.uploadId, view: r.upload, storeId, key, part, put };
  }

  async function single(w: World, size: number, producer = newKey()) {
    const pub = await published(db.sql, producer, size);
    const r = await createUpload({ deps: w.deps, ctx: signer(producer), input: { body: body(pub.contentHash, size) } });
    return { pub, producer, id: r.upload.uploadId, view: r.upload, key: `hot/${pub.contentHash}` };
  }
  const status = async (id: string) => (await getUpload(db.sql, id))!.status;

  it('presigned parts: each bound to its number, its SHA-256 and the store upload, with its size', async () => {
    const w = world(db, { UPLOAD_URL_TTL_SEC: '600' });
    const m = await multipart(w, 2500);
    const sha = (n: number) => sha256Hex(m.part(n));
    const before = Math.floor(clock.now() / 1000);
    const r = await presignParts({ deps: w.deps, ctx: signer(m.producer.toUpperCase()), input: { uploadId: m.id, body: { parts: [{ partNumber: 3, sha256: sha(3).toUpperCase() }, { partNumber: 1, sha256: sha(1) }] } } });
    expect(r).toEqual({
      uploadId: m.id,
      parts: [
        { partNumber: 3, size: 452, url: expect.any(String), method: 'PUT', headers: {}, expiresAt: expect.any(Number) },
        { partNumber: 1, size: 1024, url: expect.any(String), method: 'PUT', headers: {}, expiresAt: expect.any(Number) },
      ],
    });
    for (const [i, n] of [3, 1].entries()) {
      const p = r.parts[i]!;
      expect(p.expiresAt - before).toBeGreaterThanOrEqual(600);
      expect(p.expiresAt - before).toBeLessThanOrEqual(601);
      expect(await checkSigned(p)).toMatchObject({ ok: true, key: m.key, sha256Hex: sha(n), uploadId: m.storeId, partNumber: n });
    }
    // the last part of an exact multiple is a full part
    const even = await multipart(w, 2048);
    const e = await presignParts({ deps: w.deps, ctx: signer(even.producer), input: { uploadId: even.id, body: { parts: [{ partNumber: 2, sha256: sha256Hex(even.part(2)) }] } } });
    expect(e.parts.map((p) => p.size)).toEqual([1024]);
    // past the last part
    const past = await refusal(presignParts({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id, body: { parts: [{ partNumber: 2, sha256: sha(2) }, { partNumber: 4, sha256: sha(1) }] } } }));
    expect(past).toMatchObject({ code: 'bad-request', message: 'Part 4 is past the last part (3).', extra: { hint: 'body.parts.partNumber' } });
  });

  it('only the producer that started an upload continues it; bad ids and bodies are field problems', async () => {
    const w = world(db);
    const m = await multipart(w, 1500);
    const parts = { parts: [{ partNumber: 1, sha256: 'ab'.repeat(32) }] };
    const anon = await refusal(presignParts({ deps: w.deps, ctx: ctxOf({ kind: 'anonymous' }), input: { uploadId: m.id, body: parts } }));
    expect(anon).toMatchObject({ code: 'unauthorized', extra: { hint: 'missing X-Identity-Key' } });
    const bad = await refusal(presignParts({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: 'upl_x', body: parts } }));
    expect(bad.code).toBe('validation-failed');
    expect(bad.extra.issues).toEqual([{ path: 'path.uploadId', message: 'must be upl_ followed by 24 hex characters' }]);
    const none = await refusal(presignParts({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: `upl_${'1'.repeat(24)}`, body: parts } }));
    expect(none).toMatchObject({ code: 'not-found', message: 'No upload has this id.' });
    for (const run of [
      (ctx: ReturnType<typeof signer>) => presignParts({ deps: w.deps, ctx, input: { uploadId: m.id, body: parts } }),
      (ctx: ReturnType<typeof signer>) => listUploadParts({ deps: w.deps, ctx, input: { uploadId: m.id } }),
      (ctx: ReturnType<typeof signer>) => completeUpload({ deps: w.deps, ctx, input: { uploadId: m.id } }),
    ]) {
      const other = await refusal(run(signer(newKey())));
      expect(other).toMatchObject({ code: 'forbidden', message: 'Only the producer that started this upload may continue it.', extra: { hint: 'not-your-upload' } });
    }
    const dup = await refusal(presignParts({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id, body: { parts: [parts.parts[0], parts.parts[0]] } } }));
    expect(dup.extra.issues).toEqual([{ path: 'body.parts', message: 'part numbers must be distinct' }]);
    const zero = await refusal(presignParts({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id, body: { parts: [{ partNumber: 0, sha256: 'ab'.repeat(32) }] } } }));
    expect(zero.extra.issues).toEqual([expect.objectContaining({ path: 'body.parts.0.partNumber' })]);
    expect(await status(m.id)).toBe('pending');
  });

  it('parts of a single upload, or of one no longer pending, are refused', async () => {
    const w = world(db);
    const s = await single(w, 100);
    const parts = { parts: [{ partNumber: 1, sha256: 'ab'.repeat(32) }] };
    const one = await refusal(presignParts({ deps: w.deps, ctx: signer(s.producer), input: { uploadId: s.id, body: parts } }));
    expect(one).toMatchObject({ code: 'conflict', message: 'This upload is a single PUT, not multipart.', extra: { hint: 'use the put URL from POST /v1/uploads' } });
    const listed = await refusal(listUploadParts({ deps: w.deps, ctx: signer(s.producer), input: { uploadId: s.id } }));
    expect(listed).toMatchObject({ code: 'conflict', message: 'This upload is a single PUT, not multipart.' });
    const m = await multipart(w, 1500);
    await moveUpload(db.sql, m.id, ['pending'], 'verifying', new Date(), { actor: 'test' });
    const late = await refusal(presignParts({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id, body: parts } }));
    expect(late).toMatchObject({ code: 'conflict', message: 'The upload is verifying.', extra: { hint: 'status=verifying' } });
    expect(await listUploadParts({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id } })).toEqual({ uploadId: m.id, status: 'verifying', parts: [], missing: [] });
  });

  it('the parts listing: what the store holds (with each SHA-256) and what is missing', async () => {
    const w = world(db);
    const m = await multipart(w, 2500);
    const list = () => listUploadParts({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id } });
    expect(await list()).toEqual({ uploadId: m.id, status: 'pending', parts: [], missing: [1, 2, 3] });
    await m.put(1);
    await m.put(3);
    expect(await list()).toEqual({
      uploadId: m.id,
      status: 'pending',
      parts: [
        { partNumber: 1, size: 1024, sha256: sha256Hex(m.part(1)) },
        { partNumber: 3, size: 452, sha256: sha256Hex(m.part(3)) },
      ],
      missing: [2],
    });
    // the store's upload gone (aborted behind our back): nothing there, everything missing
    await w.blobs.multipart.abort(m.key, m.storeId);
    expect(await list()).toEqual({ uploadId: m.id, status: 'pending', parts: [], missing: [1, 2, 3] });
  });

  it('single: complete before the bytes is refused; with them verified (once), with other bytes failed and removed', async () => {
    const w = world(db);
    const s = await single(w, 300);
    const ctx = signer(s.producer, 'req-complete');
    const early = await refusal(completeUpload({ deps: w.deps, ctx, input: { uploadId: s.id } }));
    expect(early).toMatchObject({ code: 'conflict', message: 'Nothing has been uploaded yet.', extra: { hint: 'PUT the bytes to the put URL first' } });
    expect(await status(s.id)).toBe('pending');

    await w.blobs.put(s.key, s.pub.bytes, { sha256Hex: s.pub.contentHash });
    const { put: _put, ...shown } = s.view;
    clock.offsetMs = 7_000;
    try {
      expect(await completeUpload({ deps: w.deps, ctx, input: { uploadId: s.id } })).toEqual({ ...shown, status: 'verified' });
    } finally {
      clock.offsetMs = 0;
    }
    const rec = (await getUpload(db.sql, s.id))!;
    expect(rec.verifiedAt!.getTime()).toBeGreaterThanOrEqual(Date.now() + 5_000);
    const audit = await auditRows(db.sql, s.id);
    expect(audit.map((a) => a.action)).toEqual(['uploads.create', 'uploads.verified']);
    expect(audit[1]).toMatchObject({ actor: `identity:${s.producer}`, request_id: 'req-complete', before: { status: 'pending' }, after: { status: 'verified', failure: null } });
    expect(new Date(audit[1]!.at as string).getTime()).toBe(rec.verifiedAt!.getTime());
    // again: the verified view, nothing moved, no job
    expect(await completeUpload({ deps: w.deps, ctx, input: { uploadId: s.id } })).toEqual({ ...shown, status: 'verified' });
    await w.settle();
    expect(w.delivered).toEqual([]);
    expect(await auditRows(db.sql, s.id)).toHaveLength(2);

    // other bytes of the same size written at the key by other means
    const o = await single(w, 300);
    await w.blobs.put(o.key, new Uint8Array(300).fill(1));
    const failed = await completeUpload({ deps: w.deps, ctx: signer(o.producer), input: { uploadId: o.id } });
    const { put: _p2, ...oShown } = o.view;
    expect(failed).toEqual({ ...oShown, status: 'failed', failure: 'object differs from the declaration' });
    expect(await w.blobs.head(o.key)).toBeNull();
    expect((await auditRows(db.sql, o.id))[1]).toMatchObject({ action: 'uploads.failed', after: { status: 'failed', failure: 'object differs from the declaration' } });
    // a failed upload completes to its state
    expect(await completeUpload({ deps: w.deps, ctx: signer(o.producer), input: { uploadId: o.id } })).toEqual(failed);

    // the right bytes but a size other than declared (the declared size was wrong)
    const z = await published(db.sql, s.producer, 50, { manifestSize: null });
    const zr = await createUpload({ deps: w.deps, ctx: signer(s.producer), input: { body: body(z.contentHash, 51) } });
    await w.blobs.put(`hot/${z.contentHash}`, z.bytes, { sha256Hex: z.contentHash });
    expect((await completeUpload({ deps: w.deps, ctx: signer(s.producer), input: { uploadId: zr.upload.uploadId } })).status).toBe('failed');
    expect(await w.blobs.head(`hot/${z.contentHash}`)).toBeNull();
  });

  /** A store that runs `during` once, inside the named call, before the store answers. */
  function interleave(blobs: BlobStore, at: 'head' | 'complete' | 'get', during: () => Promise<unknown>): BlobStore {
    let once: (() => Promise<unknown>) | null = during;
    const first = async () => {
      const f = once;
      once = null;
      if (f) await f();
    };
    if (at === 'head') return { ...blobs, head: async (k) => (await first(), blobs.head(k)) };
    if (at === 'get') return { ...blobs, get: async (k, r) => (await first(), blobs.get(k, r)) };
    return { ...blobs, multipart: { ...blobs.multipart, complete: async (k, id, p) => (await first(), blobs.multipart.complete(k, id, p)) } };
  }

  it('a complete that loses the race to another: the state the other one left', async () => {
    const base = world(db);
    // single, verified by the other meanwhile
    const s = await single(base, 40);
    await base.blobs.put(s.key, s.pub.bytes, { sha256Hex: s.pub.contentHash });
    let w = world(db, {}, interleave(base.blobs, 'head', () => moveUpload(db.sql, s.id, ['pending'], 'verified', new Date(), { actor: 'other' })));
    expect((await completeUpload({ deps: w.deps, ctx: signer(s.producer), input: { uploadId: s.id } })).status).toBe('verified');
    // single with other bytes, failed by the other meanwhile: the answer is the state it left, not the stale pending
    const o = await single(base, 40);
    await base.blobs.put(o.key, new Uint8Array(40));
    w = world(db, {}, interleave(base.blobs, 'head', () => moveUpload(db.sql, o.id, ['pending'], 'failed', new Date(), { actor: 'other' }, 'failed by the other')));
    expect(await completeUpload({ deps: w.deps, ctx: signer(o.producer), input: { uploadId: o.id } })).toMatchObject({ uploadId: o.id, status: 'failed', failure: 'failed by the other' });
    expect(await base.blobs.head(o.key)).toBeNull();
    // multipart, moved to verifying by the other meanwhile
    const m = await multipart(base, 1500);
    await m.put(1);
    await m.put(2);
    w = world(db, {}, interleave(base.blobs, 'complete', () => moveUpload(db.sql, m.id, ['pending'], 'verifying', new Date(), { actor: 'other' })));
    expect(await completeUpload({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id } })).toEqual({ ...m.view, status: 'verifying' });
    await w.settle();
    expect(await status(m.id)).toBe('verified');
  });

  it('multipart: every part at its size, joined, then hashed by the job through the queue', async () => {
    const w = world(db);
    const m = await multipart(w, 2500);
    const complete = () => completeUpload({ deps: w.deps, ctx: signer(m.producer, 'req-mp'), input: { uploadId: m.id } });
    // none, then the first, then the last missing
    expect(await refusal(complete())).toMatchObject({ code: 'conflict', message: 'Part 1 is missing.', extra: { hint: `GET /v1/uploads/${m.id}/parts lists what is there` } });
    await m.put(1);
    await m.put(2);
    expect(await refusal(complete())).toMatchObject({ code: 'conflict', message: 'Part 3 is missing.' });
    // a part of the wrong size, first a middle one, then the last
    await m.put(3, m.pub.bytes.subarray(2048, 2400));
    expect(await refusal(complete())).toMatchObject({ code: 'conflict', message: 'Part 3 has 352 bytes, not 452.', extra: { hint: 'upload the part again' } });
    await m.put(3);
    await m.put(2, m.pub.bytes.subarray(1024, 2000));
    expect(await refusal(complete())).toMatchObject({ code: 'conflict', message: 'Part 2 has 976 bytes, not 1024.' });
    await m.put(2);
    // a part past the last one
    await m.put(4, new Uint8Array(10));
    expect(await refusal(complete())).toMatchObject({ code: 'conflict', message: 'The store holds parts past the last one.', extra: { hint: 'start a new upload' } });
    expect(await status(m.id)).toBe('pending');
    expect(w.delivered).toEqual([]);

    const m2 = await multipart(w, 2500);
    for (const n of [1, 2, 3]) await m2.put(n);
    const done = await completeUpload({ deps: w.deps, ctx: signer(m2.producer, 'req-mp2'), input: { uploadId: m2.id } });
    expect(done).toEqual({ ...m2.view, status: 'verifying' });
    expect(await w.blobs.multipart.listParts(m2.key, m2.storeId)).toBeNull();
    await w.settle();
    expect(w.delivered.map((d) => d.job)).toEqual([{ type: 'upload.verify', payload: { uploadId: m2.id } }]);
    expect(w.outcomes).toEqual([{ ok: true }]);
    expect(await status(m2.id)).toBe('verified');
    expect(sha256Hex((await w.blobs.get(m2.key))!.body)).toBe(m2.pub.contentHash);
    const audit = await auditRows(db.sql, m2.id);
    expect(audit.map((a) => [a.action, a.actor, a.request_id])).toEqual([
      ['uploads.create', `identity:${m2.producer}`, 'req-1'],
      ['uploads.verifying', `identity:${m2.producer}`, 'req-mp2'],
      ['uploads.verified', 'queue:upload.verify', 'job'],
    ]);
  });

  it('multipart whose join was done but whose move was lost: complete finishes it; without the object it is refused', async () => {
    const w = world(db);
    const m = await multipart(w, 1500);
    await m.put(1);
    await m.put(2);
    await w.blobs.multipart.complete(m.key, m.storeId, (await w.blobs.multipart.listParts(m.key, m.storeId))!);
    expect(await completeUpload({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id } })).toEqual({ ...m.view, status: 'verifying' });
    await w.settle();
    expect(w.delivered.map((d) => d.job.payload)).toEqual([{ uploadId: m.id }]);
    expect(await status(m.id)).toBe('verified');

    const gone = await multipart(w, 1500);
    await w.blobs.multipart.abort(gone.key, gone.storeId);
    const e = await refusal(completeUpload({ deps: w.deps, ctx: signer(gone.producer), input: { uploadId: gone.id } }));
    expect(e).toMatchObject({ code: 'conflict', message: 'The store has no such multipart upload (aborted?).', extra: { hint: 'start a new upload' } });
    // an object of another size at the key does not count either
    await w.blobs.put(gone.key, new Uint8Array(1499));
    expect(await refusal(completeUpload({ deps: w.deps, ctx: signer(gone.producer), input: { uploadId: gone.id } }))).toMatchObject({ code: 'conflict', message: 'The store has no such multipart upload (aborted?).' });
    expect(await status(gone.id)).toBe('pending');
  });

  it('a complete retried while verifying sends the job again (the first may have been lost)', async () => {
    const w = world(db);
    const m = await multipart(w, 1500);
    await m.put(1);
    await m.put(2);
    await w.blobs.multipart.complete(m.key, m.storeId, (await w.blobs.multipart.listParts(m.key, m.storeId))!);
    await moveUpload(db.sql, m.id, ['pending'], 'verifying', new Date(), { actor: 'test' }); // …and no job sent
    expect(await completeUpload({ deps: w.deps, ctx: signer(m.producer), input: { uploadId: m.id } })).toEqual({ ...m.view, status: 'verifying' });
    await w.settle();
    expect(w.delivered.map((d) => d.job)).toEqual([{ type: 'upload.verify', payload: { uploadId: m.id } }]);
    expect(await status(m.id)).toBe('verified');
  });

  /** An upload moved to verifying with `bytes` at its key (or nothing), declared as `declared`. */
  async function verifying(w: World, declared: Uint8Array, stored: Uint8Array | null, size = declared.byteLength) {
    const producer = newKey();
    const pub = await published(db.sql, producer, 0, { manifestSize: null });
    // re-point the version at the declared content
    const contentHash = sha256Hex(declared);
    await db.sql.query(`UPDATE assets SET content_hash = $2 WHERE version_id = $1`, [pub.versionId, contentHash]);
    const r = await createUpload({ deps: w.deps, ctx: signer(producer), input: { body: body(contentHash, size) } });
    const key = `hot/${contentHash}`;
    if (stored) await w.blobs.put(key, stored);
    await moveUpload(db.sql, r.upload.uploadId, ['pending'], 'verifying', new Date(), { actor: 'test' });
    return { id: r.upload.uploadId, key, contentHash };
  }
  const verify = (w: World, uploadId: string) => verifyUpload({ deps: w.deps, ctx: ctxOf({ kind: 'queue', job: 'upload.verify' }, 'job-1'), input: { uploadId } });

  it('verify: the joined object hashed in ranges, at and past the chunk size', async () => {
    const w = world(db);
    const exact = new Uint8Array(VERIFY_CHUNK_BYTES);
    for (let i = 0; i < exact.length; i += 4096) exact[i] = i & 0xff;
    const a = await verifying(w, exact, exact);
    expect(await verify(w, a.id)).toBe('verified');
    const plus = new Uint8Array(VERIFY_CHUNK_BYTES + 100).fill(3);
    plus[VERIFY_CHUNK_BYTES + 50] = 9;
    const b = await verifying(w, plus, plus);
    expect(await verify(w, b.id)).toBe('verified');
    const rec = (await getUpload(db.sql, b.id))!;
    expect(rec.verifiedAt).not.toBeNull();
    expect((await auditRows(db.sql, b.id)).at(-1)).toMatchObject({ action: 'uploads.verified', actor: 'queue:upload.verify', request_id: 'job-1' });
    // a byte past the first chunk differs: failed, removed
    const declared = plus.slice();
    declared[0] = 4;
    const forged = declared.slice();
    forged[VERIFY_CHUNK_BYTES + 10] = 1;
    const c = await verifying(w, declared, forged);
    expect(await verify(w, c.id)).toBe('failed');
    expect(await w.blobs.head(c.key)).toBeNull();
    expect(await getUpload(db.sql, c.id)).toMatchObject({ status: 'failed', failure: 'sha256 of the joined object differs from contentHash' });
  }, 60_000);

  it('verify: small, empty, missing, mis-sized and differing objects; anything not verifying is skipped', async () => {
    const w = world(db);
    const small = new Uint8Array([1, 2, 3, 4, 5]);
    expect(await verify(w, (await verifying(w, small, small)).id)).toBe('verified');
    // nothing at the key, even for empty content
    const none = await verifying(w, new Uint8Array(0), null);
    expect(await verify(w, none.id)).toBe('failed');
    expect(await getUpload(db.sql, none.id)).toMatchObject({ status: 'failed', failure: 'object missing' });
    const empty = new Uint8Array(0);
    const e = await verifying(w, empty, empty);
    expect(await verify(w, e.id)).toBe('verified');
    expect(await status(e.id)).toBe('verified');
    const miss = await verifying(w, new Uint8Array([1, 2, 3]), null);
    expect(await verify(w, miss.id)).toBe('failed');
    expect((await getUpload(db.sql, miss.id))!.failure).toBe('object missing');
    // an empty object where content was declared: there, but not the content
    const hollow = await verifying(w, new Uint8Array([6, 6]), new Uint8Array(0));
    expect(await verify(w, hollow.id)).toBe('failed');
    expect((await getUpload(db.sql, hollow.id))!.failure).toBe('sha256 of the joined object differs from contentHash');
    // the right bytes, but the upload declared another size
    const other = new Uint8Array([5, 4, 3, 2, 1]);
    const sized = await verifying(w, other, other, 6);
    expect(await verify(w, sized.id)).toBe('failed');
    expect((await getUpload(db.sql, sized.id))!.failure).toBe('sha256 of the joined object differs from contentHash');
    expect(await w.blobs.head(sized.key)).toBeNull();
    // skipped: unknown, pending, already verified (no second audit row)
    expect(await verify(w, `upl_${hex(12)}`)).toBe('skipped');
    const s = await single(w, 20);
    expect(await verify(w, s.id)).toBe('skipped');
    expect(await status(s.id)).toBe('pending');
    expect(await verify(w, e.id)).toBe('skipped');
    expect((await auditRows(db.sql, e.id)).map((a) => a.action)).toEqual(['uploads.create', 'uploads.verifying', 'uploads.verified']);
  });

  it('verify: an object that shrinks between two ranged reads fails the job rather than hashing it twice', async () => {
    const base = world(db);
    const big = new Uint8Array(VERIFY_CHUNK_BYTES + 10).fill(5);
    const v = await verifying(base, big, big);
    let reads = 0;
    const shrinking: BlobStore = {
      ...base.blobs,
      get: async (k, r) => {
        if (++reads === 2) await base.blobs.put(k, new Uint8Array(100));
        return base.blobs.get(k, r);
      },
    };
    const w = world(db, {}, shrinking);
    const e = await refusal(verify(w, v.id));
    expect(e.code).toBe('bad-request');
    expect(await status(v.id)).toBe('verifying');
  }, 60_000);

  it('verify: a store error on the first range is the job failing (retried), not a reason to read the object whole', async () => {
    const base = world(db);
    const bytes = new Uint8Array([4, 4, 4, 4]);
    const v = await verifying(base, bytes, bytes);
    const root = (base.blobs as BlobStore & { root: string }).root;
    // the object's metadata sidecar unreadable during the first read only
    const metaDir = join(root, 'meta');
    const [shard] = await readdir(metaDir);
    const [file] = await readdir(join(metaDir, shard!));
    const metaPath = join(metaDir, shard!, file!);
    const good = await readFile(metaPath, 'utf8');
    let reads = 0;
    const flaky: BlobStore = {
      ...base.blobs,
      get: async (k, r) => {
        reads++;
        await writeFile(metaPath, reads === 1 ? '{broken' : good);
        return base.blobs.get(k, r);
      },
    };
    const e = await refusal(verify(world(db, {}, flaky), v.id));
    expect(e.code).toBe('internal');
    expect(reads).toBe(1);
    expect(await status(v.id)).toBe('verifying');
  });

  it('the queue handler: malformed payloads are not retried, a verify that throws is, each message its own outcome', async () => {
    const w = world(db);
    const small = new Uint8Array([9, 9, 9]);
    const ok = await verifying(w, small, small);
    const d = (payload: unknown, id = hex(4)): Delivery => ({ id, attempt: 1, job: { type: 'upload.verify', payload } });
    const seen: string[] = [];
    const out = await consumeVerify(w.deps, [d({ uploadId: 'nope' }, 'a'), d(null, 'b'), d({}, 'c'), d({ uploadId: ok.id }, 'd'), d({ uploadId: `upl_${hex(12)}` }, 'e')], (x) => {
      seen.push(x.id);
      return ctxOf({ kind: 'queue', job: 'upload.verify' }, `q-${x.id}`);
    });
    const bad = { ok: false, error: 'invalid upload.verify payload', retryable: false };
    expect(out).toEqual([bad, bad, bad, { ok: true }, { ok: true }]);
    expect(seen).toEqual(['d', 'e']);
    expect(await status(ok.id)).toBe('verified');
    expect((await auditRows(db.sql, ok.id)).at(-1)).toMatchObject({ actor: 'queue:upload.verify', request_id: 'q-d' });

    // a store that cannot be read: the outcome carries the error, retryable by default
    const v = await verifying(w, new Uint8Array([8]), new Uint8Array([8]));
    const broken = join(db.dir, `file-${hex(4)}`);
    await writeFile(broken, 'not a directory');
    const store = createFsBlobStore({ root: broken, publicBaseUrl: PUBLIC_BASE, signingSecret: SIGNING_SECRET });
    const failed = await consumeVerify({ ...w.deps, blobs: store }, [d({ uploadId: v.id })], () => ctxOf({ kind: 'queue', job: 'upload.verify' }));
    expect(failed).toEqual([{ ok: false, error: `Corrupt blob metadata for ${v.key}.` }]);
    expect(await status(v.id)).toBe('verifying');
  });

  it('the job router hands upload.verify deliveries to the verify handler, under the delivery context', async () => {
    const w = world(db);
    const bytes = new Uint8Array([7, 7, 7, 1]);
    const v = await verifying(w, bytes, bytes);
    const router = createJobRouter<Deps>(createLogger('silent'));
    registerUploadJobs(router);
    router.bind({ ...w.deps, background: createBackground() } as unknown as Deps);
    const out = await router.consume([{ id: 'd-1', attempt: 1, job: { type: 'upload.verify', payload: { uploadId: v.id } } }]);
    expect(out).toEqual([{ ok: true }]);
    expect(await status(v.id)).toBe('verified');
    expect((await auditRows(db.sql, v.id)).at(-1)).toMatchObject({ action: 'uploads.verified', actor: 'queue:upload.verify', request_id: 'job:d-1' });
  });
});
