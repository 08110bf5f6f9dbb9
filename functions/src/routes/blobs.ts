/**
 * GET/PUT /blobs/<key>: serves the filesystem store's presigned URLs (the S3 store's URLs go to
 * S3 itself). The HMAC signature fixes method, key, expiry and — for PUT — the SHA-256 of the
 * only bytes accepted, so this route checks exactly what S3 would.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { inertHeaders } from '@strata/core/adapters/blob/inert';
import { verifyBlobSignature } from '@strata/core/adapters/blob/signing';
import { StrataError } from '@strata/core/errors';
import type { AppEnv } from '../env';
import { SECURITY } from '../openapi/security';
import { errorResponses } from '../problem';

/** Largest upload through a presigned URL of the local store. */
export const MAX_LOCAL_UPLOAD_BYTES = 512 * 1024 * 1024;

const RANGE = /^bytes=(\d+)-(\d*)$/;

function documentBlobs(app: OpenAPIHono<AppEnv>): void {
  const key = z.object({ key: z.string().openapi({ description: 'The object key (slashes allowed).', example: 'content/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08' }) });
  const signed = z.object({
    method: z.enum(['GET', 'PUT']).openapi({ description: 'The method the URL was signed for (HEAD uses a GET URL).' }),
    expires: z.string().openapi({ description: 'Expiry, epoch seconds.' }),
    sha256: z.string().optional().openapi({ description: 'PUT: SHA-256 hex of the only bytes accepted.' }),
    contentType: z.string().optional().openapi({ description: 'PUT: the content type the object is stored with.' }),
  });
  const problems = errorResponses('forbidden', 'not-found', 'content-mismatch', 413, 503);
  const common = {
    tags: ['operations'],
    security: SECURITY.presignedUrl,
    request: { params: key, query: signed },
  };
  const what = 'Only with the embedded filesystem store (with S3 the presigned URLs point at S3 itself; this route then answers 404).';
  app.openAPIRegistry.registerPath({
    ...common,
    method: 'get',
    path: '/blobs/{key}',
    summary: 'Read an object through a presigned URL',
    description: `Serves the object a presigned GET URL names; a single \`Range: bytes=a-b\` answers 206. ${what}`,
    responses: { 200: { description: 'The bytes' }, 206: { description: 'The requested range' }, ...problems },
  });
  app.openAPIRegistry.registerPath({
    ...common,
    method: 'head',
    path: '/blobs/{key}',
    summary: 'Size and type of an object through a presigned URL',
    description: `Headers only (\`Content-Length\`, \`Content-Type\`, \`ETag\`) for a presigned GET URL. ${what}`,
    responses: { 200: { description: 'The headers' }, ...problems },
  });
  app.openAPIRegistry.registerPath({
    ...common,
    method: 'put',
    path: '/blobs/{key}',
    summary: 'Upload an object through a presigned URL',
    description: `Stores the body under the key if its SHA-256 is the one the URL was signed for (else 409 \`content-mismatch\`), at most ${MAX_LOCAL_UPLOAD_BYTES} bytes. ${what}`,
    request: { ...common.request, body: { required: true, content: { 'application/octet-stream': { schema: z.string().openapi({ format: 'binary' }) } } } },
    responses: { 200: { description: 'Stored' }, ...problems },
  });
}

export function registerBlobs(app: OpenAPIHono<AppEnv>): void {
  documentBlobs(app);
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
    if (rangeHeader && !m) throw new StrataError('bad-request', 'Only single byte ranges (bytes=a-b) are supported.', { issues: [{ path: 'header.range', message: 'must be bytes=a-b' }] });
    const range = m ? { start: Number(m[1]), ...(m[2] ? { end: Number(m[2]) } : {}) } : undefined;
    const obj = c.req.method === 'HEAD' ? await deps.blobs.head(key) : await deps.blobs.get(key, range);
    if (!obj) throw new StrataError('not-found', 'No such object.');
    const type = obj.contentType ?? 'application/octet-stream';
    // served bytes are inert: nosniff, a sandboxing CSP, and attachment unless the type is harmless;
    // a disposition signed into the URL (a delivery's file name) is always an attachment too
    const headers: Record<string, string> = { 'content-type': type, 'accept-ranges': 'bytes', ...inertHeaders(type) };
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
