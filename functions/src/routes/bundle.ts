/** GET /bundle — the SPV-verified lineage bundle, cached without confirmations (D03, D11H). */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { getBundle } from '@strata/core/bundle/bundle';
import { BundleBody, BundleQuery } from '@strata/core/bundle/schema';
import { parseVersionId } from '@strata/core/catalog/hex';
import type { CacheStatus } from '@strata/core/cache/index';
import type { AppEnv } from '../env';
import { etagMatches } from '../http/cache-headers';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

const X_CACHE: Record<CacheStatus, 'hit' | 'miss' | 'stale'> = { hit: 'hit', miss: 'miss', stale: 'stale', 'stale-if-error': 'stale' };

components({ LineageBundle: BundleBody });

const route = createRoute({
  method: 'get',
  path: '/bundle',
  tags: ['trust'],
  summary: 'Lineage bundle: manifests, edges and SPV proofs with live confirmations',
  description:
    'Everything a client needs to verify a version and its ancestry offline: the lineage graph to `depth` parent hops, every manifest, and every SPV envelope with confirmations computed now. 409 `incomplete-lineage` when a version in it has no manifest or envelope yet, 409 `invalid-envelope` when a stored envelope no longer verifies. Cached without the confirmations; `ETag` changes with them.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { query: BundleQuery },
  responses: {
    200: { description: 'The bundle', content: { 'application/json': { schema: BundleBody } } },
    304: { description: 'Not modified (If-None-Match)' },
    ...errorResponses('not-found', 'incomplete-lineage', 'invalid-envelope', 429, 503),
  },
});

export function registerBundle(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const deps = c.get('deps');
    const q = c.req.valid('query');
    const versionId = parseVersionId(q.versionId, ['query', 'versionId']);
    const depth = Math.min(q.depth ?? deps.config.BUNDLE_DEFAULT_DEPTH, deps.config.BUNDLE_MAX_DEPTH);
    const r = await getBundle({ deps, ctx: c.get('ctx'), input: { versionId, depth } });
    const body = JSON.stringify(r.body);
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(body)));
    const etag = `W/"${[...digest.subarray(0, 16)].map((b) => b.toString(16).padStart(2, '0')).join('')}"`;
    // confirmations change with every block: clients may keep the body but must revalidate
    const headers = { 'x-cache': X_CACHE[r.cache], etag, 'cache-control': 'no-cache' };
    if (etagMatches(c.req.header('if-none-match'), etag)) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'content-type': 'application/json' });
  });
}
