/** POST /advisories (admin) and GET /advisories?versionId= — recalls that make /ready false. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { createAdvisory, listAdvisoriesForVersion } from '@strata/core/advisories/repo';
import { parseVersionId } from '@strata/core/catalog/hex';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { SECURITY } from '../openapi/security';

const Advisory = z
  .object({
    advisoryId: z.string(),
    type: z.enum(['BLOCK', 'WARN']),
    reason: z.string(),
    payload: z.record(z.string(), z.unknown()).nullable(),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    targets: z.object({ versionIds: z.array(z.string()), producerIds: z.array(z.string()) }),
  })
  .openapi('Advisory');

const NewAdvisoryBody = z
  .object({
    type: z.enum(['BLOCK', 'WARN']),
    reason: z.string(),
    expiresAt: z.string().optional(),
    payload: z.record(z.string(), z.unknown()).optional(),
    targets: z.object({ versionIds: z.array(z.string()).optional(), producerIds: z.array(z.string()).optional() }),
  })
  .openapi('NewAdvisory', { description: 'Validated in full by the core schema (advisories/schema.ts).' });

const postRoute = createRoute({
  method: 'post',
  path: '/advisories',
  tags: ['trust'],
  summary: 'Record an advisory (admin): BLOCK or WARN on versions or producers',
  description: 'Records a recall or warning naming versions and/or producers, optionally expiring. While active, a BLOCK advisory makes `GET /ready` false for every version whose lineage includes a named version or a version of a named producer; a WARN adds a warning.',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: NewAdvisoryBody } } } },
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
  request: { query: z.object({ versionId: z.string().openapi({ pattern: '^[0-9a-fA-F]{64}$' }) }) },
  responses: {
    200: { description: 'The advisories', content: { 'application/json': { schema: z.object({ versionId: z.string(), items: z.array(Advisory) }) } } },
    ...errorResponses(429, 503),
  },
});

export function registerAdvisories(app: OpenAPIHono<AppEnv>): void {
  app.openapi(postRoute, async (c) => {
    const a = await createAdvisory({ deps: c.get('deps'), ctx: c.get('ctx'), input: { body: c.req.valid('json') } });
    return c.json(a, 201);
  });
  app.openapi(listRoute, async (c) => {
    const versionId = parseVersionId(c.req.valid('query').versionId);
    const items = await listAdvisoriesForVersion({ deps: c.get('deps'), ctx: c.get('ctx'), input: { versionId } });
    return c.json({ versionId, items }, 200, { 'cache-control': 'no-store' });
  });
}
