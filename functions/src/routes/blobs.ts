/**
 * GET/PUT /blobs/<key>: serves the filesystem store's presigned URLs (the S3 store's URLs go to
 * S3 itself). The HMAC signature fixes method, key, expiry and — for PUT — the SHA-256 of the
 * only bytes accepted, so this route checks exactly what S3 would.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { verifyBlobSignature } from '@strata/core/adapters/blob/signing';
import { StrataError } from '@strata/core/errors';
import type { AppEnv } from '../env';

/** Largest upload through a presigned URL of the local store. */
export const MAX_LOCAL_UPLOAD_BYTES = 512 * 1024 * 1024;

const RANGE = /^bytes=(\d+)-(\d*)$/;

export function registerBlobs(app: OpenAPIHono<AppEnv>): void {
  app.on(['GET', 'PUT', 'HEAD'], '/blobs/*', async (c) => {
    const deps = c.get('deps');
    const secret = deps.blobSigningSecret;
    if (!secret) throw new StrataError('not-found', 'Blobs are served by the object store, not by this route.');
    const key = decodeURIComponent(new URL(c.req.url).pathname.slice('/blobs/'.length));
    const method = c.req.method === 'HEAD' ? 'GET' : c.req.method;
    const check = await verifyBlobSignature({ secret: secret.reveal(), method, key, query: new URL(c.req.url).searchParams, now: deps.clock.now() });
    if (!check.ok) {
      throw new StrataError('forbidden', `The signed URL is not valid (${check.reason}).`, { hint: check.reason === 'expired' ? 'Request a new URL.' : undefined });
    }
    if (method === 'PUT') {
      const declared = Number(c.req.header('content-length') ?? NaN);
      if (declared > MAX_LOCAL_UPLOAD_BYTES) throw new StrataError('payload-too-large', `Uploads are limited to ${MAX_LOCAL_UPLOAD_BYTES} bytes.`);
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (body.byteLength > MAX_LOCAL_UPLOAD_BYTES) throw new StrataError('payload-too-large', `Uploads are limited to ${MAX_LOCAL_UPLOAD_BYTES} bytes.`);
      if (check.uploadId !== undefined) {
        const part = await deps.blobs.multipart.putPart(key, check.uploadId, check.partNumber!, body, { sha256Hex: check.sha256Hex! });
        return c.body(null, 200, { etag: part.etag });
      }
      await deps.blobs.put(key, body, { sha256Hex: check.sha256Hex!, ...(check.contentType ? { contentType: check.contentType } : {}) });
      return c.body(null, 200);
    }
    const rangeHeader = c.req.header('range');
    const m = rangeHeader ? RANGE.exec(rangeHeader) : null;
    if (rangeHeader && !m) throw new StrataError('bad-request', 'Only single byte ranges (bytes=a-b) are supported.');
    const range = m ? { start: Number(m[1]), ...(m[2] ? { end: Number(m[2]) } : {}) } : undefined;
    const obj = c.req.method === 'HEAD' ? await deps.blobs.head(key) : await deps.blobs.get(key, range);
    if (!obj) throw new StrataError('not-found', 'No such object.');
    const headers: Record<string, string> = {
      'content-type': obj.contentType ?? 'application/octet-stream',
      'accept-ranges': 'bytes',
      'x-content-type-options': 'nosniff',
    };
    if (check.disposition !== undefined) headers['content-disposition'] = check.disposition;
    if (obj.etag) headers.etag = obj.etag;
    if (!('body' in obj)) return c.body(null, 200, { ...headers, 'content-length': String(obj.size) });
    if (range) {
      const end = range.end === undefined ? obj.size - 1 : Math.min(range.end, obj.size - 1);
      headers['content-range'] = `bytes ${range.start}-${end}/${obj.size}`;
      return c.body(obj.body as Uint8Array<ArrayBuffer>, 206, headers);
    }
    return c.body(obj.body as Uint8Array<ArrayBuffer>, 200, headers);
  });
}
