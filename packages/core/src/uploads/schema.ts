/** Request shapes of the upload verbs (zod), shared by the routes' OpenAPI and the verbs. */
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

export type UploadStatus = 'pending' | 'verifying' | 'verified' | 'failed' | 'aborted';
export type Tier = 'hot' | 'warm' | 'cold';

/** The object key of content: `<tier>/<contentHash>` (CONTRACTS "Data delivery"). */
export const contentKey = (tier: Tier, contentHash: string) => `${tier}/${contentHash}`;
