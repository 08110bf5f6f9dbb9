/**
 * OpenLineage reads (graph, node detail, jobs, runs, search, health) and the admin catalog
 * hooks that emit a version's publish or recall event.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { StrataError } from '@strata/core/errors';
import { emitPublishEvent, emitRecallEvent, reconcilePublishEvents } from '@strata/core/lineage/jobs';
import { getDataset, getJob, getRun, searchDatasets } from '@strata/core/lineage/lookup';
import { OL_QUERY_LIMITS } from '@strata/core/lineage/limits';
import { lineageQueryCached, type LineageCtx } from '@strata/core/lineage/service';
import { lineageStoreCounts } from '@strata/core/lineage/store-counts';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { sendCachedJson } from '../middleware/cache-headers';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';

const Name = z.string().min(1).max(1024);
const Json = z.record(z.string(), z.any());

const GraphQuery = z
  .object({
    node: z.string().min(1).max(2100).optional().openapi({ example: 'dataset:grandmas.kitchen:apple.pie' }),
    namespace: Name.optional(),
    name: Name.optional(),
    depth: z.coerce.number().int().min(1).max(50).default(OL_QUERY_LIMITS.defaultDepth),
    direction: z.enum(['up', 'down', 'both']).default('both'),
    format: z.enum(['simple', 'cyto']).default('simple'),
  })
  .refine((q) => q.node !== undefined || (q.namespace !== undefined && q.name !== undefined), { message: 'give node, or namespace and name', path: ['node'] });

const graphRoute = createRoute({
  method: 'get',
  path: '/openlineage/lineage',
  tags: ['lineage'],
  summary: 'Lineage graph around one dataset (cached; rate limited per client)',
  description:
    'Nodes: the root and its ancestors (`up`), descendants (`down`) or both, at most `depth` hops away. ' +
    'Edges: every stored edge between two returned nodes, whichever walk reached them — also an edge at the depth boundary ' +
    'and, for `both`, an edge from an upstream to a downstream node that bypasses the root; never an edge to a node not returned ' +
    '(`stats.truncated` says the graph was cut). Worked example: docs/lineage-graphs.md.',
  middleware: [rateLimit('lineage', (c) => c.get('deps').config.OL_QUERY_RATE_PER_MIN)] as const,
  request: { query: GraphQuery },
  responses: {
    200: { description: '`simple` or `cyto` graph', content: { 'application/json': { schema: Json } } },
    ...errorResponses(404),
  },
});

const detail = <P extends z.ZodObject>(path: string, summary: string, params: P) =>
  createRoute({
    method: 'get',
    path,
    tags: ['lineage'],
    summary,
    // uncached reads straight from PostgreSQL: every client gets the public budget
    middleware: [rateLimit('public')] as const,
    request: { params },
    responses: { 200: { description: 'Found', content: { 'application/json': { schema: Json } } }, ...errorResponses(404) },
  });
const datasetRoute = detail('/openlineage/nodes/dataset/{namespace}/{name}', 'One dataset with its latest facets', z.object({ namespace: Name, name: Name }));
const jobRoute = detail('/openlineage/jobs/{namespace}/{name}', 'One job with its latest facets', z.object({ namespace: Name, name: Name }));
const runRoute = detail('/openlineage/runs/{runId}', 'One run: state, times, facets', z.object({ runId: z.string().min(1).max(255) }));

const searchRoute = createRoute({
  method: 'get',
  path: '/openlineage/search',
  tags: ['lineage'],
  summary: 'Datasets whose name contains q (prefix matches first)',
  // a substring search over every dataset name: as costly as a graph query
  middleware: [rateLimit('lineage', (c) => c.get('deps').config.OL_QUERY_RATE_PER_MIN)] as const,
  request: {
    query: z.object({ q: z.string().min(1).max(256), limit: z.coerce.number().int().min(1).max(OL_QUERY_LIMITS.maxSearchLimit).default(OL_QUERY_LIMITS.defaultSearchLimit) }),
  },
  responses: { 200: { description: 'Matches', content: { 'application/json': { schema: Json } } }, ...errorResponses() },
});

const healthRoute = createRoute({
  method: 'get',
  path: '/openlineage/health',
  tags: ['lineage'],
  summary: 'Lineage store and graph query reachable',
  responses: {
    200: { description: 'Reachable', content: { 'application/json': { schema: Json } } },
    503: { description: 'Store unreachable', content: { 'application/json': { schema: Json } } },
  },
});

const HookBody = z.object({ versionId: z.string().regex(/^[0-9a-fA-F]{64}$/).transform((s) => s.toLowerCase()), reason: z.string().max(256).optional() });
const hookRoute = (which: 'publish' | 'recall') =>
  createRoute({
    method: 'post',
    path: `/openlineage/hook/${which}`,
    tags: ['lineage'],
    summary: which === 'publish' ? "Emit a catalog version's publish (COMPLETE) event" : "Emit a catalog version's RETRACTED event",
    middleware: [requireToken('admin')] as const,
    request: { body: { required: true, content: { 'application/json': { schema: HookBody } } } },
    responses: { 201: { description: 'Emitted', content: { 'application/json': { schema: Json } } }, ...errorResponses(401, 404) },
  });
const reconcileRoute = createRoute({
  method: 'post',
  path: '/openlineage/hook/reconcile',
  tags: ['lineage'],
  summary: 'Emit publish events missing from the lineage store (hooks that never ran)',
  middleware: [requireToken('admin')] as const,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: { 200: { description: 'Emitted', content: { 'application/json': { schema: Json } } }, ...errorResponses(401) },
});

function adminCtx(c: Context<AppEnv>): LineageCtx {
  return { waitUntil: c.get('waitUntil'), requestId: c.get('requestId'), actor: 'admin' };
}

const notFound = (what: string) => new StrataError('not-found', `No ${what}.`);

export function registerOpenLineage(app: OpenAPIHono<AppEnv>): void {
  app.openapi(graphRoute, async (c) => {
    const q = c.req.valid('query');
    const r = await lineageQueryCached(c.get('deps'), { waitUntil: c.get('waitUntil') }, q);
    return sendCachedJson(c, { value: r.value, status: r.cache === 'bypass' ? 'miss' : r.cache, tier: r.tier }, 'lineage', { detail: 'No such dataset.' }) as never;
  });
  app.openapi(datasetRoute, async (c) => {
    const { namespace, name } = c.req.valid('param');
    const d = await getDataset(c.get('deps').sql, namespace, name);
    if (!d) throw notFound(`dataset ${name} in namespace ${namespace}`);
    return c.json({ dataset: d }, 200);
  });
  app.openapi(jobRoute, async (c) => {
    const { namespace, name } = c.req.valid('param');
    const j = await getJob(c.get('deps').sql, namespace, name);
    if (!j) throw notFound(`job ${name} in namespace ${namespace}`);
    return c.json({ job: j }, 200);
  });
  app.openapi(runRoute, async (c) => {
    const r = await getRun(c.get('deps').sql, c.req.valid('param').runId);
    if (!r) throw notFound('run with this id');
    return c.json({ run: r }, 200);
  });
  app.openapi(searchRoute, async (c) => {
    const { q, limit } = c.req.valid('query');
    const results = await searchDatasets(c.get('deps').sql, { q, limit });
    // the seed's clients read {query, results, count}; `limit` is the page size applied (docs/adr/0036)
    return c.json({ query: q, results, count: results.length, limit }, 200);
  });
  app.openapi(healthRoute, async (c) => {
    const deps = c.get('deps');
    const started = performance.now();
    try {
      const { datasets, edges } = await lineageStoreCounts(deps.sql);
      return c.json({ status: 'ok', ingestMode: deps.config.LINEAGE_INGEST_MODE, latencyMs: Math.round(performance.now() - started), datasets, edges }, 200);
    } catch (e) {
      deps.log.warn('lineage health failed', { error: String(e) });
      return c.json({ status: 'degraded', ingestMode: deps.config.LINEAGE_INGEST_MODE, error: 'lineage store unreachable' }, 503);
    }
  });
  app.openapi(hookRoute('publish'), async (c) => {
    const { versionId } = c.req.valid('json');
    const r = await emitPublishEvent(c.get('deps'), adminCtx(c), versionId);
    const e = r.results[0]!;
    return c.json({ versionId, status: e.status, eventHash: e.eventHash, duplicate: e.duplicate ?? false }, 201);
  });
  app.openapi(hookRoute('recall'), async (c) => {
    const { versionId, reason } = c.req.valid('json');
    const r = await emitRecallEvent(c.get('deps'), adminCtx(c), { versionId, reason });
    const e = r.results[0]!;
    return c.json({ versionId, status: e.status, eventHash: e.eventHash, duplicate: e.duplicate ?? false }, 201);
  });
  app.openapi(reconcileRoute, async (c) => {
    const r = await reconcilePublishEvents(c.get('deps'), adminCtx(c), c.req.valid('query').limit);
    return c.json({ emitted: r.emitted.length, versionIds: r.emitted }, 200);
  });
}
