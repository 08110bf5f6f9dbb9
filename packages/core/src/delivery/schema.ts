/** GET /v1/data: its query and its answer (zod); the verb validates with them, the route declares them as they are. */
import { z } from 'zod';

export const DataQuery = z
  .object({
    contentHash: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
      .transform((s) => s.toLowerCase()),
    receiptId: z.string().regex(/^rcpt_[0-9a-f]{32}$/, 'must be rcpt_ followed by 32 hex characters'),
    redirect: z
      .enum(['true', 'false', '1', '0'])
      .optional()
      .transform((v) => v === 'true' || v === '1'),
  })
  .strict();
export type DataQuery = z.infer<typeof DataQuery>;

export const DeliveryResult = z.object({
  success: z.literal(true),
  delivery: z.object({
    method: z.literal('presigned-url'),
    cdn: z.enum(['off', 'direct', 'signed']),
    url: z.string(),
    expiresAt: z.number().int().meta({ description: 'Epoch seconds' }),
    /** Headers to send with the GET (none today; a Range header may be added). */
    headers: z.record(z.string(), z.string()),
  }),
  metadata: z.object({
    contentHash: z.string(),
    receiptId: z.string(),
    versionId: z.string(),
    size: z.number().int(),
    tier: z.string(),
    bytesUsed: z.number().int(),
    bytesLimit: z.number().int(),
  }),
});
/** The verb's result: the answer, and whether the client asked for a redirect instead. */
export type Delivery = z.infer<typeof DeliveryResult> & { readonly redirect: boolean };
