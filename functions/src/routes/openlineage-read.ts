/**
 * OpenLineage reads (graph, node detail, jobs, runs, search, health) and the admin catalog
 * hooks that emit a version's publish or recall event.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { StrataError } from '@strata/core/errors';
import { emitPublishEvent, emitRecallEvent, reconcilePublishEvents } from '@strata/core/lineage/publish-events';
import { getDataset, getJob, getRun, searchDatasets } from '@strata/core/lineage/lookup';
import { OL_QUERY_LIMITS } from '@strata/core/lineage/limits';
import { DatasetDetail, DatasetDetailResponse, JobDetail, JobDetailResponse, RunDetail, RunDetailResponse, SearchResponse, SearchResult } from '@strata/core/lineage/schema';
import { lineageQueryCached } from '@strata/core/lineage/service';
import { lineageStoreCounts } from '@strata/core/lineage/store-counts';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { sendCachedJson } from '../http/cache-headers';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

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
    'The datasets upstream (`up`), downstream (`down`) or both of one dataset, to `depth` hops (at most `OL_QUERY_MAX_DEPTH`), as `simple` (`{nodes, edges}`; edges: every stored edge between two returned nodes, whichever walk reached them — also at the depth boundary and, for `both`, an edge from an upstream to a downstream node that bypasses the root; `stats.truncated` says the graph was cut; worked example in docs/lineage-graphs.md) or `cyto` (Cytoscape elements). Name the dataset by `node` (`dataset:<namespace>:<name>`) or by `namespace` and `name`. Cached; limited to `OL_QUERY_RATE_PER_MIN` per client.',
  security: SECURITY.public,
  middleware: [rateLimit('lineage', (c) => c.get('deps').config.OL_QUERY_RATE_PER_MIN)] as const,
  request: { query: GraphQuery },
  responses: {
    200: { description: '`simple` or `cyto` graph', content: { 'application/json': { schema: Json } } },
    304: { description: 'Not modified (If-None-Match)' },
    ...errorResponses('not-found', 429, 503),
  },
});

components({ LineageDataset: DatasetDetail, LineageJob: JobDetail, LineageRun: RunDetail, LineageSearchResult: SearchResult, LineageSearch: SearchResponse });

const detail = <P extends z.ZodObject, S extends z.ZodType>(path: string, summary: string, description: string, params: P, body: S) =>
  createRoute({
    method: 'get',
    path,
    tags: ['lineage'],
    summary,
    description,
    security: SECURITY.public,
    // uncached reads straight from PostgreSQL: every client gets the public budget
    middleware: [rateLimit('public')] as const,
    request: { params },
    responses: { 200: { description: 'Found', content: { 'application/json': { schema: body } } }, ...errorResponses('not-found') },
  });
const datasetRoute = detail('/openlineage/nodes/dataset/{namespace}/{name}', 'One dataset with its latest facets', 'A dataset by namespace and name (URL-encoded), with its latest facets.', z.object({ namespace: Name, name: Name }), DatasetDetailResponse);
const jobRoute = detail('/openlineage/jobs/{namespace}/{name}', 'One job with its latest facets', 'A job by namespace and name, with its latest facets, its latest run and the datasets it reads and writes.', z.object({ namespace: Name, name: Name }), JobDetailResponse);
const runRoute = detail('/openlineage/runs/{runId}', 'One run: state, times, facets', 'A run by its runId: its state, start and end times, facets, job, inputs and outputs.', z.object({ runId: z.string().min(1).max(255) }), RunDetailResponse);

const searchRoute = createRoute({
  method: 'get',
  path: '/openlineage/search',
  tags: ['lineage'],
  summary: 'Datasets whose name contains q (prefix matches first)',
  description: 'Datasets whose name contains `q`, names starting with it first, at most `limit`.',
  security: SECURITY.public,
  // a substring search over every dataset name: as costly as a graph query
  middleware: [rateLimit('lineage', (c) => c.get('deps').config.OL_QUERY_RATE_PER_MIN)] as const,
  request: {
    query: z.object({ q: z.string().min(1).max(256), limit: z.coerce.number().int().min(1).max(OL_QUERY_LIMITS.maxSearchLimit).default(OL_QUERY_LIMITS.defaultSearchLimit) }),
  },
  responses: { 200: { description: 'Matches', content: { 'application/json': { schema: SearchResponse } } }, ...errorResponses() },
});

const healthRoute = createRoute({
  method: 'get',
  path: '/openlineage/health',
  tags: ['lineage'],
  summary: 'Lineage store and graph query reachable',
  description: 'Checks the lineage tables answer; reports the ingest mode and estimated dataset and edge counts (from table statistics, so approximate).',
  security: SECURITY.public,
  responses: {
    200: { description: 'Reachable', content: { 'application/json': { schema: Json } } },
    503: { description: 'Store unreachable', content: { 'application/json': { schema: Json } } },
  },
});

const HookBody = z.object({ versionId: z.string().regex(/^[0-9a-fA-F]{64}$/).transform((s) => s.toLowerCase()), reason: z.string().max(256).optional() });
const HookResult = z
  .object({
    versionId: z.string(),
    status: z.enum(['stored', 'duplicate', 'queued', 'rejected']).openapi({ description: 'What the lineage store did with the event (`queued` with LINEAGE_INGEST_MODE=async).' }),
    eventHash: z.string().optional().openapi({ description: 'SHA-256 of the event’s canonical JSON.' }),
    duplicate: z.boolean(),
  })
  .openapi('LineageHookResult');
const ReconcileResult = z
  .object({ emitted: z.number().int(), versionIds: z.array(z.string()).readonly().openapi({ description: 'Versions whose publish event was emitted.' }) })
  .openapi('LineageReconcileResult');
const hookRoute = (which: 'publish' | 'recall') =>
  createRoute({
    method: 'post',
    path: `/openlineage/hook/${which}`,
    tags: ['lineage'],
    summary: which === 'publish' ? "Emit a catalog version's publish (COMPLETE) event" : "Emit a catalog version's RETRACTED event",
    description:
      which === 'publish'
        ? 'Emits the OpenLineage COMPLETE event of a published version (job `strata.publish`, its parents as inputs, the version as output) into the lineage store. Publishing does this by itself (a `lineage.publish` job after the commit, flag `lineageHooks`); this replays it. Idempotent: the same event is a duplicate.'
        : 'Emits an OpenLineage event marking a published version retracted, with an optional `reason`.',
    security: SECURITY.admin,
    middleware: [requireToken('admin')] as const,
    request: { body: { required: true, content: { 'application/json': { schema: HookBody } } } },
    responses: { 201: { description: 'Emitted', content: { 'application/json': { schema: HookResult } } }, ...errorResponses('unauthorized', 'not-found') },
  });
const reconcileRoute = createRoute({
  method: 'post',
  path: '/openlineage/hook/reconcile',
  tags: ['lineage'],
  summary: 'Emit publish events missing from the lineage store (hooks that never ran)',
  description: 'Finds published versions whose publish event is not in the lineage store and emits it, at most `limit` per call.',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  request: { query: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }) },
  responses: { 200: { description: 'Emitted', content: { 'application/json': { schema: ReconcileResult } } }, ...errorResponses('unauthorized') },
});

const notFound = (what: string) => new StrataError('not-found', `No ${what}.`);

export function registerOpenLineage(app: OpenAPIHono<AppEnv>): void {
  app.openapi(graphRoute, async (c) => {
    const q = c.req.valid('query');
    const r = await lineageQueryCached({ deps: c.get('deps'), ctx: c.get('ctx'), input: q });
    return sendCachedJson(c, { value: r.value, status: r.cache === 'bypass' ? 'miss' : r.cache, tier: r.tier }, 'lineage', { detail: 'No such dataset.' });
  });
  app.openapi(datasetRoute, async (c) => {
    const { namespace, name } = c.req.valid('param');
    const d = await getDataset({ deps: c.get('deps'), ctx: c.get('ctx'), input: { namespace, name } });
    if (!d) throw notFound(`dataset ${name} in namespace ${namespace}`);
    return c.json({ dataset: d }, 200);
  });
  app.openapi(jobRoute, async (c) => {
    const { namespace, name } = c.req.valid('param');
    const j = await getJob({ deps: c.get('deps'), ctx: c.get('ctx'), input: { namespace, name } });
    if (!j) throw notFound(`job ${name} in namespace ${namespace}`);
    return c.json({ job: j }, 200);
  });
  app.openapi(runRoute, async (c) => {
    const r = await getRun({ deps: c.get('deps'), ctx: c.get('ctx'), input: { runId: c.req.valid('param').runId } });
    if (!r) throw notFound('run with this id');
    return c.json({ run: r }, 200);
  });
  app.openapi(searchRoute, async (c) => {
    const { q, limit } = c.req.valid('query');
    const results = await searchDatasets({ deps: c.get('deps'), ctx: c.get('ctx'), input: { q, limit } });
    // the seed's clients read {query, results, count}; `limit` is the page size applied (docs/adr/0036)
    return c.json({ query: q, results, count: results.length, limit }, 200);
  });
  app.openapi(healthRoute, async (c) => {
    const deps = c.get('deps');
    const started = performance.now();
    try {
      const { datasets, edges } = await lineageStoreCounts({ deps, ctx: c.get('ctx'), input: {} });
      return c.json({ status: 'ok', ingestMode: deps.config.LINEAGE_INGEST_MODE, latencyMs: Math.round(performance.now() - started), datasets, edges }, 200);
    } catch (e) {
      deps.log.warn('lineage health failed', { error: String(e) });
      return c.json({ status: 'degraded', ingestMode: deps.config.LINEAGE_INGEST_MODE, error: 'lineage store unreachable' }, 503);
    }
  });
  app.openapi(hookRoute('publish'), async (c) => {
    const { versionId } = c.req.valid('json');
    const r = await emitPublishEvent({ deps: c.get('deps'), ctx: c.get('ctx'), input: { versionId } });
    const e = r.results[0]!;
    return c.json({ versionId, status: e.status, eventHash: e.eventHash, duplicate: e.duplicate ?? false }, 201);
  });
  app.openapi(hookRoute('recall'), async (c) => {
    const { versionId, reason } = c.req.valid('json');
    const r = await emitRecallEvent({ deps: c.get('deps'), ctx: c.get('ctx'), input: { versionId, reason } });
    const e = r.results[0]!;
    return c.json({ versionId, status: e.status, eventHash: e.eventHash, duplicate: e.duplicate ?? false }, 201);
  });
  app.openapi(reconcileRoute, async (c) => {
    const r = await reconcilePublishEvents({ deps: c.get('deps'), ctx: c.get('ctx'), input: { limit: c.req.valid('query').limit } });
    return c.json({ emitted: r.emitted.length, versionIds: r.emitted }, 200);
  });
}
