/**
 * Request and response shapes of the trust reads (zod): GET /ready. The route declares these as
 * they are; the decision's TypeScript types are their z.infer (docs/adr/0054).
 */
import { z } from 'zod';

/** GET /ready query; `versionId`'s shape is checked by parseVersionId (`bad-request`). */
export const ReadyQuery = z.object({
  versionId: z.string().meta({ pattern: '^[0-9a-fA-F]{64}$' }),
  policyId: z.string().regex(/^[A-Za-z0-9_.~-]{1,128}$/, 'expected a policy id such as pol_<hex>').optional(),
});

/** The stored policy's decision as /ready reports it. */
export const PolicyOutcome = z.object({
  decision: z.enum(['allow', 'warn', 'block']),
  reasons: z.array(z.unknown()).readonly(),
  warnings: z.array(z.unknown()).readonly(),
  evidence: z.unknown(),
});
export type PolicyOutcome = z.infer<typeof PolicyOutcome>;

export const ReadyResponse = z.object({
  ready: z.boolean(),
  reason: z.string().nullable().meta({ description: 'advisory-blocked, missing-envelope:<v>, an SPV code, headers-unavailable, policy-blocked or not-found.' }),
  confirmations: z.number().int().meta({ description: 'Minimum over the lineage, computed now.' }),
  bestHeight: z.number().int().nullable(),
  warnings: z.array(z.string()).readonly(),
  policy: PolicyOutcome.optional(),
});
export type ReadyResponse = z.infer<typeof ReadyResponse>;
