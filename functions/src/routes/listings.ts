/** GET /listings and GET /listings/:versionId — public, rate limited, served through the cache engine. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ListingDetail, ListingItem, ListingParam, ListingsPage, ListingsQuery } from '@strata/core/catalog/schema';
import { getListingCached, listListingsCached } from '@strata/core/catalog/service';
import { previewForListings } from '@strata/core/policy/preview';
import type { AppEnv } from '../env';
import { sendCached } from '../http/cache-headers';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ ListingItem, ListingsPage, ListingDetail });

const cachedHeaders = z.object({
  'x-cache': z.enum(['hit', 'miss', 'stale']),
  etag: z.string(),
  'cache-control': z.string(),
});

const listRoute = createRoute({
  method: 'get',
  path: '/listings',
  tags: ['catalog'],
  summary: 'Search published versions (cached page; deterministic order: newest first, then versionId)',
  description:
    'Pages of published versions, filtered by words (`q`, prefix match on name, description and datasetId), `datasetId` or `producerId`. Served through the cache (`X-Cache`, `ETag`; `If-None-Match` answers 304). With `policyPreview=true` each item carries a cheap, non-binding policy decision (no SPV; `GET /ready` decides).',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { query: ListingsQuery },
  responses: {
    200: { description: 'One page', headers: cachedHeaders, content: { 'application/json': { schema: ListingsPage } } },
    304: { description: 'Not modified (If-None-Match)' },
    ...errorResponses(429, 503),
  },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/listings/{versionId}',
  tags: ['catalog'],
  summary: 'One version (cached; 404 cached briefly and cleared by the publish)',
  description: 'The listing of one version by its versionId (64 hex): the main fields of its manifest. Cached with `ETag`; a 404 is cached briefly and cleared when the version is published.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { params: ListingParam },
  responses: {
    200: { description: 'The listing', headers: cachedHeaders, content: { 'application/json': { schema: ListingDetail } } },
    304: { description: 'Not modified (If-None-Match)' },
    ...errorResponses('not-found', 429, 503),
  },
});

export function registerListings(app: OpenAPIHono<AppEnv>): void {
  app.openapi(listRoute, async (c) => {
    const { policyPreview, policyId, ...input } = c.req.valid('query');
    const r = await listListingsCached({ deps: c.get('deps'), ctx: c.get('ctx'), input });
    const deps = c.get('deps');
    if (policyPreview !== 'true' || deps.config.FEATURE_FLAGS_JSON?.policyPreview === false || !r.value) {
      return await sendCached(c, r, 'listings', { detail: 'No listings.' });
    }
    const items = await previewForListings({ deps, ctx: c.get('ctx'), input: { items: r.value.items, policyId } });
    return await sendCached(c, { ...r, value: { ...r.value, items } }, 'listings', { detail: 'No listings.' });
  });
  app.openapi(detailRoute, async (c) => {
    const r = await getListingCached({ deps: c.get('deps'), ctx: c.get('ctx'), input: { versionId: c.req.valid('param').versionId } });
    return await sendCached(c, r, 'assets', { detail: 'No version has this id.', hint: 'versionId not found' });
  });
}
