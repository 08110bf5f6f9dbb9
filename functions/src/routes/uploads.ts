/**
 * /v1/uploads — a producer uploads a version's content: one presigned PUT (or, above
 * UPLOAD_MULTIPART_THRESHOLD_BYTES, presigned parts) that the store accepts only with the
 * declared SHA-256; then `complete`. Every call but the status read is identity-signed by the
 * producer (packages/core/src/uploads/service.ts).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { completeUpload, createUpload, getUploadView, listUploadParts, presignParts } from '@strata/core/uploads/service';
import { NoMembers, PartsRequest, Presigned, PresignedParts, StoredParts, UploadIdParam, UploadRequest, UploadView } from '@strata/core/uploads/schema';
import type { AppEnv } from '../env';
import { identity } from '../middleware/identity';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';
import { errorResponses } from '../problem';

const identityHeaders = z.object({
  'x-identity-key': z.string().openapi({ description: 'Compressed secp256k1 public key of the producer, hex' }),
  'x-nonce': z.string(),
  'x-signature': z.string(),
});

components({ PresignedRequest: Presigned, Upload: UploadView });

const json = <T extends z.ZodType>(schema: T) => ({ 'application/json': { schema } });
const signedProblems = ['invalid-signature', 'nonce-replayed', 'forbidden', 'not-found', 'conflict', 'unavailable'] as const;

const createRouteDef = createRoute({
  method: 'post',
  path: '/v1/uploads',
  tags: ['delivery'],
  summary: "Start (or resume) the upload of a version's content; the URL accepts only bytes with the declared SHA-256",
  description:
    'Signed by the producer of the named version (or, without `versionId`, of a version declaring `contentHash`); `sizeBytes` must agree with the manifest and stay within `UPLOAD_MAX_BYTES`. At or below `UPLOAD_MULTIPART_THRESHOLD_BYTES` the answer carries one presigned `put` whose SHA-256 is signed into the URL, so the store refuses other bytes; above it the upload is multipart (`partSize`, `partCount`; ask for part URLs with `POST /v1/uploads/{uploadId}/parts`). Content already verified is answered 200 without a new upload; an upload in flight is handed back (200) to the producer that started it and refused (409 `conflict`) to anyone else. A `versionId` whose manifest declares another content answers 409 `content-mismatch`; a signer that is not the producer 403.',
  security: SECURITY.identity,
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, body: { required: true, content: json(UploadRequest) } },
  responses: {
    201: { description: 'Upload started', content: json(UploadView) },
    200: { description: 'Already verified, or an upload in progress handed back', content: json(UploadView) },
    ...errorResponses('invalid-signature', 'nonce-replayed', 'forbidden', 'not-found', 'conflict', 'content-mismatch', 'payload-too-large', 'unavailable'),
  },
});

const partsRoute = createRoute({
  method: 'post',
  path: '/v1/uploads/{uploadId}/parts',
  tags: ['delivery'],
  summary: 'Presigned PUTs for parts of a multipart upload, each bound to its SHA-256',
  description:
    'Only the producer that started the upload (403 otherwise), only for a multipart upload still `pending` (409 otherwise). Each requested part (number 1 to `partCount`, with the SHA-256 of its bytes) gets a presigned PUT that the store accepts only with those bytes; `size` is the length the part must have (`partSize`, the last part the rest). A part may be asked for again, e.g. after an expired URL.',
  security: SECURITY.identity,
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, params: UploadIdParam, body: { required: true, content: json(PartsRequest) } },
  responses: {
    200: {
      description: 'One URL per part',
      content: json(PresignedParts),
    },
    ...errorResponses(...signedProblems, 'payload-too-large'),
  },
});

const listPartsRoute = createRoute({
  method: 'get',
  path: '/v1/uploads/{uploadId}/parts',
  tags: ['delivery'],
  summary: 'The parts already stored (resume an interrupted multipart upload)',
  description:
    'Only the producer that started the upload (403 otherwise), only for a multipart upload (409 for a single PUT). While the upload is `pending` the store is asked which parts it holds (size and SHA-256 hex, when the store recorded one) and `missing` lists the part numbers still to upload; once it has left `pending` both lists are empty and `status` tells where it is.',
  security: SECURITY.identity,
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, params: UploadIdParam },
  responses: {
    200: {
      description: 'Stored and missing parts',
      content: json(StoredParts),
    },
    ...errorResponses(...signedProblems),
  },
});

const completeRoute = createRoute({
  method: 'post',
  path: '/v1/uploads/{uploadId}/complete',
  tags: ['delivery'],
  summary: 'Finish an upload: verified at once (single PUT) or after a background SHA-256 of the joined object (multipart)',
  description:
    'Only the producer that started the upload (403 otherwise). Single PUT: the stored object must be there (409 before the bytes were PUT); with the declared size and SHA-256 the upload becomes `verified` (200), otherwise the object is deleted and the upload `failed`. Multipart: every part must be stored with its expected size (409 naming the missing or wrong part); the parts are joined, the upload moves to `verifying` (202) and a background job hashes the whole object, then marks it `verified` or deletes it and marks it `failed`. An upload no longer `pending` is answered as it is; a retry while `verifying` sends the (idempotent) job again. Only verified content is delivered.',
  security: SECURITY.identity,
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, params: UploadIdParam, body: { required: false, content: json(NoMembers) } },
  responses: {
    200: { description: 'Verified (or already finished)', content: json(UploadView) },
    202: { description: 'Joined; the SHA-256 of the whole object is being checked', content: json(UploadView) },
    ...errorResponses(...signedProblems),
  },
});

const getRouteDef = createRoute({
  method: 'get',
  path: '/v1/uploads/{uploadId}',
  tags: ['delivery'],
  summary: 'The state of an upload',
  description:
    'Unsigned: the upload id (random, handed only to its producer) names it. The answer holds the state (`pending`, `verifying`, `verified`, `failed` with `failure`, `aborted`) and the declared content, never a presigned URL. Uploads still `pending` after `UPLOAD_ABANDON_AFTER_SEC` are aborted hourly.',
  security: SECURITY.public,
  request: { params: UploadIdParam },
  responses: { 200: { description: 'The upload', content: json(UploadView) }, ...errorResponses('not-found', 'unavailable') },
});

export function registerUploads(app: OpenAPIHono<AppEnv>): void {
  app.openapi(createRouteDef, async (c) => {
    const r = await createUpload({ deps: c.get('deps'), ctx: c.get('ctx'), input: { body: c.req.valid('json') } });
    return c.json(r.upload, r.created ? 201 : 200);
  });
  app.openapi(partsRoute, async (c) => {
    const input = { uploadId: c.req.valid('param').uploadId, body: c.req.valid('json') };
    return c.json(await presignParts({ deps: c.get('deps'), ctx: c.get('ctx'), input }), 200);
  });
  app.openapi(listPartsRoute, async (c) => {
    return c.json(await listUploadParts({ deps: c.get('deps'), ctx: c.get('ctx'), input: { uploadId: c.req.valid('param').uploadId } }), 200);
  });
  app.openapi(completeRoute, async (c) => {
    const u = await completeUpload({ deps: c.get('deps'), ctx: c.get('ctx'), input: { uploadId: c.req.valid('param').uploadId } });
    return c.json(u, u.status === 'verifying' ? 202 : 200);
  });
  app.openapi(getRouteDef, async (c) => {
    return c.json(await getUploadView({ deps: c.get('deps'), ctx: c.get('ctx'), input: { uploadId: c.req.valid('param').uploadId } }), 200);
  });
}
