/** Query of GET /v1/data (zod), shared by the route's OpenAPI and the verb. */
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
