/** GET /listings and GET /listings/:versionId — public, rate limited, served through the cache engine. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { getListingCached, listListingsCached } from '@strata/core/catalog/service';
import { previewForListings } from '@strata/core/policy/preview';
import type { AppEnv } from '../env';
import { sendCached } from '../http/cache-headers';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { SECURITY } from '../openapi/security';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Free text that may reach SQL parameters and cache keys: no control characters, well-formed UTF-16. */
export const SafeText = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[^\u0000-\u001f\u007f]*$/, 'must not contain control characters')
    .refine((s) => !LONE_SURROGATE.test(s), 'must be well-formed Unicode');

export const ListingsQuery = z.object({
  q: SafeText(256).optional().openapi({ description: 'Search words (prefix match on name, description, datasetId).' }),
  datasetId: SafeText(256).min(1).optional(),
  producerId: z.string().regex(/^prod_[0-9a-f]{16}$/, 'must be prod_ followed by 16 hex').optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  policyPreview: z.enum(['true', 'false']).optional().openapi({ description: 'Add a cheap, non-binding policy decision per item (D28; no SPV — /ready decides).' }),
  policyId: z.string().regex(/^pol_[0-9a-z_]{1,64}$/, 'must look like pol_<hex>').optional().openapi({ description: 'Policy for the preview (default: pol_default).' }),
});

const ListingItem = z
  .object({
    versionId: z.string(),
    name: z.string().nullable(),
    description: z.string().nullable(),
    datasetId: z.string(),
    producerId: z.string().nullable(),
    tags: z.array(z.string()),
    updatedAt: z.string(),
    policyPreview: z
      .object({ decision: z.enum(['allow', 'warn', 'block']), reasons: z.array(z.string()), warnings: z.array(z.string()) })
      .nullable()
      .optional(),
  })
  .openapi('ListingItem');

const ListingsPage = z.object({ items: z.array(ListingItem), limit: z.number().int(), offset: z.number().int() }).openapi('ListingsPage');

const ListingDetail = z
  .object({
    versionId: z.string(),
    manifest: z.object({
      name: z.string().nullable(),
      description: z.string().nullable(),
      datasetId: z.string(),
      contentHash: z.string(),
      license: z.string(),
      classification: z.string(),
      createdAt: z.string(),
    }),
    txid: z.string().nullable().openapi({ description: 'The transaction that declared this version.' }),
    declaration: z
      .object({
        status: z.enum(['pending', 'confirmed']).openapi({ description: '`confirmed` once a verified SPV proof is attached (POST /declarations/{txid}/proof).' }),
        opretVout: z.number().int(),
        blockHash: z.string().nullable(),
        height: z.number().int().nullable(),
      })
      .nullable(),
    parents: z.array(z.string()).openapi({ description: 'Parent versionIds committed on chain, sorted.' }),
  })
  .openapi('ListingDetail');

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
  request: { params: z.object({ versionId: z.string().openapi({ pattern: '^[0-9a-fA-F]{64}$' }) }) },
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
      return (await sendCached(c, r, 'listings', { detail: 'No listings.' })) as never;
    }
    const items = await previewForListings({ deps, ctx: c.get('ctx'), input: { items: r.value.items, policyId } });
    return (await sendCached(c, { ...r, value: { ...r.value, items } }, 'listings', { detail: 'No listings.' })) as never;
  });
  app.openapi(detailRoute, async (c) => {
    const r = await getListingCached({ deps: c.get('deps'), ctx: c.get('ctx'), input: { versionId: c.req.valid('param').versionId } });
    return (await sendCached(c, r, 'assets', { detail: 'No version has this id.', hint: 'versionId not found' })) as never;
  });
}
