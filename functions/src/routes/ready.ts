/** GET /ready — is a version (with its whole lineage) usable now? Never cached (D04, D11H). */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { readyDecision } from '@strata/core/bundle/ready-decision';
import { parseVersionId } from '@strata/core/catalog/hex';
import { evaluateStoredPolicy } from '@strata/core/policy/service';
import type { AppEnv } from '../env';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { SECURITY } from '../openapi/security';

const ReadyQuery = z.object({
  versionId: z.string().openapi({ pattern: '^[0-9a-fA-F]{64}$' }),
  policyId: z.string().regex(/^[A-Za-z0-9_.~-]{1,128}$/, 'expected a policy id such as pol_<hex>').optional(),
});

const Ready = z
  .object({
    ready: z.boolean(),
    reason: z.string().nullable().openapi({ description: 'advisory-blocked, missing-envelope:<v>, an SPV code, headers-unavailable, policy-blocked or not-found.' }),
    confirmations: z.number().int().openapi({ description: 'Minimum over the lineage, computed now.' }),
    bestHeight: z.number().int().nullable(),
    warnings: z.array(z.string()),
    policy: z.object({ decision: z.enum(['allow', 'warn', 'block']), reasons: z.array(z.unknown()), warnings: z.array(z.unknown()), evidence: z.unknown() }).optional(),
  })
  .openapi('Ready');

const route = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['trust'],
  summary: 'Readiness decision: advisories, SPV proofs of the whole lineage, optional policy',
  description:
    'Whether a version may be used now: no active BLOCK advisory on it, an ancestor or one of their producers, every version in its lineage has an SPV proof that verifies against the best chain, and — with `policyId` — the policy does not block. `ready: false` comes with a `reason`; warnings never make it false. Never cached.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { query: ReadyQuery },
  responses: {
    200: { description: 'A decision (ready or not)', content: { 'application/json': { schema: Ready } } },
    ...errorResponses('policy-not-found', 429, 503),
  },
});

export function registerReady(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const versionId = parseVersionId(q.versionId);
    const deps = { ...c.get('deps'), evaluatePolicy: evaluateStoredPolicy };
    const r = await readyDecision({ deps, ctx: c.get('ctx'), input: { versionId, ...(q.policyId ? { policyId: q.policyId } : {}) } });
    return c.json(r as z.infer<typeof Ready>, 200, { 'cache-control': 'no-store' });
  });
}
