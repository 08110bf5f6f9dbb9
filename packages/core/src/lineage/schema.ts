/**
 * OpenLineage RunEvent / DatasetEvent / JobEvent parsing.
 *
 * Lenient where Marquez is lenient (missing `schemaURL`, naive or nanosecond `eventTime`, extra
 * members kept), strict where lineage depends on it: `run.runId`, `job.namespace`/`job.name`,
 * dataset `namespace`/`name`. Facets are stored as given; the facets we know the meaning of are
 * validated (`parent` on runs, `ownership` on jobs and datasets, `lineage` — LineageFacet 1-0-0 and
 * LineageJobFacet / LineageDatasetFacet 1-0-0 — on jobs and datasets, whose DATASET sources become
 * edges), requiring exactly the members the specification's schemas require and leaving open what
 * they leave open (docs/adr/0037-openlineage-conformance.md; the schemas are in
 * test/fixtures/openlineage/spec/). A facet that is the specification's deletion marker
 * (`"_deleted": true`) is accepted under any name, whatever its schema requires otherwise.
 *
 * runId rule: any non-empty identifier (≤ 255 characters, no control characters). Marquez maps a
 * non-UUID runId to a name-based UUID rather than rejecting it, and Strata's own publish events
 * use a txid as runId (origin D41), so a UUID-only rule would reject our own events. UUID-shaped
 * runIds are lower-cased so `ABC…` and `abc…` name the same run.
 */
import { z } from 'zod';
import { relativeIssues, type FieldIssue } from '../errors';
import { canonicalJson } from './canonical';
import { normalizeEventTime } from './event-time';
import { jsonProblem, utf8Length } from './json-guard';
import { OL_LIMITS, capMessage } from './limits';

export const EVENT_TYPES = ['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER'] as const;
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

const CONTROL = /[\u0000-\u001f\u007f]/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Namespace or name: non-empty, bounded, no control characters (they would corrupt node ids and logs). */
export const OlName = z
  .string()
  .min(1)
  // bytes, not characters: (namespace, name) is a btree key and must stay under its ~2.7 KB entry limit
  .refine((s) => utf8Length(s) <= OL_LIMITS.maxNameLength, `exceeds maxNameLength: limit ${OL_LIMITS.maxNameLength} UTF-8 bytes`)
  .refine((s) => !CONTROL.test(s), 'contains control characters');

export const RunId = z
  .string()
  .min(1)
  .refine((s) => utf8Length(s) <= OL_LIMITS.maxRunIdLength, `exceeds maxRunIdLength: limit ${OL_LIMITS.maxRunIdLength} UTF-8 bytes`)
  .refine((s) => !CONTROL.test(s) && s.trim() === s, 'contains control characters or surrounding spaces')
  .transform((s) => (UUID_RE.test(s) ? s.toLowerCase() : s));

/** Any facet: an object whose members are kept as given. */
const AnyFacet = z.looseObject({});

/** The specification's facet deletion marker: `_deleted: true` (JobFacet and DatasetFacet 2-0-2). */
export function isDeletedFacet(facet: unknown): boolean {
  return typeof facet === 'object' && facet !== null && (facet as { _deleted?: unknown })._deleted === true;
}

// ParentRunFacet 1-0-1: run.runId, job.namespace and job.name required, any strings (nothing here
// is an identity Strata keys rows by, so the spec's openness is kept)
export const ParentRunFacet = z.looseObject({
  run: z.looseObject({ runId: z.string() }),
  job: z.looseObject({ namespace: z.string(), name: z.string() }),
});
// OwnershipJobFacet / OwnershipDatasetFacet: `owners` optional; each owner needs `name` (any string)
export const OwnershipFacet = z.looseObject({
  owners: z.array(z.looseObject({ name: z.string() })).optional(),
});

/** A facet map with the named known facets validated and all others passed through. */
function facetMap(known: Record<string, z.ZodType>) {
  return z
    .record(z.string(), AnyFacet)
    .nullish()
    .superRefine((facets, ctx) => {
      if (!facets) return;
      for (const [key, schema] of Object.entries(known)) {
        if (facets[key] === undefined || isDeletedFacet(facets[key])) continue;
        const r = schema.safeParse(facets[key]);
        if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', message: i.message, path: [key, ...i.path] });
      }
    })
    .transform((f): Facets => f ?? {});
}
export type Facets = Record<string, Record<string, unknown>>;

/**
 * Explicit lineage (LineageFacet 1-0-0; LineageJobFacet and LineageDatasetFacet 1-0-0): a source or
 * target has a `type`. A DATASET names its namespace and name (they become an edge's end, so they
 * follow the dataset name rules); any other type (JOB, …) gives namespace and name together or
 * neither (neither: the event's own job) and makes no edge.
 */
const LineageRef = z
  .looseObject({ type: z.string(), namespace: z.string().optional(), name: z.string().optional() })
  .superRefine((r, ctx) => {
    if (r.type === 'DATASET') {
      if (r.namespace === undefined || r.name === undefined) ctx.addIssue({ code: 'custom', message: 'a DATASET needs namespace and name' });
      for (const key of ['namespace', 'name'] as const) {
        const v = r[key];
        if (v === undefined) continue;
        const ok = OlName.safeParse(v);
        if (!ok.success) ctx.addIssue({ code: 'custom', path: [key], message: ok.error.issues[0]?.message ?? 'invalid' });
      }
    } else if ((r.namespace === undefined) !== (r.name === undefined)) {
      ctx.addIssue({ code: 'custom', message: `a ${r.type} gives namespace and name together, or neither (the event’s own job)` });
    }
  });
const lineageInputs = z.array(LineageRef).max(OL_LIMITS.maxInputs, `exceeds maxInputs: limit ${OL_LIMITS.maxInputs}`);
const lineageFields = z.record(z.string(), z.looseObject({ inputs: lineageInputs }));
const lineageTargets = z
  .array(z.intersection(LineageRef, z.looseObject({ inputs: lineageInputs.optional(), fields: lineageFields.optional() })))
  .max(OL_LIMITS.maxOutputs, `exceeds maxOutputs: limit ${OL_LIMITS.maxOutputs}`);
export const LineageDatasetFacet = z.looseObject({ inputs: lineageInputs.optional(), fields: lineageFields.optional() });
/** LineageFacet 1-0-0 names its targets `entries`; LineageJobFacet 1-0-0 names them `lineage`: one of the two. */
export const LineageJobFacet = z
  .looseObject({ entries: lineageTargets.optional(), lineage: lineageTargets.optional() })
  .refine((f) => f.entries !== undefined || f.lineage !== undefined, { message: 'needs entries (LineageFacet) or lineage (LineageJobFacet)', path: ['entries'] });

const RunFacets = facetMap({ parent: ParentRunFacet });
const JobFacets = facetMap({ ownership: OwnershipFacet, lineage: LineageJobFacet });
const DatasetFacets = facetMap({ ownership: OwnershipFacet, lineage: LineageDatasetFacet });

const nsDoc = { description: 'Namespace: where the dataset or job lives (a data source or scheduler), non-empty, no control characters.' };
const facetsDoc = (of: string, known: string) => ({ description: `Facets of the ${of}: an object per facet name, stored as given. ${known}` });
const Dataset = z.looseObject({
  namespace: OlName.meta(nsDoc),
  name: OlName.meta({ description: 'Dataset name, unique in its namespace.' }),
  facets: DatasetFacets.meta(facetsDoc('dataset', 'Checked: `ownership` (`owners[].name`) and `lineage` (LineageFacet 1-0-0: each DATASET source becomes an edge to this dataset).')),
});
const InputDataset = Dataset.extend({ inputFacets: facetMap({}).meta(facetsDoc('input', 'None is checked.')) });
const OutputDataset = Dataset.extend({ outputFacets: facetMap({}).meta(facetsDoc('output', 'None is checked.')) });
const JobRef = z
  .looseObject({
    namespace: OlName.meta(nsDoc),
    name: OlName.meta({ description: 'Job name, unique in its namespace.' }),
    facets: JobFacets.meta(facetsDoc('job', 'Checked: `ownership` and `lineage` (LineageFacet 1-0-0 `entries`: each DATASET target gets an edge from each of its DATASET sources).')),
  })
  .meta({ description: 'The job.' });

const base = {
  eventTime: z
    .string()
    .transform((s, ctx) => {
      const iso = normalizeEventTime(s);
      if (iso === null) ctx.addIssue({ code: 'custom', message: 'is not an ISO-8601 timestamp' });
      return iso ?? '';
    })
    .meta({ description: 'When the event happened: ISO 8601; a missing offset is read as UTC, fractions beyond milliseconds are cut.', example: '2026-01-15T10:00:00.000Z' }),
  producer: z.string().min(1).max(2048).meta({ description: 'URI of the software that emitted the event.', example: 'https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/airflow' }),
  schemaURL: z.string().max(2048).nullish().meta({ description: 'The OpenLineage schema the event follows (optional here, as in Marquez).' }),
};
const io = {
  inputs: z
    .array(InputDataset)
    .max(OL_LIMITS.maxInputs, `exceeds maxInputs: limit ${OL_LIMITS.maxInputs}`)
    .nullish()
    .meta({ description: `Datasets read (at most ${OL_LIMITS.maxInputs}); each input gets an edge to each output.` }),
  outputs: z
    .array(OutputDataset)
    .max(OL_LIMITS.maxOutputs, `exceeds maxOutputs: limit ${OL_LIMITS.maxOutputs}`)
    .nullish()
    .meta({ description: `Datasets written (at most ${OL_LIMITS.maxOutputs}).` }),
};
const eventTypeDoc = { description: 'Run state transition: START, RUNNING, COMPLETE, ABORT, FAIL or OTHER. The latest event by `eventTime` sets the run’s state.' };

/** One RunEvent as documented in the API reference (a test checks it parses). */
export const RUN_EVENT_EXAMPLE = {
  eventType: 'COMPLETE',
  eventTime: '2026-01-15T10:00:00.000Z',
  producer: 'https://github.com/OpenLineage/OpenLineage/tree/1.0.0/integration/airflow',
  schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent',
  run: { runId: '3f5e83fa-3480-44ff-99c5-ff943904e5e8', facets: {} },
  job: { namespace: 'grandmas.kitchen', name: 'bake.apple_pie', facets: {} },
  inputs: [{ namespace: 'grandmas.kitchen', name: 'apples', facets: {} }],
  outputs: [{ namespace: 'grandmas.kitchen', name: 'apple.pie', facets: { ownership: { owners: [{ name: 'grandma' }] } } }],
};

export const RunEventSchema = z
  .looseObject({
    ...base,
    ...io,
    eventType: EventType.nullish().meta(eventTypeDoc),
    run: z
      .looseObject({
        runId: RunId.meta({ description: 'Run identifier: any non-empty string up to 255 bytes without control characters (UUIDs are lower-cased; Strata’s own publish events use a txid).', example: '3f5e83fa-3480-44ff-99c5-ff943904e5e8' }),
        facets: RunFacets.meta(facetsDoc('run', 'Checked: `parent` (`run.runId`, `job.namespace`, `job.name`).')),
      })
      .meta({ description: 'The run this event reports on.' }),
    job: JobRef,
  })
  .meta({ description: 'An OpenLineage RunEvent: a state change of one run of a job, with the datasets it read and wrote. Unknown members are kept as given.', example: RUN_EVENT_EXAMPLE });
export const JobEventSchema = z
  .looseObject({
    ...base,
    ...io,
    eventType: EventType.nullish().meta(eventTypeDoc),
    job: JobRef,
  })
  .meta({
    description: 'An OpenLineage JobEvent: a job’s static lineage (no run). Recognised by having `job` and no `run`.',
    example: { eventTime: '2026-01-15T10:00:00Z', producer: 'https://example.com/scheduler', job: { namespace: 'grandmas.kitchen', name: 'bake.apple_pie' }, inputs: [{ namespace: 'grandmas.kitchen', name: 'apples' }], outputs: [{ namespace: 'grandmas.kitchen', name: 'apple.pie' }] },
  });
export const DatasetEventSchema = z
  .looseObject({
    ...base,
    dataset: z
      .looseObject({
        namespace: OlName.meta(nsDoc),
        name: OlName.meta({ description: 'Dataset name, unique in its namespace.' }),
        facets: DatasetFacets.meta(facetsDoc('dataset', 'Checked: `ownership` and `lineage`.')),
      })
      .meta({ description: 'The dataset described.' }),
  })
  .meta({
    description: 'An OpenLineage DatasetEvent: facets of one dataset, outside any run. Recognised by having `dataset` and neither `run` nor `job`.',
    example: { eventTime: '2026-01-15T10:00:00Z', producer: 'https://example.com/catalog', dataset: { namespace: 'grandmas.kitchen', name: 'apple.pie', facets: { ownership: { owners: [{ name: 'grandma' }] } } } },
  });

export interface DatasetRef {
  readonly namespace: string;
  readonly name: string;
  readonly facets: Facets;
}

/** A validated event, normalised for storage; `raw` is the event exactly as received. */
export interface OlEvent {
  readonly kind: 'run' | 'job' | 'dataset';
  readonly eventType: EventType | null;
  /** Normalised ISO UTC with milliseconds. */
  readonly eventTime: string;
  readonly producer: string;
  readonly run: { readonly runId: string; readonly facets: Facets } | null;
  readonly job: { readonly namespace: string; readonly name: string; readonly facets: Facets } | null;
  readonly inputs: readonly DatasetRef[];
  /** Outputs of a run or job; for a DatasetEvent, the one dataset it describes. */
  readonly outputs: readonly DatasetRef[];
  /** Dataset → dataset edges stated by LineageFacets (`lineage` on datasets and on the job), deduplicated. */
  readonly explicitEdges: readonly ExplicitEdge[];
  readonly raw: Record<string, unknown>;
  /** `raw` as RFC 8785 canonical JSON: its SHA-256 is the event hash (canonical.ts). */
  readonly canonical: string;
}

export interface DatasetName {
  readonly namespace: string;
  readonly name: string;
}

export interface ExplicitEdge {
  readonly from: DatasetName;
  readonly to: DatasetName;
}

export type ParseResult = { ok: true; event: OlEvent } | { ok: false; issues: FieldIssue[] };

/** Issues relative to the event (`run.runId`; `` for the event itself): the route places them (issuesAt). */
const zodIssues = (error: z.ZodError): FieldIssue[] => relativeIssues(error.issues);

function ref(d: { namespace: string; name: string; facets: Facets }): DatasetRef {
  return { namespace: d.namespace, name: d.name, facets: d.facets };
}

export interface ParseOptions {
  /** Largest serialized event in bytes: the OL_MAX_EVENT_BYTES setting (default OL_LIMITS.maxEventBytes). */
  readonly maxEventBytes?: number;
}

/** The refusal of an event over the size cap: names the limit and the setting that raises it. */
export function eventSizeMessage(bytes: number, limit: number): string {
  return `event size exceeds maxEventBytes: ${bytes} > limit ${limit} bytes; the limit is the OL_MAX_EVENT_BYTES setting (default ${OL_LIMITS.maxEventBytes}): raise it to accept larger events`;
}

/** Validates one untrusted value as an OpenLineage event. Never throws: problems come back as issues. */
export function parseEvent(raw: unknown, options: ParseOptions = {}): ParseResult {
  try {
    return parseUnsafe(raw, options.maxEventBytes ?? OL_LIMITS.maxEventBytes);
  } catch (e) {
    return { ok: false, issues: [{ path: '', message: `unreadable event: ${e instanceof Error ? e.message : 'unknown'}` }] };
  }
}

function parseUnsafe(raw: unknown, maxEventBytes: number): ParseResult {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, issues: [{ path: '', message: 'an event must be a JSON object' }] };
  }
  const problem = jsonProblem(raw);
  if (problem) return { ok: false, issues: [problem] };
  // the RFC 8785 text is needed for the event hash anyway; it is as long as any compact JSON of the event
  const canonical = canonicalJson(raw);
  const bytes = utf8Length(canonical);
  if (bytes > maxEventBytes) return { ok: false, issues: [{ path: '', message: eventSizeMessage(bytes, maxEventBytes) }] };
  const obj = raw as Record<string, unknown>;
  // run present → RunEvent; job without run → JobEvent; dataset alone → DatasetEvent (spec's oneOf)
  if ('run' in obj || !('job' in obj || 'dataset' in obj)) {
    const r = RunEventSchema.safeParse(obj);
    if (!r.success) return { ok: false, issues: zodIssues(r.error) };
    return withJob('run', r.data, { runId: r.data.run.runId, facets: r.data.run.facets }, obj, canonical);
  }
  if ('job' in obj) {
    const r = JobEventSchema.safeParse(obj);
    if (!r.success) return { ok: false, issues: zodIssues(r.error) };
    return withJob('job', r.data, null, obj, canonical);
  }
  const r = DatasetEventSchema.safeParse(obj);
  if (!r.success) return { ok: false, issues: zodIssues(r.error) };
  const d = r.data;
  const outputs = [ref(d.dataset)];
  return finish({
    kind: 'dataset', eventType: null, eventTime: d.eventTime, producer: d.producer,
    run: null, job: null, inputs: [], outputs,
    explicitEdges: explicitEdgesOf([], outputs, null), raw: obj, canonical,
  });
}

/**
 * A RunEvent or JobEvent as an OlEvent. Every event object is built in one literal with the same
 * members in the same order (the DatasetEvent's too), never spread from a partial one: copying
 * with spreads made parsing ~40 % slower.
 */
function withJob(
  kind: 'run' | 'job',
  d: z.output<typeof JobEventSchema>,
  run: OlEvent['run'],
  raw: Record<string, unknown>,
  canonical: string,
): ParseResult {
  const job = pickJob(d.job);
  const inputs = (d.inputs ?? []).map(ref);
  const outputs = (d.outputs ?? []).map(ref);
  return finish({
    kind, eventType: d.eventType ?? null, eventTime: d.eventTime, producer: d.producer,
    run, job, inputs, outputs,
    explicitEdges: explicitEdgesOf(inputs, outputs, job), raw, canonical,
  });
}

function pickJob(j: { namespace: string; name: string; facets: Facets }) {
  return { namespace: j.namespace, name: j.name, facets: j.facets };
}

type Ref = { type?: unknown; namespace?: unknown; name?: unknown };
type LineageTarget = Ref & { inputs?: Ref[]; fields?: Record<string, { inputs?: Ref[] }> };

/** The DATASET sources of a lineage target: entity-level inputs and every field's inputs. */
function datasetSources(t: LineageTarget): DatasetName[] {
  const all = [...(t.inputs ?? []), ...Object.values(t.fields ?? {}).flatMap((f) => f.inputs ?? [])];
  return all.filter((r) => r.type === 'DATASET').map((r) => ({ namespace: String(r.namespace), name: String(r.name) }));
}

/**
 * Dataset → dataset edges a LineageFacet states: each dataset's own `lineage` facet (its
 * sources), and the job's `lineage.entries` whose target is a DATASET. JOB sources and targets
 * are kept in the stored facet but make no edge: the graph is one of datasets.
 */
function explicitEdgesOf(inputs: readonly DatasetRef[], outputs: readonly DatasetRef[], job: OlEvent['job']): ExplicitEdge[] {
  // most events state no lineage facet at all
  if (job?.facets.lineage === undefined && !inputs.some((d) => d.facets.lineage) && !outputs.some((d) => d.facets.lineage)) return [];
  const edges = new Map<string, ExplicitEdge>();
  const add = (from: DatasetName, to: DatasetName) => {
    if (from.namespace === to.namespace && from.name === to.name) return;
    edges.set(JSON.stringify([from.namespace, from.name, to.namespace, to.name]), { from, to });
  };
  for (const d of [...inputs, ...outputs]) {
    const facet = d.facets.lineage as LineageTarget | undefined;
    if (facet && !isDeletedFacet(facet)) for (const src of datasetSources(facet)) add(src, { namespace: d.namespace, name: d.name });
  }
  const jobFacet = isDeletedFacet(job?.facets.lineage) ? undefined : (job?.facets.lineage as { entries?: LineageTarget[]; lineage?: LineageTarget[] } | undefined);
  for (const t of [...(jobFacet?.entries ?? []), ...(Array.isArray(jobFacet?.lineage) ? jobFacet.lineage : [])]) {
    if (t.type !== 'DATASET') continue;
    const to = { namespace: String(t.namespace), name: String(t.name) };
    for (const src of datasetSources(t)) add(src, to);
  }
  return [...edges.values()];
}

/** Checks the caps that span several fields. */
function finish(event: OlEvent): ParseResult {
  const edges = event.inputs.length * event.outputs.length + event.explicitEdges.length;
  if (edges > OL_LIMITS.maxEdgesPerEvent) {
    return { ok: false, issues: [{ path: 'inputs', message: `inputs × outputs ${capMessage('maxEdgesPerEvent', edges)}` }] };
  }
  return { ok: true, event };
}

// ---- Read responses: GET /openlineage/nodes/dataset, /jobs, /runs and /search (docs/adr/0054) ----

/** Stored facets as a read returns them: the latest given for each name. */
export const StoredFacets = z
  .record(z.string(), z.record(z.string(), z.unknown()))
  .meta({ description: 'Facets by name, as the latest event that carried facets for it gave them.' });

/** A dataset named by namespace and name. */
export const DatasetNameSchema = z.object({ namespace: z.string(), name: z.string() });

const readTimes = {
  created_at: z.string().meta({ description: 'First seen (ISO 8601, UTC).' }),
  updated_at: z.string().meta({ description: 'Last time its facets changed (ISO 8601, UTC).' }),
};

/** One dataset with its latest facets. */
export const DatasetDetail = z.object({ namespace: z.string(), name: z.string(), facets: StoredFacets, ...readTimes });
export type DatasetDetail = z.infer<typeof DatasetDetail>;

/** One job with its latest facets, latest run and the datasets it declared (at most IO_LIMIT each). */
export const JobDetail = DatasetDetail.extend({
  latest_run_id: z.string().nullable().meta({ description: 'The run with the newest state time.' }),
  inputs: z.array(DatasetNameSchema).readonly().meta({ description: 'Datasets any run or JobEvent of the job read (at most 1,000).' }),
  outputs: z.array(DatasetNameSchema).readonly().meta({ description: 'Datasets it wrote (at most 1,000).' }),
});
export type JobDetail = z.infer<typeof JobDetail>;

/** One run; inputs and outputs are the union over its events (at most IO_LIMIT each). */
export const RunDetail = z.object({
  namespace: z.string(),
  job_name: z.string(),
  run_id: z.string(),
  state: z.string().meta({ description: 'START, RUNNING, COMPLETE, ABORT, FAIL or OTHER: the event type of the newest event.' }),
  start_time: z.string().nullable(),
  end_time: z.string().nullable(),
  facets: StoredFacets,
  ...readTimes,
  inputs: z.array(DatasetNameSchema).readonly().meta({ description: 'Datasets the run’s events read (at most 1,000).' }),
  outputs: z.array(DatasetNameSchema).readonly().meta({ description: 'Datasets they wrote (at most 1,000).' }),
});
export type RunDetail = z.infer<typeof RunDetail>;

/** One search hit. */
export const SearchResult = z.object({
  namespace: z.string(),
  name: z.string(),
  type: z.literal('dataset'),
  facets: StoredFacets,
  updated_at: readTimes.updated_at,
});
export type SearchResult = z.infer<typeof SearchResult>;

export const DatasetDetailResponse = z.object({ dataset: DatasetDetail });
export const JobDetailResponse = z.object({ job: JobDetail });
export const RunDetailResponse = z.object({ run: RunDetail });

/** GET /openlineage/search answer, in the seed's `{query, results, count}` plus the page size applied. */
export const SearchResponse = z.object({
  query: z.string(),
  results: z.array(SearchResult).readonly(),
  count: z.number().int(),
  limit: z.number().int().meta({ description: 'The page size applied.' }),
});
export type SearchResponse = z.infer<typeof SearchResponse>;

// ---- Ingest answers: POST /api/v1/lineage and /api/v1/lineage/batch (docs/adr/0054) ----

export const EventStatus = z.enum(['stored', 'duplicate', 'queued', 'rejected']);
export type EventStatus = z.infer<typeof EventStatus>;

/** What became of one event of a batch, at its `index`. */
export const EventResult = z.object({
  index: z.number().int(),
  status: EventStatus,
  eventHash: z.string().optional(),
  duplicate: z.boolean().optional().meta({ description: 'Known only once stored; a queued event reports false (the consumer absorbs duplicates).' }),
  issues: z
    .array(z.object({ path: z.string(), message: z.string() }))
    .readonly()
    .optional()
    .meta({ description: 'Why the event was rejected, each path relative to the event at `index` (`run.runId`; empty for the event itself).' }),
});
export type EventResult = z.infer<typeof EventResult>;

/** What ingesting a list of events did, per event and in total. */
export const IngestReport = z.object({
  stored: z.number().int(),
  duplicates: z.number().int(),
  queued: z.number().int(),
  invalid: z.number().int(),
  results: z.array(EventResult).readonly(),
});
export type IngestReport = z.infer<typeof IngestReport>;

/** POST /api/v1/lineage/batch answer: the report, `partial` when some event was rejected. */
export const BatchAck = z.object({ status: z.enum(['ok', 'partial']), ...IngestReport.shape });
export type BatchAck = z.infer<typeof BatchAck>;
