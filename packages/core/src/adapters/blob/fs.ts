/**
 * FsBlobStore — the local/embedded BlobStore (Node only). Objects live under
 * `<root>/data/<xx>/<sha256(key)>` with a JSON sidecar in `<root>/meta/…`; hashing the key
 * keeps file names short and makes path traversal impossible even if validation were bypassed.
 * Writes go to `<root>/tmp` and are renamed into place, data first, then the sidecar, so a
 * visible sidecar always means complete data.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { BlobHead, BlobObject, BlobPart, BlobStore, ByteRange, PresignedRequest } from '../../ports/blob';
import { systemClock, type Clock } from '../../ports/clock';
import { StrataError } from '../../errors';
import {
  contentMismatch,
  hexToBase64,
  rangeNotSatisfiable,
  validateBlobKey,
  validateExpiresIn,
  validateHeaderValue,
  validatePartNumber,
  validateRange,
  validateSha256Hex,
} from './key';
import { buildSignedBlobUrl } from './signing';

export const FsBlobStoreOptions = z.object({
  root: z.string().min(1),
  publicBaseUrl: z.url(),
  signingSecret: z.string().min(16, 'signingSecret must be at least 16 characters'),
});
export type FsBlobStoreOptions = z.infer<typeof FsBlobStoreOptions> & { clock?: Clock };

const Meta = z.object({
  key: z.string(),
  size: z.number().int().nonnegative(),
  contentType: z.string().nullable(),
  sha256Hex: z.string(),
});
type Meta = z.infer<typeof Meta>;

/** An open multipart upload: `<root>/multipart/<uploadId>/upload.json`, parts beside it. */
const UploadMeta = z.object({ key: z.string(), contentType: z.string().nullable() });
const PartMeta = z.object({ size: z.number().int().nonnegative(), sha256Hex: z.string() });
const UPLOAD_ID = /^[0-9a-f]{32}$/;

function isMissing(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === 'ENOENT';
}

/** Creates a filesystem BlobStore whose presigned URLs point at Strata's `/blobs/` route. */
export function createFsBlobStore(options: FsBlobStoreOptions): BlobStore & { readonly root: string } {
  const { root, publicBaseUrl, signingSecret } = FsBlobStoreOptions.parse(options);
  const clock = options.clock ?? systemClock;
  const dirs = { data: path.join(root, 'data'), meta: path.join(root, 'meta'), tmp: path.join(root, 'tmp'), multipart: path.join(root, 'multipart') };
  let ready: Promise<unknown> | undefined;
  const ensureDirs = () => (ready ??= Promise.all(Object.values(dirs).map((d) => mkdir(d, { recursive: true }))));

  function paths(key: string) {
    const h = createHash('sha256').update(key).digest('hex');
    const shard = h.slice(0, 2);
    return {
      dataDir: path.join(dirs.data, shard),
      metaDir: path.join(dirs.meta, shard),
      data: path.join(dirs.data, shard, h),
      meta: path.join(dirs.meta, shard, `${h}.json`),
    };
  }

  async function readMeta(key: string): Promise<Meta | null> {
    try {
      return Meta.parse(JSON.parse(await readFile(paths(key).meta, 'utf8')));
    } catch (e) {
      if (isMissing(e)) return null;
      throw new StrataError('internal', `Corrupt blob metadata for ${key}.`, { cause: e });
    }
  }

  function toHead(m: Meta): BlobHead {
    return { size: m.size, contentType: m.contentType, etag: `"${m.sha256Hex}"`, checksumSha256: hexToBase64(m.sha256Hex) };
  }

  async function atomicWrite(target: string, bytes: Uint8Array | string): Promise<void> {
    const tmp = path.join(dirs.tmp, `${randomBytes(12).toString('hex')}.part`);
    try {
      await writeFile(tmp, bytes, { flush: true });
      await rename(tmp, target);
    } catch (e) {
      await rm(tmp, { force: true });
      throw e;
    }
  }

  /** Writes data then sidecar, each by rename, so a visible sidecar always means complete data. */
  async function commitObject(key: string, dataFile: string, meta: Meta): Promise<void> {
    const p = paths(key);
    await Promise.all([mkdir(p.dataDir, { recursive: true }), mkdir(p.metaDir, { recursive: true })]);
    await rename(dataFile, p.data);
    await atomicWrite(p.meta, JSON.stringify(meta));
  }

  /** The directory of an open upload of `key`, or null (unknown id, or an id for another key). */
  async function openUpload(key: string, uploadId: string): Promise<{ dir: string; contentType: string | null } | null> {
    if (!UPLOAD_ID.test(uploadId)) return null;
    const dir = path.join(dirs.multipart, uploadId);
    try {
      const m = UploadMeta.parse(JSON.parse(await readFile(path.join(dir, 'upload.json'), 'utf8')));
      return m.key === key ? { dir, contentType: m.contentType } : null;
    } catch (e) {
      if (isMissing(e)) return null;
      throw e;
    }
  }

  async function listPartsIn(dir: string): Promise<BlobPart[]> {
    const names = (await readdir(dir)).filter((n) => /^\d+\.json$/.test(n));
    const parts = await Promise.all(
      names.map(async (n) => {
        const m = PartMeta.parse(JSON.parse(await readFile(path.join(dir, n), 'utf8')));
        return { partNumber: Number(n.slice(0, -5)), size: m.size, etag: `"${m.sha256Hex}"`, checksumSha256: hexToBase64(m.sha256Hex) };
      }),
    );
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  const noSuchUpload = (key: string) => new StrataError('not-found', `No open multipart upload of ${key} has this id.`);

  return {
    kind: 'fs',
    root,

    /** Stores bytes atomically; rejects with `content-mismatch` when `sha256Hex` differs. */
    async put(key, body, opts = {}) {
      validateBlobKey(key);
      const actual = createHash('sha256').update(body).digest('hex');
      if (opts.sha256Hex !== undefined && validateSha256Hex(opts.sha256Hex) !== actual) throw contentMismatch(key);
      await ensureDirs();
      const p = paths(key);
      await Promise.all([mkdir(p.dataDir, { recursive: true }), mkdir(p.metaDir, { recursive: true })]);
      const meta: Meta = { key, size: body.byteLength, contentType: opts.contentType ?? null, sha256Hex: actual };
      await atomicWrite(p.data, body);
      await atomicWrite(p.meta, JSON.stringify(meta));
    },

    /** Metadata from the sidecar, or null. */
    async head(key) {
      validateBlobKey(key);
      const m = await readMeta(key);
      return m ? toHead(m) : null;
    },

    /** Bytes (or an inclusive range of them); `size` is always the whole object's size. */
    async get(key, range?: ByteRange): Promise<BlobObject | null> {
      validateBlobKey(key);
      if (range) validateRange(range);
      const m = await readMeta(key);
      if (!m) return null;
      const start = range?.start ?? 0;
      if (range && start >= m.size) throw rangeNotSatisfiable(key);
      const end = Math.min(range?.end ?? m.size - 1, m.size - 1);
      const length = Math.max(0, end - start + 1);
      let fh;
      try {
        fh = await open(paths(key).data, 'r');
      } catch (e) {
        if (isMissing(e)) return null; // deleted between the sidecar read and now
        throw e;
      }
      try {
        const body = new Uint8Array(length);
        let off = 0;
        while (off < length) {
          const { bytesRead } = await fh.read(body, off, length - off, start + off);
          if (bytesRead === 0) break;
          off += bytesRead;
        }
        return { ...toHead(m), body: off === length ? body : body.subarray(0, off) };
      } finally {
        await fh.close();
      }
    },

    /** Removes sidecar then data, so readers never see a sidecar without data. */
    async delete(key) {
      validateBlobKey(key);
      const p = paths(key);
      await rm(p.meta, { force: true });
      await rm(p.data, { force: true });
    },

    /** Signed GET URL for the blob route (which sends `contentDisposition` when it was signed). */
    async presignGet(key, { expiresInSec, contentDisposition }): Promise<PresignedRequest> {
      validateBlobKey(key);
      const expires = Math.floor(clock.now() / 1000) + validateExpiresIn(expiresInSec);
      const disposition = contentDisposition === undefined ? {} : { disposition: validateHeaderValue(contentDisposition) };
      const url = await buildSignedBlobUrl(publicBaseUrl, signingSecret, { method: 'GET', key, expires, ...disposition });
      return { url, method: 'GET', headers: {}, expiresAt: expires };
    },

    /** Signed PUT URL; the route stores the body only if its SHA-256 equals `sha256Hex`. */
    async presignPut(key, { expiresInSec, sha256Hex, contentType }): Promise<PresignedRequest> {
      validateBlobKey(key);
      const sha = validateSha256Hex(sha256Hex);
      if (contentType !== undefined && /[\r\n]/.test(contentType)) throw new StrataError('bad-request', 'Invalid content type.');
      const expires = Math.floor(clock.now() / 1000) + validateExpiresIn(expiresInSec);
      const url = await buildSignedBlobUrl(publicBaseUrl, signingSecret, { method: 'PUT', key, expires, sha256Hex: sha, contentType });
      return { url, method: 'PUT', headers: contentType ? { 'content-type': contentType } : {}, expiresAt: expires };
    },

    multipart: {
      async create(key, opts = {}) {
        validateBlobKey(key);
        if (opts.contentType !== undefined) validateHeaderValue(opts.contentType);
        await ensureDirs();
        const uploadId = randomBytes(16).toString('hex');
        const dir = path.join(dirs.multipart, uploadId);
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'upload.json'), JSON.stringify({ key, contentType: opts.contentType ?? null }));
        return { uploadId };
      },

      /** Signed PUT URL for one part; the blob route stores it only if its SHA-256 matches. */
      async presignPart(key, uploadId, partNumber, { expiresInSec, sha256Hex }) {
        validateBlobKey(key);
        if (!UPLOAD_ID.test(uploadId)) throw new StrataError('bad-request', 'Invalid multipart upload id.');
        const expires = Math.floor(clock.now() / 1000) + validateExpiresIn(expiresInSec);
        const params = { method: 'PUT' as const, key, expires, sha256Hex: validateSha256Hex(sha256Hex), uploadId, partNumber: validatePartNumber(partNumber) };
        return { url: await buildSignedBlobUrl(publicBaseUrl, signingSecret, params), method: 'PUT', headers: {}, expiresAt: expires };
      },

      /** Stores one part (replacing an earlier one of that number) only if its SHA-256 matches. */
      async putPart(key, uploadId, partNumber, body, { sha256Hex }) {
        validateBlobKey(key);
        validatePartNumber(partNumber);
        const actual = createHash('sha256').update(body).digest('hex');
        if (validateSha256Hex(sha256Hex) !== actual) throw contentMismatch(key);
        const up = await openUpload(key, uploadId);
        if (!up) throw noSuchUpload(key);
        await atomicWrite(path.join(up.dir, `${partNumber}.part`), body);
        await atomicWrite(path.join(up.dir, `${partNumber}.json`), JSON.stringify({ size: body.byteLength, sha256Hex: actual }));
        return { partNumber, size: body.byteLength, etag: `"${actual}"`, checksumSha256: hexToBase64(actual) };
      },

      async listParts(key, uploadId) {
        validateBlobKey(key);
        const up = await openUpload(key, uploadId);
        return up ? listPartsIn(up.dir) : null;
      },

      /**
       * Joins the named parts in order into a temp file (hashing as it goes), then commits it
       * like a put; each part must be the one stored (same etag), as S3 requires.
       */
      async complete(key, uploadId, parts) {
        validateBlobKey(key);
        const up = await openUpload(key, uploadId);
        if (!up) throw noSuchUpload(key);
        const stored = new Map((await listPartsIn(up.dir)).map((p) => [p.partNumber, p]));
        const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
        for (const p of ordered) {
          if (stored.get(p.partNumber)?.etag !== p.etag) throw new StrataError('conflict', `Part ${p.partNumber} of ${key} is not the one stored.`);
        }
        const tmp = path.join(dirs.tmp, `${randomBytes(12).toString('hex')}.join`);
        const hash = createHash('sha256');
        let size = 0;
        const out = await open(tmp, 'w');
        try {
          for (const p of ordered) {
            const bytes = await readFile(path.join(up.dir, `${p.partNumber}.part`));
            hash.update(bytes);
            size += bytes.byteLength;
            await out.write(bytes);
          }
          await out.sync();
        } catch (e) {
          await out.close();
          await rm(tmp, { force: true });
          throw e;
        }
        await out.close();
        await commitObject(key, tmp, { key, size, contentType: up.contentType, sha256Hex: hash.digest('hex') });
        await rm(up.dir, { recursive: true, force: true });
      },

      async abort(key, uploadId) {
        validateBlobKey(key);
        const up = await openUpload(key, uploadId);
        if (up) await rm(up.dir, { recursive: true, force: true });
      },
    },

    /** Creates the directories if needed, which also proves the root is writable. */
    async ping() {
      await ensureDirs();
    },
  };
}
