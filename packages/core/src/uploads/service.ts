/**
 * Upload verbs: a producer uploads a version's content so that no other bytes can end up under
 * its key. A small object is one presigned PUT whose signed `x-amz-checksum-sha256` makes the
 * store refuse other bytes; a large one is multipart, each part bound to its own SHA-256, and
 * after the join a background job reads the object back and hashes it before it is `verified`
 * (S3 keeps no whole-object SHA-256 for multipart objects). Delivery serves only verified content.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '../util/hex';
import type { Deps } from '../deps';
import { invalidInput, StrataError, fail, type InputAt, type SchemaIssue } from '../errors';
import { isUniqueViolation } from '../ports/sql';
import type { Delivery, Outcome } from '../ports/queue';
import type { PresignedRequest } from '../ports/blob';
import { auditOf, identityKeyOf, type Call, type RequestCtx } from '../context';
import { hexToBase64 } from '../adapters/blob/key';
import { getUpload, insertUploadStatement, listAbandoned, lookupForUpload, moveUpload, toUpload, type UploadRecord } from './repo';
import { PartsRequest, UploadId, UploadRequest, contentKey, type UploadView } from './schema';

/** What the upload verbs use. */
export type UploadsDeps = Pick<Deps, 'sql' | 'clock' | 'config' | 'blobs' | 'queue' | 'log'>;

export type { UploadView } from './schema';

export const uploadKey = (u: Pick<UploadRecord, 'tier' | 'contentHash'>) => contentKey(u.tier, u.contentHash);

function view(u: UploadRecord, put?: PresignedRequest): UploadView {
  return {
    uploadId: u.uploadId,
    contentHash: u.contentHash,
    versionId: u.versionId,
    key: uploadKey(u),
    sizeBytes: u.sizeBytes,
    mimeType: u.mimeType,
    mode: u.mode,
    status: u.status,
    ...(u.failure ? { failure: u.failure } : {}),
    ...(put ? { put } : {}),
    ...(u.mode === 'multipart' ? { partSize: u.partSize!, partCount: partCount(u) } : {}),
  };
}

const partCount = (u: Pick<UploadRecord, 'sizeBytes' | 'partSize'>) => Math.max(1, Math.ceil(u.sizeBytes / u.partSize!));
const partSizeOf = (u: UploadRecord, n: number) => (n < partCount(u) ? u.partSize! : u.sizeBytes - u.partSize! * (partCount(u) - 1));

function newUploadId(): string {
  const b = new Uint8Array(12);
  globalThis.crypto.getRandomValues(b);
  return `upl_${bytesToHex(b)}`;
}

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: readonly SchemaIssue[] } } }, v: unknown, at: InputAt): T {
  const r = schema.safeParse(v);
  if (!r.success) throw invalidInput(at, r.error.issues);
  return r.data;
}

function requireSigner(ctx: RequestCtx): string {
  const identityKey = identityKeyOf(ctx);
  if (!identityKey) throw new StrataError('unauthorized', 'Uploads must be identity-signed by the producer.', { hint: 'missing X-Identity-Key' });
  return identityKey.toLowerCase();
}

const audit = auditOf;
const now = (deps: Pick<Deps, 'clock'>) => new Date(deps.clock.now());

/** The upload of `uploadId`, continued only by the key that started it. */
async function ownUpload(deps: Pick<Deps, 'sql'>, ctx: RequestCtx, rawId: unknown): Promise<UploadRecord> {
  const signer = requireSigner(ctx);
  const uploadId = parse(UploadId, rawId, ['path', 'uploadId']);
  const u = await getUpload(deps.sql, uploadId);
  if (!u) throw fail.notFound('No upload has this id.');
  if (u.identityKey !== signer) throw fail.forbidden('Only the producer that started this upload may continue it.', 'not-your-upload');
  return u;
}

async function presignSingle(deps: Pick<Deps, 'blobs' | 'config'>, u: UploadRecord): Promise<PresignedRequest> {
  return deps.blobs.presignPut(uploadKey(u), { expiresInSec: deps.config.UPLOAD_URL_TTL_SEC, sha256Hex: u.contentHash, contentType: u.mimeType });
}

/**
 * POST /v1/uploads. The signer must be the producer of the named version (or, without
 * versionId, of a version declaring this content); sizes must agree with the manifest.
 * Content already verified is not uploaded again; an upload in flight by the same producer is
 * handed back (resuming), by another producer refused.
 */
export async function createUpload(call: Call<UploadsDeps, { body: unknown }>): Promise<{ created: boolean; upload: UploadView }> {
  const { deps, ctx } = call;
  const signer = requireSigner(ctx);
  const req = parse(UploadRequest, call.input.body, ['body']);
  if (req.sizeBytes > deps.config.UPLOAD_MAX_BYTES) {
    throw new StrataError('payload-too-large', `Objects are limited to ${deps.config.UPLOAD_MAX_BYTES} bytes.`, { hint: 'sizeBytes' });
  }
  const { versions, existing } = await lookupForUpload(deps.sql, { versionId: req.versionId ?? null, contentHash: req.contentHash });
  if (versions.length === 0) {
    throw fail.notFound(req.versionId ? 'No published version has this id.' : 'No published version declares this content.', 'publish the version first');
  }
  if (req.versionId && versions[0]!.contentHash !== req.contentHash) {
    throw new StrataError('content-mismatch', 'The version declares other content.', { hint: `version contentHash=${versions[0]!.contentHash}` });
  }
  const mine = versions.find((v) => v.producerKey?.toLowerCase() === signer);
  if (!mine) throw fail.forbidden("Only the version's producer may upload its content.", 'signer is not the producer');
  if (mine.sizeBytes !== null && mine.sizeBytes !== req.sizeBytes) {
    throw fail.conflict('sizeBytes differs from the manifest.', `manifest sizeBytes=${mine.sizeBytes}`);
  }
  if (existing) {
    if (existing.status === 'verified') return { created: false, upload: view(existing) };
    if (existing.identityKey !== signer) throw fail.conflict('Another producer is uploading this content.', 'upload-in-progress');
    if (existing.sizeBytes !== req.sizeBytes) throw fail.conflict('An upload of this content with another size is in progress.', `uploadId=${existing.uploadId}`);
    const put = existing.mode === 'single' && existing.status === 'pending' ? await presignSingle(deps, existing) : undefined;
    return { created: false, upload: view(existing, put) };
  }

  const multipart = req.sizeBytes > deps.config.UPLOAD_MULTIPART_THRESHOLD_BYTES;
  const base = {
    uploadId: newUploadId(),
    contentHash: req.contentHash,
    versionId: mine.versionId,
    identityKey: signer,
    tier: 'hot' as const,
    sizeBytes: req.sizeBytes,
    mimeType: req.mimeType,
  };
  const key = contentKey(base.tier, base.contentHash);
  const storeUploadId = multipart ? (await deps.blobs.multipart.create(key, { contentType: req.mimeType })).uploadId : null;
  const s = insertUploadStatement(
    { ...base, mode: multipart ? 'multipart' : 'single', storeUploadId, partSize: multipart ? deps.config.UPLOAD_PART_SIZE_BYTES : null },
    now(deps),
    audit(ctx),
  );
  let upload: UploadRecord;
  try {
    upload = toUpload((await deps.sql.query(s.text, s.params))[0]!);
  } catch (e) {
    // the store's upload is ours alone: discard it rather than leave it for the lifecycle rule
    if (storeUploadId) ctx.waitUntil(deps.blobs.multipart.abort(key, storeUploadId).catch(() => undefined));
    if (isUniqueViolation(e)) throw fail.conflict('Another upload of this content started at the same time.', 'upload-in-progress');
    throw e;
  }
  return { created: true, upload: view(upload, multipart ? undefined : await presignSingle(deps, upload)) };
}

/** POST /v1/uploads/:id/parts — presigned PUTs for the named parts, each bound to its SHA-256. */
export async function presignParts(call: Call<UploadsDeps, { uploadId: unknown; body: unknown }>) {
  const { deps, ctx } = call;
  const u = await ownUpload(deps, ctx, call.input.uploadId);
  const req = parse(PartsRequest, call.input.body, ['body']);
  if (u.mode !== 'multipart') throw fail.conflict('This upload is a single PUT, not multipart.', 'use the put URL from POST /v1/uploads');
  if (u.status !== 'pending') throw fail.conflict(`The upload is ${u.status}.`, `status=${u.status}`);
  const count = partCount(u);
  const bad = req.parts.find((p) => p.partNumber > count);
  if (bad) throw fail.badRequest(`Part ${bad.partNumber} is past the last part (${count}).`, 'body.parts.partNumber');
  const key = uploadKey(u);
  const parts = await Promise.all(
    req.parts.map(async (p) => ({
      partNumber: p.partNumber,
      size: partSizeOf(u, p.partNumber),
      ...(await deps.blobs.multipart.presignPart(key, u.storeUploadId!, p.partNumber, { expiresInSec: deps.config.UPLOAD_URL_TTL_SEC, sha256Hex: p.sha256 })),
    })),
  );
  return { uploadId: u.uploadId, parts };
}

const b64ToHex = (b64: string | null) => (b64 && !b64.includes('-') ? bytesToHex(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))) : null);

/** GET /v1/uploads/:id/parts — the parts the store holds, so an interrupted client resumes. */
export async function listUploadParts(call: Call<UploadsDeps, { uploadId: unknown }>) {
  const { deps, ctx } = call;
  const u = await ownUpload(deps, ctx, call.input.uploadId);
  if (u.mode !== 'multipart') throw fail.conflict('This upload is a single PUT, not multipart.');
  if (u.status !== 'pending') return { uploadId: u.uploadId, status: u.status, parts: [], missing: [] };
  const stored = (await deps.blobs.multipart.listParts(uploadKey(u), u.storeUploadId!)) ?? [];
  const have = new Set(stored.map((p) => p.partNumber));
  const missing = Array.from({ length: partCount(u) }, (_, i) => i + 1).filter((n) => !have.has(n));
  return {
    uploadId: u.uploadId,
    status: u.status,
    parts: stored.map((p) => ({ partNumber: p.partNumber, size: p.size, sha256: b64ToHex(p.checksumSha256) })),
    missing,
  };
}

/**
 * POST /v1/uploads/:id/complete. Single: the store accepted only the declared bytes, so a HEAD
 * that shows the object with that size and SHA-256 verifies it. Multipart: every part must be
 * there with its expected size; the parts are joined and a job hashes the whole object.
 */
export async function completeUpload(call: Call<UploadsDeps, { uploadId: unknown }>): Promise<UploadView> {
  const { deps, ctx } = call;
  const u = await ownUpload(deps, ctx, call.input.uploadId);
  // a retried complete re-sends the verify job: the first send may have been lost after the
  // status moved (the job is idempotent, so a duplicate costs one read of the object)
  if (u.status === 'verifying') await deps.queue.send([{ type: 'upload.verify', payload: { uploadId: u.uploadId } }]);
  if (u.status !== 'pending') return view(u);
  const key = uploadKey(u);
  if (u.mode === 'single') {
    const head = await deps.blobs.head(key);
    if (!head) throw fail.conflict('Nothing has been uploaded yet.', 'PUT the bytes to the put URL first');
    if (head.size !== u.sizeBytes || (head.checksumSha256 !== null && head.checksumSha256 !== hexToBase64(u.contentHash))) {
      // cannot come through the presigned URL; something else wrote the key
      await deps.blobs.delete(key);
      const failed = await moveUpload(deps.sql, u.uploadId, ['pending'], 'failed', now(deps), audit(ctx), 'object differs from the declaration');
      return view(failed ?? (await getUpload(deps.sql, u.uploadId))!);
    }
    const done = await moveUpload(deps.sql, u.uploadId, ['pending'], 'verified', now(deps), audit(ctx));
    return view(done ?? (await getUpload(deps.sql, u.uploadId))!);
  }
  const stored = await deps.blobs.multipart.listParts(key, u.storeUploadId!);
  if (!stored) {
    // the store joined the parts but the status move after it was lost: finish the move
    const head = await deps.blobs.head(key);
    if (!head || head.size !== u.sizeBytes) throw fail.conflict('The store has no such multipart upload (aborted?).', 'start a new upload');
    return startVerifying(deps, ctx, u);
  }
  const byNumber = new Map(stored.map((p) => [p.partNumber, p]));
  const count = partCount(u);
  for (let n = 1; n <= count; n++) {
    const p = byNumber.get(n);
    if (!p) throw fail.conflict(`Part ${n} is missing.`, `GET /v1/uploads/${u.uploadId}/parts lists what is there`);
    if (p.size !== partSizeOf(u, n)) throw fail.conflict(`Part ${n} has ${p.size} bytes, not ${partSizeOf(u, n)}.`, 'upload the part again');
  }
  if (stored.some((p) => p.partNumber > count)) throw fail.conflict('The store holds parts past the last one.', 'start a new upload');
  await deps.blobs.multipart.complete(key, u.storeUploadId!, stored);
  return startVerifying(deps, ctx, u);
}

/** pending → verifying, then the job that hashes the joined object. */
async function startVerifying(deps: UploadsDeps, ctx: RequestCtx, u: UploadRecord): Promise<UploadView> {
  const moved = await moveUpload(deps.sql, u.uploadId, ['pending'], 'verifying', now(deps), audit(ctx));
  await deps.queue.send([{ type: 'upload.verify', payload: { uploadId: u.uploadId } }]);
  return view(moved ?? (await getUpload(deps.sql, u.uploadId))!);
}

/** GET /v1/uploads/:id — the upload's state (no secrets in it). */
export async function getUploadView(call: Call<UploadsDeps, { uploadId: unknown }>): Promise<UploadView> {
  const uploadId = parse(UploadId, call.input.uploadId, ['path', 'uploadId']);
  const u = await getUpload(call.deps.sql, uploadId);
  if (!u) throw fail.notFound('No upload has this id.');
  return view(u);
}

/** Bytes read per ranged GET while hashing (bounded memory for objects of any size). */
export const VERIFY_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * The `upload.verify` job: reads the joined object in ranges, hashes it, and marks the upload
 * verified — or deletes the object and marks it failed when the SHA-256 or size differ.
 * Idempotent: an upload no longer `verifying` is left alone.
 */
export async function verifyUpload(call: Call<Pick<Deps, 'sql' | 'clock' | 'blobs'>, { uploadId: string }>): Promise<'verified' | 'failed' | 'skipped'> {
  const { deps, ctx, input: { uploadId } } = call;
  const u = await getUpload(deps.sql, uploadId);
  if (!u || u.status !== 'verifying') return 'skipped';
  const key = uploadKey(u);
  const h = sha256.create();
  let size = 0;
  let total = -1;
  for (let start = 0; total < 0 || start < total; start += VERIFY_CHUNK_BYTES) {
    if (total === 0) break;
    const obj = await deps.blobs.get(key, { start, end: start + VERIFY_CHUNK_BYTES - 1 }).catch((e: unknown) => {
      // an empty object has no byte 0 to range over
      if (start === 0 && e instanceof StrataError && e.code === 'bad-request') return deps.blobs.get(key);
      throw e;
    });
    if (!obj) break;
    total = obj.size;
    h.update(obj.body);
    size += obj.body.byteLength;
    if (obj.body.byteLength === 0) break;
  }
  const ok = total >= 0 && size === u.sizeBytes && bytesToHex(h.digest()) === u.contentHash;
  if (ok) {
    await moveUpload(deps.sql, uploadId, ['verifying'], 'verified', now(deps), audit(ctx));
    return 'verified';
  }
  await deps.blobs.delete(key);
  await moveUpload(deps.sql, uploadId, ['verifying'], 'failed', now(deps), audit(ctx), total < 0 ? 'object missing' : 'sha256 of the joined object differs from contentHash');
  return 'failed';
}

/** Queue handler for `upload.verify` (payload `{uploadId}`). */
export async function consumeVerify(deps: Pick<Deps, 'sql' | 'clock' | 'blobs'>, batch: readonly Delivery[], ctxFor: (d: Delivery) => RequestCtx): Promise<Outcome[]> {
  const out: Outcome[] = [];
  for (const d of batch) {
    const id = UploadId.safeParse((d.job.payload as { uploadId?: unknown } | null)?.uploadId);
    if (!id.success) {
      out.push({ ok: false, error: 'invalid upload.verify payload', retryable: false });
      continue;
    }
    try {
      await verifyUpload({ deps, ctx: ctxFor(d), input: { uploadId: id.data } });
      out.push({ ok: true });
    } catch (e) {
      out.push({ ok: false, error: (e as Error).message ?? String(e) });
    }
  }
  return out;
}

/**
 * The `uploads-abort` schedule: uploads still pending UPLOAD_ABANDON_AFTER_SEC after they
 * started are aborted — the store discards a multipart upload's parts, then the row moves to
 * `aborted` (which frees the content for a new upload).
 */
export async function abortAbandonedUploads(call: Call<Pick<Deps, 'sql' | 'clock' | 'config' | 'blobs' | 'log'>, { limit?: number }>): Promise<{ aborted: number; failed: number }> {
  const { deps, ctx } = call;
  const limit = call.input.limit ?? 100;
  const before = new Date(deps.clock.now() - deps.config.UPLOAD_ABANDON_AFTER_SEC * 1000);
  let aborted = 0;
  let failed = 0;
  for (const u of await listAbandoned(deps.sql, before, limit)) {
    try {
      if (u.mode === 'multipart') await deps.blobs.multipart.abort(uploadKey(u), u.storeUploadId!);
      if (await moveUpload(deps.sql, u.uploadId, ['pending'], 'aborted', now(deps), audit(ctx), 'abandoned')) aborted++;
    } catch (e) {
      failed++;
      deps.log.warn('could not abort an abandoned upload', { uploadId: u.uploadId, error: String(e) });
    }
  }
  return { aborted, failed };
}
