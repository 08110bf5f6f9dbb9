/**
 * FsBlobStore — the local/embedded BlobStore (Node only). Objects live under
 * `<root>/data/<xx>/<sha256(key)>` with a JSON sidecar in `<root>/meta/…`; hashing the key
 * keeps file names short and makes path traversal impossible even if validation were bypassed.
 * Writes go to `<root>/tmp` and are renamed into place, data first, then the sidecar, so a
 * visible sidecar always means complete data.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { BlobHead, BlobObject, BlobStore, ByteRange, PresignedRequest } from '../../ports/blob';
import { systemClock, type Clock } from '../../ports/clock';
import { StrataError } from '../../errors';
import {
  contentMismatch,
  hexToBase64,
  rangeNotSatisfiable,
  validateBlobKey,
  validateExpiresIn,
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

function isMissing(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: string }).code === 'ENOENT';
}

/** Creates a filesystem BlobStore whose presigned URLs point at Strata's `/blobs/` route. */
export function createFsBlobStore(options: FsBlobStoreOptions): BlobStore & { readonly root: string } {
  const { root, publicBaseUrl, signingSecret } = FsBlobStoreOptions.parse(options);
  const clock = options.clock ?? systemClock;
  const dirs = { data: path.join(root, 'data'), meta: path.join(root, 'meta'), tmp: path.join(root, 'tmp') };
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

    /** Signed GET URL for the blob route. */
    async presignGet(key, { expiresInSec }): Promise<PresignedRequest> {
      validateBlobKey(key);
      const expires = Math.floor(clock.now() / 1000) + validateExpiresIn(expiresInSec);
      const url = await buildSignedBlobUrl(publicBaseUrl, signingSecret, { method: 'GET', key, expires });
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

    /** Creates the directories if needed, which also proves the root is writable. */
    async ping() {
      await ensureDirs();
    },
  };
}
