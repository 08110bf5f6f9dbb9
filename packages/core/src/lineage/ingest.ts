/**
 * Ingest: validate each event, hash it, and store the whole batch in ONE atomic `sql.batch`
 * (8 set-based statements whatever the batch size). Invalid events are reported per index and
 * the valid ones are stored (partial success); exact retries are absorbed by the event hash.
 */
import type { FieldIssue } from '../errors';
import { StrataError } from '../errors';
import type { Row, Sql, Statement } from '../ports/sql';
import { stmt } from '../ports/sql';
import { sha256Hex } from '../util/hash';
import { INSERT_EVENTS, INSERT_NEW_DATASETS, INSERT_NEW_JOBS, MERGE_DATASETS, MERGE_JOBS, UPSERT_EDGES, UPSERT_JOB_IO, UPSERT_RUNS } from './ingest-sql';
import { OL_LIMITS } from './limits';
import type { EventType, Facets, OlEvent, ParseOptions } from './schema';
import { isDeletedFacet, parseEvent } from './schema';

export type IngestResult =
  | { readonly index: number; readonly ok: true; readonly eventHash: string; readonly duplicate: boolean }
  | { readonly index: number; readonly ok: false; readonly issues: readonly FieldIssue[] };

export interface IngestOutcome {
  /** One entry per input event, in input order. */
  readonly results: readonly IngestResult[];
  /** Job and dataset namespaces touched by newly stored events (bump cache tags `ol:ns:<namespace>`). */
  readonly namespaces: readonly string[];
  readonly stored: number;
  readonly duplicates: number;
  readonly invalid: number;
  /** Rows of `IngestOptions.extraStatements`, in order (empty when nothing was written). */
  readonly extraResults: Row[][];
}

export interface IngestOptions {
  /**
   * Statements committed in the SAME batch as the events (outbox and audit rows), built from the
   * distinct valid events. They run after the event statements, so they can keep the rows of
   * events stored by this batch with `FRESH` (ingest-sql.ts), `x.i` being the event's position
   * in `events`.
   */
  readonly extraStatements?: (events: readonly PreparedEvent[]) => Statement[];
  /** Largest serialized event (the OL_MAX_EVENT_BYTES setting); OL_LIMITS.maxEventBytes when absent. */
  readonly maxEventBytes?: number;
}

/** Run state order: terminal states outrank everything, so a late START never undoes them. */
export const STATE_RANK: Record<EventType, number> = { OTHER: 0, START: 1, RUNNING: 2, COMPLETE: 3, ABORT: 3, FAIL: 3 };

export interface PreparedEvent {
  readonly index: number;
  readonly hash: string;
  readonly event: OlEvent;
}

/** Parses and hashes untrusted events; invalid ones become results right away. */
export async function prepareEvents(raws: readonly unknown[], options: ParseOptions = {}): Promise<{ prepared: PreparedEvent[]; rejected: IngestResult[] }> {
  const prepared: PreparedEvent[] = [];
  const rejected: IngestResult[] = [];
  for (const [index, raw] of raws.entries()) {
    const r = parseEvent(raw, options);
    if (!r.ok) rejected.push({ index, ok: false, issues: r.issues });
    else prepared.push({ index, hash: sha256Hex(r.event.canonical), event: r.event });
  }
  return { prepared, rejected };
}

function hasDeletion(facets: Facets): boolean {
  for (const k in facets) if (isDeletedFacet(facets[k])) return true;
  return false;
}

/** Builds the batch's statements from events already known to be valid and distinct. */
export function buildIngestStatements(events: readonly PreparedEvent[]) {
  // datasets and jobs: one row per mention, aggregated per name in SQL
  // `del` only on rows holding a deletion marker: the SQL rewrites facets for those alone
  type FacetRow = { i: number; t: string; ns: string; name: string; facets: Facets; del?: true };
  const facetRow = (i: number, t: string, ns: string, name: string, facets: Facets): FacetRow =>
    hasDeletion(facets) ? { i, t, ns, name, facets, del: true } : { i, t, ns, name, facets };
  const rows = { events: [] as string[], jobs: [] as FacetRow[], runs: [] as unknown[], datasets: [] as FacetRow[], io: [] as unknown[], edges: [] as unknown[] };
  for (const [i, { hash: h, event: e }] of events.entries()) {
    const t = e.eventTime;
    const run = e.run?.runId ?? null;
    const jns = e.job?.namespace ?? null;
    const jn = e.job?.name ?? null;
    // the event itself goes in as its RFC 8785 text, already built for the hash: the same jsonb
    // value as serialising `raw` again (jsonb keeps no key order), without a second pass over it
    const head = JSON.stringify({ i, h, t, kind: e.kind, type: e.eventType, jns, jn, run });
    rows.events.push(`${head.slice(0, -1)},"raw":${e.canonical}}`);
    if (e.job) rows.jobs.push(facetRow(i, t, e.job.namespace, e.job.name, e.job.facets));
    if (e.run && e.job) {
      const type = e.eventType ?? 'OTHER';
      rows.runs.push({ i, t, run, jns, jn, type, rank: STATE_RANK[type], facets: e.run.facets });
    }
    for (const [role, list] of [['in', e.inputs], ['out', e.outputs]] as const) {
      for (const d of list) {
        rows.datasets.push(facetRow(i, t, d.namespace, d.name, d.facets));
        if (e.kind !== 'dataset' && jn !== null) rows.io.push({ i, t, jns, jn, role, ns: d.namespace, name: d.name });
      }
    }
    if (e.kind !== 'dataset') {
      for (const input of e.inputs) for (const o of e.outputs) rows.edges.push({ i, t, run, sns: input.namespace, sn: input.name, dns: o.namespace, dn: o.name });
    }
    // edges a LineageFacet states (any event kind); both ends must exist as datasets first
    for (const { from, to } of e.explicitEdges) {
      rows.datasets.push({ i, t, ns: from.namespace, name: from.name, facets: {} }, { i, t, ns: to.namespace, name: to.name, facets: {} });
      rows.edges.push({ i, t, run, sns: from.namespace, sn: from.name, dns: to.namespace, dn: to.name });
    }
  }
  const j = (v: unknown[]) => [JSON.stringify(v)];
  // the merges only need the rows that carry facets: a mention without any changes nothing there
  const withFacets = (v: FacetRow[]) => j(v.filter((r) => Object.keys(r.facets).length > 0));
  return [
    stmt(INSERT_EVENTS, [`[${rows.events.join(',')}]`]),
    stmt(UPSERT_RUNS, j(rows.runs)),
    stmt(INSERT_NEW_DATASETS, j(rows.datasets)),
    stmt(INSERT_NEW_JOBS, j(rows.jobs)),
    stmt(UPSERT_JOB_IO, j(rows.io)),
    stmt(UPSERT_EDGES, j(rows.edges)),
    // the two statements that update rows concurrent batches share: last, so their locks are brief
    stmt(MERGE_JOBS, withFacets(rows.jobs)),
    stmt(MERGE_DATASETS, withFacets(rows.datasets)),
  ];
}

/** Every namespace an event touches (datasets, explicit-lineage datasets, its job): the cache tags its ingest bumps. */
export function namespacesOf(e: OlEvent): string[] {
  const out = [...e.inputs, ...e.outputs].map((d) => d.namespace);
  for (const { from, to } of e.explicitEdges) out.push(from.namespace, to.namespace);
  if (e.job) out.push(e.job.namespace);
  return out;
}

/** Validates and stores a batch of OpenLineage events atomically; per-event results, duplicates absorbed. */
export async function ingestEvents(sql: Sql, raws: readonly unknown[], options: IngestOptions = {}): Promise<IngestOutcome> {
  if (raws.length > OL_LIMITS.maxBatchEvents) {
    throw new StrataError('payload-too-large', `batch of ${raws.length} events exceeds maxBatchEvents: limit ${OL_LIMITS.maxBatchEvents}`);
  }
  const { prepared, rejected } = await prepareEvents(raws, { maxEventBytes: options.maxEventBytes });
  // the same event twice in one batch: store it once, report the later copies as duplicates
  const firstByHash = new Map<string, PreparedEvent>();
  for (const p of prepared) if (!firstByHash.has(p.hash)) firstByHash.set(p.hash, p);
  const unique = [...firstByHash.values()];

  const fresh = new Set<string>();
  let extraResults: Row[][] = [];
  if (unique.length > 0) {
    const statements = buildIngestStatements(unique);
    const rows = await sql.batch([...statements, ...(options.extraStatements?.(unique) ?? [])]);
    // one flag per event of `unique`, by position: '1' stored by this batch
    const flags = String(rows[0]?.[0]?.fresh ?? '');
    if (flags.length !== unique.length) throw new StrataError('internal', `ingest: ${flags.length} freshness flags for ${unique.length} events`);
    for (const [i, p] of unique.entries()) if (flags[i] === '1') fresh.add(p.hash);
    extraResults = rows.slice(statements.length);
  }

  const results: IngestResult[] = [...rejected];
  const namespaces = new Set<string>();
  for (const p of prepared) {
    const isNew = fresh.has(p.hash) && firstByHash.get(p.hash) === p;
    if (isNew) for (const ns of namespacesOf(p.event)) namespaces.add(ns);
    results.push({ index: p.index, ok: true, eventHash: p.hash, duplicate: !isNew });
  }
  results.sort((a, b) => a.index - b.index);
  const stored = results.filter((r) => r.ok && !r.duplicate).length;
  return {
    results,
    namespaces: [...namespaces].sort(),
    stored,
    duplicates: prepared.length - stored,
    invalid: rejected.length,
    extraResults,
  };
}
