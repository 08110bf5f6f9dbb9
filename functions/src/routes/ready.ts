/** GET /ready — is a version (with its whole lineage) usable now? Never cached (D04, D11H). */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { readyDecision } from '@strata/core/bundle/ready-decision';
import { ReadyQuery, ReadyResponse } from '@strata/core/bundle/schema';
import { parseVersionId } from '@strata/core/catalog/hex';
import type { AppEnv } from '../env';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ Ready: ReadyResponse });

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
    200: { description: 'A decision (ready or not)', content: { 'application/json': { schema: ReadyResponse } } },
    ...errorResponses('policy-not-found', 429, 503),
  },
});

export function registerReady(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const versionId = parseVersionId(q.versionId, ['query', 'versionId']);
    const r = await readyDecision({ deps: c.get('deps'), ctx: c.get('ctx'), input: { versionId, ...(q.policyId ? { policyId: q.policyId } : {}) } });
    return c.json(r, 200, { 'cache-control': 'no-store' });
  });
}
