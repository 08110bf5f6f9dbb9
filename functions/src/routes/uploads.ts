/**
 * /v1/uploads — a producer uploads a version's content: one presigned PUT (or, above
 * UPLOAD_MULTIPART_THRESHOLD_BYTES, presigned parts) that the store accepts only with the
 * declared SHA-256; then `complete`. Every call but the status read is identity-signed by the
 * producer (packages/core/src/uploads/service.ts).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { completeUpload, createUpload, getUploadView, listUploadParts, presignParts } from '@strata/core/uploads/service';
import { PartsRequest, UploadRequest } from '@strata/core/uploads/schema';
import type { AppEnv } from '../env';
import { identity, serviceCtx } from '../middleware/identity';
import { errorResponses } from '../problem';

const identityHeaders = z.object({
  'x-identity-key': z.string().openapi({ description: 'Compressed secp256k1 public key of the producer, hex' }),
  'x-nonce': z.string(),
  'x-signature': z.string(),
});

const Presigned = z
  .object({ url: z.string(), method: z.enum(['GET', 'PUT']), headers: z.record(z.string(), z.string()), expiresAt: z.number().int() })
  .openapi('PresignedRequest');

const Upload = z
  .object({
    uploadId: z.string(),
    contentHash: z.string(),
    versionId: z.string(),
    key: z.string(),
    sizeBytes: z.number().int(),
    mimeType: z.string(),
    mode: z.enum(['single', 'multipart']),
    status: z.enum(['pending', 'verifying', 'verified', 'failed', 'aborted']),
    failure: z.string().optional(),
    put: Presigned.optional().openapi({ description: 'single: send exactly these headers with the bytes' }),
    partSize: z.number().int().optional(),
    partCount: z.number().int().optional(),
  })
  .openapi('Upload');

const idParam = z.object({ uploadId: z.string().openapi({ pattern: '^upl_[0-9a-f]{24}$' }) });
const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });

const createRouteDef = createRoute({
  method: 'post',
  path: '/v1/uploads',
  tags: ['delivery'],
  summary: "Start (or resume) the upload of a version's content; the URL accepts only bytes with the declared SHA-256",
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, body: { required: true, content: json(UploadRequest) } },
  responses: {
    201: { description: 'Upload started', content: json(Upload) },
    200: { description: 'Already verified, or an upload in progress handed back', content: json(Upload) },
    ...errorResponses(401, 403, 404, 409, 413, 503),
  },
});

const partsRoute = createRoute({
  method: 'post',
  path: '/v1/uploads/{uploadId}/parts',
  tags: ['delivery'],
  summary: 'Presigned PUTs for parts of a multipart upload, each bound to its SHA-256',
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, params: idParam, body: { required: true, content: json(PartsRequest) } },
  responses: {
    200: {
      description: 'One URL per part',
      content: json(z.object({ uploadId: z.string(), parts: z.array(Presigned.extend({ partNumber: z.number().int(), size: z.number().int() })) })),
    },
    ...errorResponses(401, 403, 404, 409, 503),
  },
});

const listPartsRoute = createRoute({
  method: 'get',
  path: '/v1/uploads/{uploadId}/parts',
  tags: ['delivery'],
  summary: 'The parts already stored (resume an interrupted multipart upload)',
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, params: idParam },
  responses: {
    200: {
      description: 'Stored and missing parts',
      content: json(
        z.object({
          uploadId: z.string(),
          status: z.string(),
          parts: z.array(z.object({ partNumber: z.number().int(), size: z.number().int(), sha256: z.string().nullable() })),
          missing: z.array(z.number().int()),
        }),
      ),
    },
    ...errorResponses(401, 403, 404, 409, 503),
  },
});

const completeRoute = createRoute({
  method: 'post',
  path: '/v1/uploads/{uploadId}/complete',
  tags: ['delivery'],
  summary: 'Finish an upload: verified at once (single PUT) or after a background SHA-256 of the joined object (multipart)',
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, params: idParam },
  responses: {
    200: { description: 'Verified (or already finished)', content: json(Upload) },
    202: { description: 'Joined; the SHA-256 of the whole object is being checked', content: json(Upload) },
    ...errorResponses(401, 403, 404, 409, 503),
  },
});

const getRouteDef = createRoute({
  method: 'get',
  path: '/v1/uploads/{uploadId}',
  tags: ['delivery'],
  summary: 'The state of an upload',
  request: { params: idParam },
  responses: { 200: { description: 'The upload', content: json(Upload) }, ...errorResponses(404, 503) },
});

export function registerUploads(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRouteDef, async (c) => {
    const r = await createUpload({ deps: c.get('deps'), ctx: serviceCtx(c), input: { body: c.req.valid('json') } });
    return c.json(r.upload, r.created ? 201 : 200);
  });
  app.openapi(partsRoute, async (c) => {
    const input = { uploadId: c.req.valid('param').uploadId, body: c.req.valid('json') };
    return c.json(await presignParts({ deps: c.get('deps'), ctx: serviceCtx(c), input }), 200);
  });
  app.openapi(listPartsRoute, async (c) => {
    return c.json(await listUploadParts({ deps: c.get('deps'), ctx: serviceCtx(c), input: { uploadId: c.req.valid('param').uploadId } }), 200);
  });
  app.openapi(completeRoute, async (c) => {
    const u = await completeUpload({ deps: c.get('deps'), ctx: serviceCtx(c), input: { uploadId: c.req.valid('param').uploadId } });
    return c.json(u, u.status === 'verifying' ? 202 : 200);
  });
  app.openapi(getRouteDef, async (c) => {
    return c.json(await getUploadView({ deps: c.get('deps'), ctx: serviceCtx(c), input: { uploadId: c.req.valid('param').uploadId } }), 200);
  });
}
