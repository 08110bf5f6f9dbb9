/** Advisories (recalls): request and response schemas; the verbs validate with them and the routes declare them as they are. */
import { z } from 'zod';
import { PRODUCER_ID } from '../catalog/ids';

const Hex64 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters').transform((s) => s.toLowerCase());

export const AdvisoryType = z.enum(['BLOCK', 'WARN']);
export type AdvisoryType = z.infer<typeof AdvisoryType>;

export const ADVISORY_ID = /^adv_[0-9a-f]{16}$/;

/** POST /advisories body. At least one target; `expiresAt` ends the advisory (absent: until lifted). */
export const NewAdvisory = z
  .strictObject({
    type: AdvisoryType,
    reason: z.string().min(1).max(1024).regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters'),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
    payload: z.record(z.string(), z.unknown()).optional(),
    targets: z
      .strictObject({
        versionIds: z.array(Hex64).max(1000).optional(),
        producerIds: z.array(z.string().regex(PRODUCER_ID, 'must be prod_ followed by 16 hex')).max(1000).optional(),
      })
      .refine((t) => (t.versionIds?.length ?? 0) + (t.producerIds?.length ?? 0) > 0, 'name at least one version or producer'),
  })
  .refine((a) => a.payload === undefined || JSON.stringify(a.payload).length <= 16 * 1024, {
    message: 'payload is limited to 16 KiB',
    path: ['payload'],
  });
export type NewAdvisory = z.input<typeof NewAdvisory>;

/** GET /advisories query; `versionId`'s shape is checked by parseVersionId (`bad-request`). */
export const AdvisoriesQuery = z.object({ versionId: z.string().meta({ pattern: '^[0-9a-fA-F]{64}$' }) });

export const Advisory = z.object({
  advisoryId: z.string(),
  type: AdvisoryType,
  reason: z.string(),
  payload: z.record(z.string(), z.unknown()).nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable(),
  targets: z.object({ versionIds: z.array(z.string()), producerIds: z.array(z.string()) }),
});
export type Advisory = z.infer<typeof Advisory>;

export const AdvisoriesPage = z.object({ versionId: z.string(), items: z.array(Advisory) });
