/** POST /advisories (admin) and GET /advisories?versionId= — recalls that make /ready false. */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { createAdvisory, listAdvisoriesForVersion } from '@strata/core/advisories/repo';
import { AdvisoriesPage, AdvisoriesQuery, Advisory, NewAdvisory } from '@strata/core/advisories/schema';
import { parseVersionId } from '@strata/core/catalog/hex';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ Advisory, NewAdvisory });

const postRoute = createRoute({
  method: 'post',
  path: '/advisories',
  tags: ['trust'],
  summary: 'Record an advisory (admin): BLOCK or WARN on versions or producers',
  description: 'Records a recall or warning naming versions and/or producers, optionally expiring. While active, a BLOCK advisory makes `GET /ready` false for every version whose lineage includes a named version or a version of a named producer; a WARN adds a warning.',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: NewAdvisory } } } },
  responses: {
    201: { description: 'Recorded', content: { 'application/json': { schema: Advisory } } },
    ...errorResponses('unauthorized', 413, 503),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/advisories',
  tags: ['trust'],
  summary: 'Advisories naming a version or its producer (newest first)',
  description: 'Advisories that name the version or its producer, newest first, expired ones included with their `expiresAt`.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { query: AdvisoriesQuery },
  responses: {
    200: { description: 'The advisories', content: { 'application/json': { schema: AdvisoriesPage } } },
    ...errorResponses(429, 503),
  },
});

export function registerAdvisories(app: OpenAPIHono<AppEnv>): void {
  app.openapi(postRoute, async (c) => {
    const a = await createAdvisory({ deps: c.get('deps'), ctx: c.get('ctx'), input: { body: c.req.valid('json') } });
    return c.json(a, 201);
  });
  app.openapi(listRoute, async (c) => {
    const versionId = parseVersionId(c.req.valid('query').versionId, ['query', 'versionId']);
    const items = await listAdvisoriesForVersion({ deps: c.get('deps'), ctx: c.get('ctx'), input: { versionId } });
    return c.json({ versionId, items }, 200, { 'cache-control': 'no-store' });
  });
}
