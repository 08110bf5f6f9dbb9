/**
 * Lineage verbs over Deps (HTTP-free): ingest — synchronous, or validated and queued — with the
 * cache outbox row and the audit row in the SAME batch as the events, and cached graph queries
 * tagged by every namespace the graph touches (docs/adr/0008-lineage-hooks.md).
 */
import { cacheKeys, cacheTags, isCacheKey, isCacheTag, type CacheStatus, type CacheTier } from '../cache/index';
import { actorName, type Call, type RequestCtx } from '../context';
import type { Deps } from '../deps';
import { fail, StrataError } from '../errors';
import { markApplied } from '../outbox/outbox';
import type { Job } from '../ports/queue';
import { stmt, type Statement } from '../ports/sql';
import { fnv64, sha256Hex } from '../util/hash';
import { ingestEvents, namespacesOf, prepareEvents, type IngestResult, type PreparedEvent } from './ingest';
import { FRESH } from './ingest-sql';
import { OL_LIMITS, OL_QUERY_LIMITS } from './limits';
import { datasetNodeId, parseNodeId } from './node-id';
import { lineageGraph, type Direction, type LineageGraph } from './query';
import { shapeGraph } from './shape';
import { lineageCounters } from './counters';
import type { EventResult, EventStatus, IngestReport } from './schema';

/** What ingesting uses. */
export type LineageIngestDeps = Pick<Deps, 'sql' | 'cache' | 'config' | 'log' | 'metrics' | 'queue'>;
/** What graph queries use. */
export type LineageQueryDeps = Pick<Deps, 'sql' | 'cache' | 'config'>;

/** Raw OpenLineage events, as the client sent them (validated by the verb). */
export interface EventsInput {
  readonly events: readonly unknown[];
}

export type { EventResult, EventStatus, IngestReport };

/** Largest serialized job: SQS takes 256 KiB per message, leave room for the envelope. */
export const MAX_JOB_BYTES = 200 * 1024;

/** The `lineage.ingest` job payload. `isolated` marks events split off a failing batch. */
export interface IngestJobPayload {
  readonly events: unknown[];
  readonly isolated?: boolean;
}

/** Cache tag of a namespace, or null when the namespace cannot be a tag (its graphs are then never cached). */
export function namespaceTag(ns: string): string | null {
  try {
    const t = cacheTags.lineageNamespace(ns);
    return isCacheTag(t) ? t : null;
  } catch {
    return null;
  }
}

/**
 * The outbox and audit rows for an ingest batch. Both keep only the events THIS batch stored
 * (FRESH: the flags statement 1 set), so a batch of duplicates writes neither, and the outbox
 * names only namespaces of new events.
 */
export function ingestSideStatements(events: readonly PreparedEvent[], ctx: Pick<RequestCtx, 'actor' | 'requestId'>): Statement[] {
  const rows = events.map((p, i) => ({ i, tags: [...new Set(namespacesOf(p.event))].map(namespaceTag).filter((t): t is string => t !== null) }));
  return [
    stmt(
      `WITH fresh AS (
         SELECT x.tags FROM jsonb_to_recordset($1::jsonb) AS x(i int, tags jsonb) WHERE ${FRESH}
       ), t AS (SELECT DISTINCT jsonb_array_elements_text(tags) AS tag FROM fresh)
       INSERT INTO cache_outbox (keys, tags)
       SELECT '{}'::text[], array_agg(tag ORDER BY tag) FROM t HAVING count(*) > 0
       RETURNING id::text AS id, tags`,
      [JSON.stringify(rows)],
    ),
    stmt(
      `INSERT INTO audit_log (actor, action, resource, request_id, after)
       SELECT $2, 'lineage.ingest', 'lineage:events', $3, jsonb_build_object('stored', count(*))
       FROM generate_series(0, $1::int - 1) AS x(i)
       WHERE ${FRESH}
       HAVING count(*) > 0`,
      [events.length, actorName(ctx.actor), ctx.requestId],
    ),
  ];
}

function toResult(r: IngestResult): EventResult {
  if (!r.ok) return { index: r.index, status: 'rejected', issues: r.issues };
  return { index: r.index, status: r.duplicate ? 'duplicate' : 'stored', eventHash: r.eventHash, duplicate: r.duplicate };
}

/**
 * Stores events now: events, outbox row and audit row in one atomic batch, then the namespace
 * tags are bumped (the sweeper does it if this process dies first).
 */
export async function storeEvents(call: Call<Pick<Deps, 'sql' | 'cache' | 'config' | 'metrics'>, EventsInput>): Promise<IngestReport> {
  const { deps, ctx, input: { events: raws } } = call;
  const out = await ingestEvents(deps.sql, raws, { extraStatements: (events) => ingestSideStatements(events, ctx), maxEventBytes: deps.config.OL_MAX_EVENT_BYTES });
  const counters = lineageCounters(deps.metrics);
  counters.stored.inc(out.stored);
  counters.duplicate.inc(out.duplicates);
  const outbox = out.extraResults[0]?.[0] as { id: string; tags: string[] } | undefined;
  if (outbox) {
    const { applied } = await deps.cache.invalidate({ tags: outbox.tags });
    if (applied) ctx.waitUntil(markApplied(deps.sql, [outbox.id]));
  }
  return { results: out.results.map(toResult), stored: out.stored, duplicates: out.duplicates, queued: 0, invalid: out.invalid };
}

interface Sized {
  readonly raw: unknown;
  readonly hash: string;
  readonly bytes: number;
}

/** Packs raw events into jobs of at most MAX_JOB_BYTES; events too big for any job come back apart. */
function packJobs(events: readonly Sized[]): { jobs: Job<IngestJobPayload>[]; tooBig: Sized[] } {
  const jobs: Job<IngestJobPayload>[] = [];
  const tooBig: Sized[] = [];
  const room = MAX_JOB_BYTES - 64;
  let cur: unknown[] = [];
  let size = 0;
  for (const e of events) {
    if (e.bytes > room) {
      tooBig.push(e);
      continue;
    }
    if (cur.length > 0 && (size + e.bytes + 1 > room || cur.length >= OL_LIMITS.maxBatchEvents)) {
      jobs.push({ type: 'lineage.ingest', payload: { events: cur } });
      cur = [];
      size = 0;
    }
    cur.push(e.raw);
    size += e.bytes + 1;
  }
  if (cur.length > 0) jobs.push({ type: 'lineage.ingest', payload: { events: cur } });
  return { jobs, tooBig };
}

/**
 * Validates and queues events (LINEAGE_INGEST_MODE=async). Events too large for a queue message
 * are stored at once; if the queue refuses, everything is stored at once rather than lost.
 */
export async function enqueueEvents(call: Call<LineageIngestDeps, EventsInput>): Promise<IngestReport> {
  const { deps, ctx, input: { events: raws } } = call;
  // the same cap as storing: an event refused here would be refused by the consumer too
  const { prepared, rejected } = await prepareEvents(raws, { maxEventBytes: deps.config.OL_MAX_EVENT_BYTES });
  const seen = new Set<string>();
  const enc = new TextEncoder();
  const sized: Sized[] = [];
  for (const p of prepared) {
    if (seen.has(p.hash)) continue;
    seen.add(p.hash);
    sized.push({ raw: p.event.raw, hash: p.hash, bytes: enc.encode(JSON.stringify(p.event.raw)).length });
  }
  const { jobs, tooBig } = packJobs(sized);
  try {
    if (jobs.length > 0) await deps.queue.send(jobs);
  } catch (e) {
    deps.log.warn('lineage queue unavailable; storing synchronously', { requestId: ctx.requestId, error: String(e) });
    return storeEvents(call);
  }
  const directByHash = new Map<string, EventResult>();
  const direct = tooBig.length > 0 ? await storeEvents({ deps, ctx, input: { events: tooBig.map((t) => t.raw) } }) : null;
  direct?.results.forEach((r, i) => directByHash.set(tooBig[i]!.hash, r));
  const results: EventResult[] = rejected.map(toResult);
  for (const p of prepared) {
    const d = directByHash.get(p.hash);
    results.push(d ? { ...d, index: p.index } : { index: p.index, status: 'queued', eventHash: p.hash, duplicate: false });
  }
  results.sort((a, b) => a.index - b.index);
  return {
    results,
    stored: direct?.stored ?? 0,
    duplicates: direct?.duplicates ?? 0,
    queued: results.filter((r) => r.status === 'queued').length,
    invalid: rejected.length,
  };
}

/** Ingests events the configured way (sync by default, queued with LINEAGE_INGEST_MODE=async). */
export async function ingestLineage(call: Call<LineageIngestDeps, EventsInput>): Promise<IngestReport> {
  const { deps, input: { events: raws } } = call;
  const counters = lineageCounters(deps.metrics);
  counters.received.inc(raws.length);
  const cap = Math.min(deps.config.OL_BATCH_MAX_EVENTS, OL_LIMITS.maxBatchEvents);
  if (raws.length > cap) {
    counters.refused.inc(raws.length);
    throw new StrataError('payload-too-large', `batch of ${raws.length} events exceeds OL_BATCH_MAX_EVENTS: limit ${cap}`, {
      hint: 'Split the batch into several requests.',
    });
  }
  const report = await (deps.config.LINEAGE_INGEST_MODE === 'async' ? enqueueEvents(call) : storeEvents(call));
  counters.refused.inc(report.invalid);
  counters.queued.inc(report.queued);
  return report;
}

// ---------------------------------------------------------------------------------------------
// Cached graph queries

export interface GraphRequest {
  readonly node?: string;
  readonly namespace?: string;
  readonly name?: string;
  readonly depth: number;
  readonly direction: Direction;
  readonly format: 'simple' | 'cyto';
}

interface CachedGraph {
  /**
   * The response body as JSON text: an L2 hit then parses one string rather than rebuilding
   * every node as objects, and the HTTP layer sends it without serialising it again.
   */
  readonly json: string;
  /**
   * fnv64 of `json` (util/hash), computed once when the graph is loaded: the HTTP layer's weak
   * ETag, so an L2 hit does not hash the body again. Absent in entries written before it existed.
   */
  readonly fnv64?: string;
  /** Every namespace of the graph's nodes: the tags the entry must carry to be invalidated correctly. */
  readonly namespaces: readonly string[];
}

const isCachedGraph = (v: unknown): v is CachedGraph =>
  typeof (v as CachedGraph).json === 'string' &&
  Array.isArray((v as CachedGraph).namespaces) &&
  ((v as CachedGraph).fnv64 === undefined || typeof (v as CachedGraph).fnv64 === 'string');

/** Facets bigger than this (serialized) are left out of graph responses; node detail has them whole. */
export const MAX_NODE_FACET_BYTES = 16 * 1024;

function trimFacets(g: LineageGraph): LineageGraph {
  const nodes = g.nodes.map((n) => {
    const size = JSON.stringify(n.facets).length;
    if (size <= MAX_NODE_FACET_BYTES) return n;
    const facets: Record<string, Record<string, unknown>> = {};
    for (const k of Object.keys(n.facets)) facets[k] = { _truncated: true };
    return { ...n, facets: { ...facets, _strata: { truncatedBytes: size } } };
  });
  return { ...g, nodes };
}

/** At most this many namespace tags per entry; wider graphs are served uncached. */
const MAX_TAGS = 32;

/**
 * The lineage graph around one dataset, through the cache. An entry is tagged with every
 * namespace of its nodes (any change to the graph touches one of them); since tags must be
 * given before the read, a first read tagged by the root's namespace candidates that finds
 * more namespaces is repeated under a key for the wider tag set, until the set is closed.
 */
export async function lineageQueryCached(call: Call<LineageQueryDeps, GraphRequest>): Promise<{ value: { readonly json: string; readonly fnv64?: string }; cache: CacheStatus | 'bypass'; tier: CacheTier }> {
  const { deps, ctx, input: q } = call;
  const maxDepth = Math.min(deps.config.OL_QUERY_MAX_DEPTH, OL_QUERY_LIMITS.maxDepth);
  if (!Number.isInteger(q.depth) || q.depth < 1 || q.depth > maxDepth) throw fail.validation([{ path: 'query.depth', message: `must be an integer from 1 to ${maxDepth}` }]);
  const exact = q.node === undefined;
  if (exact && (!q.namespace || !q.name)) throw fail.validation([{ path: 'query.node', message: 'give node, or namespace and name' }]);
  const node = q.node ?? datasetNodeId({ namespace: q.namespace!, name: q.name! });
  const candidates = exact ? [q.namespace!] : (parseNodeId(node) ?? []).map((c) => c.namespace);
  if (candidates.length === 0) throw fail.validation([{ path: 'query.node', message: 'expected dataset:<namespace>:<name>' }]);
  const maxNodes = Math.min(deps.config.OL_QUERY_MAX_NODES, OL_QUERY_LIMITS.defaultMaxNodes);

  const load = async (): Promise<CachedGraph | null> => {
    const g = await lineageGraph(deps.sql, exact ? { namespace: q.namespace!, name: q.name!, depth: q.depth, direction: q.direction, maxNodes } : { node, depth: q.depth, direction: q.direction, maxNodes });
    if (!g) return null;
    const json = JSON.stringify(shapeGraph(trimFacets(g), q.format));
    return { json, fnv64: fnv64(json), namespaces: [...new Set(g.nodes.map((n) => n.namespace))].sort() };
  };
  const uncached = async () => ({ value: await load(), cache: 'bypass' as const, tier: 'origin' as const });

  let base: string;
  try {
    // `|e2`: a `both` graph holds every edge among its nodes since the edge rule changed
    // (docs/adr/0038): entries cached before, without the edges that bypass the root, are never read.
    // `up` and `down` graphs did not change, so neither did their keys.
    base = cacheKeys.lineage(node, q.depth, q.direction, q.format) + (q.direction === 'both' ? '|e2' : '') + (exact ? '|exact' : '');
  } catch {
    return finish(await uncached());
  }
  const tagNs = new Set(candidates);
  for (let round = 0; round < 3; round++) {
    const tags = [...tagNs].sort().map(namespaceTag);
    if (tags.length > MAX_TAGS || tags.some((t) => t === null)) break;
    const key = round === 0 ? base : `${base}|ns=${sha256Hex([...tagNs].sort().join('\n')).slice(0, 32)}`;
    if (!isCacheKey(key)) break;
    const get = () => deps.cache.get<CachedGraph>('lineage', key, load, { tags: tags as string[], waitUntil: ctx.waitUntil });
    let r = await get();
    if (r.value !== null && !isCachedGraph(r.value)) {
      // written by another version in another shape (a rolling deploy): dropped and loaded afresh, never sent
      await deps.cache.invalidate({ keys: [key] });
      r = await get();
      if (r.value !== null && !isCachedGraph(r.value)) return finish(await uncached());
    }
    const v = r.value;
    if (v === null || v.namespaces.every((ns) => tagNs.has(ns))) return finish({ value: v, cache: r.status, tier: r.tier });
    for (const ns of v.namespaces) tagNs.add(ns);
  }
  return finish(await uncached());

  function finish(r: { value: CachedGraph | null; cache: CacheStatus | 'bypass'; tier: CacheTier }) {
    if (r.value === null) throw fail.notFound(`No dataset matches ${node}.`, 'Ingest an event that names it, or check the node id.');
    // the cached object itself (frozen, the same on every L1 hit), so the HTTP layer's memo holds
    return { value: r.value, cache: r.cache, tier: r.tier };
  }
}
