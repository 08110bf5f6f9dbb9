/** Request and response shapes of the upload verbs (zod): the verbs validate with them, the routes declare them as they are. */
import { z } from 'zod';

const Hex64 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
  .transform((s) => s.toLowerCase());

/** A MIME type as RFC 6838 spells it (type/subtype, optional parameters), one line. */
export const MimeType = z
  .string()
  .max(255)
  .regex(/^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*(\s*;\s*[A-Za-z0-9!#$&^_.+-]+=("[\x20-\x7e]*"|[A-Za-z0-9!#$&^_.+-]+))*$/, 'must be a MIME type such as text/csv');

export const UploadRequest = z
  .object({
    versionId: Hex64.optional(),
    contentHash: Hex64,
    sizeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    mimeType: MimeType,
  })
  .strict();
export type UploadRequest = z.infer<typeof UploadRequest>;

export const UploadId = z.string().regex(/^upl_[0-9a-f]{24}$/, 'must be upl_ followed by 24 hex characters');

export const PartsRequest = z
  .object({
    parts: z
      .array(z.object({ partNumber: z.number().int().min(1).max(10_000), sha256: Hex64 }).strict())
      .min(1)
      .max(1000)
      .refine((ps) => new Set(ps.map((p) => p.partNumber)).size === ps.length, 'part numbers must be distinct'),
  })
  .strict();
export type PartsRequest = z.infer<typeof PartsRequest>;

/** The `{uploadId}` of /v1/uploads/{uploadId}…. */
export const UploadIdParam = z.object({ uploadId: UploadId });

export const UploadStatus = z.enum(['pending', 'verifying', 'verified', 'failed', 'aborted']);
export type UploadStatus = z.infer<typeof UploadStatus>;

/** A presigned request as an answer carries it (ports/blob.ts PresignedRequest): send exactly its headers with the bytes. */
export const Presigned = z
  .object({ url: z.string(), method: z.enum(['GET', 'PUT']), headers: z.record(z.string(), z.string()), expiresAt: z.number().int() })
  .meta({ description: 'A presigned request: send exactly these headers with the bytes.' });

/** What a client sees of an upload. */
export const UploadView = z.object({
  uploadId: z.string(),
  contentHash: z.string(),
  versionId: z.string(),
  key: z.string(),
  sizeBytes: z.number().int(),
  mimeType: z.string(),
  mode: z.enum(['single', 'multipart']),
  status: UploadStatus,
  failure: z.string().optional(),
  /** single, while pending: the one PUT that stores the content (send exactly its headers with the bytes). */
  put: Presigned.optional(),
  /** multipart: every part but the last is `partSize` bytes. */
  partSize: z.number().int().optional(),
  partCount: z.number().int().optional(),
});
export type UploadView = z.infer<typeof UploadView>;

/** POST /v1/uploads/{uploadId}/parts answer. */
export const PresignedParts = z.object({ uploadId: z.string(), parts: z.array(Presigned.extend({ partNumber: z.number().int(), size: z.number().int() })) });
/** GET /v1/uploads/{uploadId}/parts answer. */
export const StoredParts = z.object({
  uploadId: z.string(),
  status: z.string(),
  parts: z.array(z.object({ partNumber: z.number().int(), size: z.number().int(), sha256: z.string().nullable() })),
  missing: z.array(z.number().int()),
});
/** POST …/complete takes no members: no body (signed as the empty string) or `{}`. */
export const NoMembers = z.object({}).strict().meta({ description: 'No members: send no body (signed as the empty string) or `{}`.' });
export type Tier = 'hot' | 'warm' | 'cold';

/** The object key of content: `<tier>/<contentHash>` (CONTRACTS "Data delivery"). */
export const contentKey = (tier: Tier, contentHash: string) => `${tier}/${contentHash}`;
