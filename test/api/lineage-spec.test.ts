/**
 * Conformance with the OpenLineage specification over HTTP, on the embedded stack and on
 * PostgreSQL + Upstash. Property: events generated from the specification's own JSON schemas
 * (test/fixtures/openlineage/spec/: the core schema and 16 facet schemas, 17 facet definitions),
 * each confirmed valid by a JSON Schema validator before it is sent, are all accepted, whether
 * posted alone or in a batch. And a curated list of events the specification refuses (each
 * confirmed invalid by the same validator) is refused with the offending field named.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { ALL_KINDS, CORE, specErrors, specEvent, type EventKind, type Placed } from '../support/openlineage-spec';
import { forEachStack, ingest, ingestBatch } from '../support/lineage-http';

/** Events per property run, and runs: the first event of a run goes alone, the others as one batch. */
const PER_RUN = 5;
const RUNS = 80;

const facet = (schema: string, body: Record<string, unknown>) => ({ _producer: 'https://example.test/p', _schemaURL: `https://openlineage.io/spec/facets/1-0-0/${schema}.json`, ...body });
const base = () => ({
  eventType: 'COMPLETE',
  eventTime: '2025-03-01T10:00:00.000Z',
  producer: 'https://example.test/producer',
  schemaURL: `${CORE}#/$defs/RunEvent`,
  run: { runId: '0d9c3a66-8a4e-4e50-9f0c-5b1f2ad3e001', facets: {} as Record<string, unknown> },
  job: { namespace: 'spec', name: 'job', facets: {} as Record<string, unknown> },
  inputs: [{ namespace: 'spec', name: 'in', facets: {} as Record<string, unknown> }],
  outputs: [{ namespace: 'spec', name: 'out', facets: {} as Record<string, unknown> }],
});
type Ev = ReturnType<typeof base>;
const parent = (run: unknown, job: unknown) => facet('ParentRunFacet', { run, job });
const placed = (path: string, file: string, def: string, value: unknown): Placed => ({
  path,
  value,
  kind: { name: path.split('.').pop()!, kind: `${file}#${def}`, ref: `https://openlineage.io/spec/${file === 'ParentRunFacet' ? '1-0-1' : 'facets/1-0-0'}/${file}.json#/$defs/${def}` },
});

/** Spec-invalid events: what is wrong, the event, the known facet to check against its schema, the field Strata names. */
const INVALID: { what: string; kind?: EventKind; make: (e: Ev) => unknown; facet?: (e: Ev) => Placed; field: string }[] = [
  { what: 'run without runId', make: (e) => ({ ...e, run: { facets: {} } }), field: 'body.run.runId' },
  { what: 'runId not a string', make: (e) => ({ ...e, run: { runId: 42 } }), field: 'body.run.runId' },
  { what: 'job without name', make: (e) => ({ ...e, job: { namespace: 'spec' } }), field: 'body.job.name' },
  { what: 'job without namespace', make: (e) => ({ ...e, job: { name: 'job' } }), field: 'body.job.namespace' },
  { what: 'input dataset without name', make: (e) => ({ ...e, inputs: [{ namespace: 'spec' }] }), field: 'body.inputs.0.name' },
  { what: 'output dataset without namespace', make: (e) => ({ ...e, outputs: [{ name: 'out' }] }), field: 'body.outputs.0.namespace' },
  { what: 'inputs not an array', make: (e) => ({ ...e, inputs: { namespace: 'spec', name: 'in' } }), field: 'body.inputs' },
  { what: 'no eventTime', make: ({ eventTime: _t, ...e }) => e, field: 'body.eventTime' },
  { what: 'eventTime not a date-time', make: (e) => ({ ...e, eventTime: 'yesterday' }), field: 'body.eventTime' },
  { what: 'no producer', make: ({ producer: _p, ...e }) => e, field: 'body.producer' },
  { what: 'eventType outside the enum', make: (e) => ({ ...e, eventType: 'BEGIN' }), field: 'body.eventType' },
  { what: 'run facets not an object', make: (e) => ({ ...e, run: { runId: e.run.runId, facets: [] } }), field: 'body.run.facets' },
  { what: 'a facet that is not an object', make: (e) => ({ ...e, job: { ...e.job, facets: { sql: 'SELECT 1' } } }), field: 'body.job.facets.sql' },
  { what: 'DatasetEvent dataset without name', kind: 'DatasetEvent', make: (e) => ({ eventTime: e.eventTime, producer: e.producer, schemaURL: `${CORE}#/$defs/DatasetEvent`, dataset: { namespace: 'spec' } }), field: 'body.dataset.name' },
  // the facets Strata validates: each refusal is one the facet's own schema makes
  {
    what: 'parent facet without job',
    make: (e) => ({ ...e, run: { runId: e.run.runId, facets: { parent: parent({ runId: '0d9c3a66-8a4e-4e50-9f0c-5b1f2ad3e002' }, undefined) } } }),
    facet: (e) => placed('run.facets.parent', 'ParentRunFacet', 'ParentRunFacet', (e as unknown as { run: { facets: { parent: unknown } } }).run.facets.parent),
    field: 'body.run.facets.parent.job',
  },
  {
    what: 'parent facet run without runId',
    make: (e) => ({ ...e, run: { runId: e.run.runId, facets: { parent: parent({}, { namespace: 'n', name: 'p' }) } } }),
    facet: (e) => placed('run.facets.parent', 'ParentRunFacet', 'ParentRunFacet', (e as unknown as { run: { facets: { parent: unknown } } }).run.facets.parent),
    field: 'body.run.facets.parent.run.runId',
  },
  {
    what: 'parent facet job without name',
    make: (e) => ({ ...e, run: { runId: e.run.runId, facets: { parent: parent({ runId: '0d9c3a66-8a4e-4e50-9f0c-5b1f2ad3e002' }, { namespace: 'n' }) } } }),
    facet: (e) => placed('run.facets.parent', 'ParentRunFacet', 'ParentRunFacet', (e as unknown as { run: { facets: { parent: unknown } } }).run.facets.parent),
    field: 'body.run.facets.parent.job.name',
  },
  {
    what: 'job owner without name',
    make: (e) => ({ ...e, job: { ...e.job, facets: { ownership: facet('OwnershipJobFacet', { owners: [{ type: 'MAINTAINER' }] }) } } }),
    facet: (e) => placed('job.facets.ownership', 'OwnershipJobFacet', 'OwnershipJobFacet', (e as unknown as { job: { facets: { ownership: unknown } } }).job.facets.ownership),
    field: 'body.job.facets.ownership.owners.0.name',
  },
  {
    what: 'job owners not an array',
    make: (e) => ({ ...e, job: { ...e.job, facets: { ownership: facet('OwnershipJobFacet', { owners: { name: 'team:data' } }) } } }),
    facet: (e) => placed('job.facets.ownership', 'OwnershipJobFacet', 'OwnershipJobFacet', (e as unknown as { job: { facets: { ownership: unknown } } }).job.facets.ownership),
    field: 'body.job.facets.ownership.owners',
  },
  {
    what: 'dataset owner without name',
    make: (e) => ({ ...e, outputs: [{ ...e.outputs[0], facets: { ownership: facet('OwnershipDatasetFacet', { owners: [{ type: 'MAINTAINER' }] }) } }] }),
    facet: (e) => placed('outputs.0.facets.ownership', 'OwnershipDatasetFacet', 'OwnershipDatasetFacet', (e as unknown as { outputs: { facets: { ownership: unknown } }[] }).outputs[0]!.facets.ownership),
    field: 'body.outputs.0.facets.ownership.owners.0.name',
  },
  {
    what: 'dataset lineage source without name',
    make: (e) => ({ ...e, inputs: [{ ...e.inputs[0], facets: { lineage: facet('LineageDatasetFacet', { inputs: [{ type: 'DATASET', namespace: 'spec' }] }) } }] }),
    facet: (e) => placed('inputs.0.facets.lineage', 'LineageDatasetFacet', 'LineageDatasetFacet', (e as unknown as { inputs: { facets: { lineage: unknown } }[] }).inputs[0]!.facets.lineage),
    field: 'body.inputs.0.facets.lineage.inputs.0',
  },
  {
    what: 'job lineage without its entries',
    make: (e) => ({ ...e, job: { ...e.job, facets: { lineage: facet('LineageJobFacet', {}) } } }),
    facet: (e) => placed('job.facets.lineage', 'LineageJobFacet', 'LineageJobFacet', (e as unknown as { job: { facets: { lineage: unknown } } }).job.facets.lineage),
    field: 'body.job.facets.lineage.entries',
  },
];

await forEachStack('OpenLineage specification conformance', { OL_QUERY_RATE_PER_MIN: '100000' }, (stack) => {
  it(`accepts every event generated from the specification's schemas (${RUNS} runs × ${PER_RUN} events)`, async () => {
    const s = stack();
    const seen = new Set<string>();
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(specEvent, { minLength: PER_RUN, maxLength: PER_RUN }), async (events) => {
        for (const g of events) {
          // the generator is checked, not trusted: a real validator must find the event spec-valid
          expect(specErrors(g.kind, g.event, g.facets), JSON.stringify(g.event)).toEqual([]);
          for (const f of g.facets) seen.add(f.kind.kind);
        }
        const [first, ...rest] = events.map((g) => g.event);
        const one = await ingest(s, first);
        expect(one.status, JSON.stringify({ event: first, reply: one.body })).toBe(201);
        const many = await ingestBatch(s, rest);
        expect(many.status, JSON.stringify(many.body)).toBe(200);
        const refused = (many.body.results as { status: string }[]).flatMap((r, i) => (r.status === 'stored' || r.status === 'duplicate' ? [] : [{ event: rest[i], result: r }]));
        expect(refused).toEqual([]);
        sent += events.length;
      }),
      { numRuns: RUNS },
    );
    expect(sent).toBe(RUNS * PER_RUN);
    // every facet definition of the copied schemas was sent at least once
    expect([...seen].sort()).toEqual([...ALL_KINDS].sort());
  }, 120_000);

  it.each(INVALID.map((c) => [c.what, c] as const))('refuses a spec-invalid event (%s) and names the field', async (_what, c) => {
    const s = stack();
    const event = c.make(base());
    expect(specErrors(c.kind ?? 'RunEvent', event, c.facet ? [c.facet(event as Ev)] : [])).not.toEqual([]);
    const r = await ingest(s, event);
    expect(r.status, JSON.stringify(r.body)).toBe(400);
    expect(r.body.error).toBe('validation-failed');
    expect(r.body.issues.map((i: { path: string }) => i.path)).toContain(c.field);
  });

  it('the base of the curated list is itself spec-valid and accepted', async () => {
    const s = stack();
    expect(specErrors('RunEvent', base())).toEqual([]);
    expect((await ingest(s, base())).status).toBe(201);
  });
});
