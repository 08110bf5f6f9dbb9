/**
 * The OpenLineage specification's JSON schemas from test/fixtures/openlineage/spec/ (copied with
 * their Apache-2.0 notice; see the fixtures README): a validator (ajv, draft 2020-12, formats on)
 * and fast-check arbitraries of spec-valid events built from the same files.
 *
 * Two things the files need to be used offline, done here in memory and never in the files: the
 * facet schemas `$ref` the core schema by the `$id` of the version they were written against
 * (1-0-1, 1-0-2, 1-0-3, 2-0-2), and only the core file declaring 2-0-2 is here, so it is
 * registered under each of those ids (the facet base definitions they point at — RunFacet,
 * JobFacet, DatasetFacet, InputDatasetFacet, OutputDatasetFacet — are there in 2-0-2); and
 * OwnershipDatasetFacet 1-0-0 gives an owner name the type "URN", which is not a JSON type and which
 * no validator compiles: it is read as "string" (the description calls it a URN string).
 */
import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { arbitraryOf, freeKey, type Schema, type SchemaRegistry } from './json-schema-arb';

const SPEC = new URL('../fixtures/openlineage/spec/', import.meta.url);
export const CORE = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
const CORE_ALIASES = ['1-0-1', '1-0-2', '1-0-3'].map((v) => `https://openlineage.io/spec/${v}/OpenLineage.json`);

type Doc = { $id: string; [k: string]: unknown };
const read = (rel: string) => JSON.parse(readFileSync(new URL(rel, SPEC), 'utf8')) as Doc;
const core = read('OpenLineage.json');
export const facetFiles = readdirSync(new URL('facets/', SPEC)).filter((f) => f.endsWith('.json')).sort();
const facetDocs = facetFiles.map((f) => read(`facets/${f}`));
const idOf = (file: string) => facetDocs[facetFiles.indexOf(file)]!.$id;

function urnAsString(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(urnAsString);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'type' && x === 'URN' ? 'string' : urnAsString(x)]));
  return v;
}

export const registry: SchemaRegistry = {
  docs: new Map<string, Schema>([
    [CORE, core],
    ...CORE_ALIASES.map((id) => [id, core] as [string, Schema]),
    ...facetDocs.map((d) => [d.$id, d] as [string, Schema]),
  ]),
};

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(core);
for (const id of CORE_ALIASES) ajv.addSchema({ ...core, $id: id });
for (const d of facetDocs) ajv.addSchema(urnAsString(d) as object);

export type Slot = 'run' | 'job' | 'dataset' | 'input' | 'output';
export interface FacetKind {
  /** The facet's name in a facet map (its key). */
  readonly name: string;
  /** `File#Definition`: one kind per definition. */
  readonly kind: string;
  /** Absolute `$id#/$defs/...` of its schema. */
  readonly ref: string;
}
const kind = (name: string, file: string, def: string): FacetKind => ({ name, kind: `${file.replace('.json', '')}#${def}`, ref: `${idOf(file)}#/$defs/${def}` });

/** Every facet definition of the copied schemas, by the facet map it belongs to. */
export const FACETS: Record<Slot, FacetKind[]> = {
  run: [kind('parent', 'ParentRunFacet.json', 'ParentRunFacet'), kind('nominalTime', 'NominalTimeRunFacet.json', 'NominalTimeRunFacet'), kind('errorMessage', 'ErrorMessageRunFacet.json', 'ErrorMessageRunFacet')],
  job: [
    kind('ownership', 'OwnershipJobFacet.json', 'OwnershipJobFacet'),
    kind('lineage', 'LineageFacet.json', 'LineageJobFacet'),
    kind('lineage', 'LineageJobFacet.json', 'LineageJobFacet'),
    kind('documentation', 'DocumentationJobFacet.json', 'DocumentationJobFacet'),
    kind('sql', 'SQLJobFacet.json', 'SQLJobFacet'),
    kind('jobType', 'JobTypeJobFacet.json', 'JobTypeJobFacet'),
  ],
  dataset: [
    kind('ownership', 'OwnershipDatasetFacet.json', 'OwnershipDatasetFacet'),
    kind('lineage', 'LineageFacet.json', 'LineageDatasetFacet'),
    kind('lineage', 'LineageDatasetFacet.json', 'LineageDatasetFacet'),
    kind('schema', 'SchemaDatasetFacet.json', 'SchemaDatasetFacet'),
    kind('dataSource', 'DatasourceDatasetFacet.json', 'DatasourceDatasetFacet'),
    kind('documentation', 'DocumentationDatasetFacet.json', 'DocumentationDatasetFacet'),
  ],
  input: [kind('dataQualityMetrics', 'DataQualityMetricsInputDatasetFacet.json', 'DataQualityMetricsInputDatasetFacet')],
  output: [kind('outputStatistics', 'OutputStatisticsOutputDatasetFacet.json', 'OutputStatisticsOutputDatasetFacet')],
};
export const ALL_KINDS = [...new Set(Object.values(FACETS).flatMap((ks) => ks.map((k) => k.kind)))];

export type EventKind = 'RunEvent' | 'JobEvent' | 'DatasetEvent';
/** A known facet placed in an event: where, of which kind. */
export interface Placed {
  readonly path: string;
  readonly kind: FacetKind;
  readonly value: unknown;
}
export interface Generated {
  readonly kind: EventKind;
  readonly event: Record<string, unknown>;
  readonly facets: readonly Placed[];
}

/** Spec errors of an event: the core schema for its kind, and each known facet against its own schema. */
export function specErrors(kindOf: EventKind, event: unknown, facets: readonly Placed[] = []): string[] {
  const errors: string[] = [];
  const check = (ref: string, value: unknown, at: string) => {
    const validate = ajv.getSchema(ref);
    if (!validate) throw new Error(`no schema ${ref}`);
    if (!validate(value)) for (const e of validate.errors ?? []) errors.push(`${at}${e.instancePath} ${e.message}`);
  };
  check(`${CORE}#/$defs/${kindOf}`, event, '');
  for (const f of facets) check(f.kind.ref, f.value, f.path);
  return errors;
}

/** Names Strata keys rows by: the specification leaves them open, Strata needs them non-empty. */
const IDENTITY = new Set(['namespace', 'name']);
const facetArb = (k: FacetKind) => arbitraryOf(registry, k.ref, { identity: IDENTITY });

/** A map of known facets for one slot (each name at most once, of one of its kinds) and the placements. */
function knownFacets(slot: Slot, path: string): fc.Arbitrary<{ map: Record<string, unknown>; placed: Placed[] }> {
  const byName = new Map<string, FacetKind[]>();
  for (const k of FACETS[slot]) byName.set(k.name, [...(byName.get(k.name) ?? []), k]);
  const model = Object.fromEntries(
    [...byName].map(([name, kinds]) => [name, fc.option(fc.oneof(...kinds.map((k) => facetArb(k).map((value) => ({ k, value })))), { nil: undefined })]),
  );
  return fc.record(model).map((chosen) => {
    const map: Record<string, unknown> = {};
    const placed: Placed[] = [];
    for (const [name, c] of Object.entries(chosen)) {
      if (!c) continue;
      map[name] = c.value;
      placed.push({ path: `${path}.${name}`, kind: c.k, value: c.value });
    }
    return { map, placed };
  });
}

/** A deletion marker for a facet name the event also may not carry: BaseFacet members and `_deleted: true`. */
const marker = fc.record({ name: freeKey, producer: fc.constantFrom('https://example.test/deleter') }).map(({ name, producer }) => ({
  name,
  value: { _producer: producer, _schemaURL: `${CORE}#/$defs/DatasetFacet`, _deleted: true },
}));

/** Facet maps (known facets, plus now and then a deletion marker) merged into the slots an event has. */
function withFacets(kindOf: EventKind, ev: Record<string, unknown>): fc.Arbitrary<Generated> {
  type Loc = { path: string; slot: Slot; holder: Record<string, unknown>; key: string };
  const locs: Loc[] = [];
  const run = ev.run as Record<string, unknown> | undefined;
  const job = ev.job as Record<string, unknown> | undefined;
  if (run) locs.push({ path: 'run.facets', slot: 'run', holder: run, key: 'facets' });
  if (job) locs.push({ path: 'job.facets', slot: 'job', holder: job, key: 'facets' });
  for (const [side, slot] of [['inputs', 'input'], ['outputs', 'output']] as const) {
    for (const [i, d] of ((ev[side] as Record<string, unknown>[] | undefined) ?? []).entries()) {
      locs.push({ path: `${side}.${i}.facets`, slot: 'dataset', holder: d, key: 'facets' });
      locs.push({ path: `${side}.${i}.${slot}Facets`, slot, holder: d, key: `${slot}Facets` });
    }
  }
  if (ev.dataset) locs.push({ path: 'dataset.facets', slot: 'dataset', holder: ev.dataset as Record<string, unknown>, key: 'facets' });
  const perLoc = locs.map((l) =>
    fc.tuple(knownFacets(l.slot, l.path), fc.option(marker, { nil: undefined, freq: 4 })).map(([known, del]) => ({ l, known, del })),
  );
  return fc.tuple(...perLoc).map((filled) => {
    const event = structuredClone(ev);
    // the clone's holders, found again by path
    const at = (path: string) => path.split('.').slice(0, -1).reduce<Record<string, unknown>>((o, p) => o[p] as Record<string, unknown>, event);
    const placed: Placed[] = [];
    for (const { l, known, del } of filled) {
      const holder = at(l.path);
      const map = { ...((holder[l.key] as Record<string, unknown> | undefined) ?? {}), ...known.map };
      if (del) map[del.name] = del.value;
      if (Object.keys(map).length > 0) holder[l.key] = map;
      placed.push(...known.placed);
    }
    return { kind: kindOf, event, facets: placed };
  });
}

/** Spec-valid events of the three kinds with the known facets placed in them. */
export const specEvent: fc.Arbitrary<Generated> = fc
  .constantFrom<EventKind>('RunEvent', 'JobEvent', 'DatasetEvent')
  .chain((k) => arbitraryOf(registry, `${CORE}#/$defs/${k}`, { identity: IDENTITY }).chain((ev) => withFacets(k, ev as Record<string, unknown>)));
