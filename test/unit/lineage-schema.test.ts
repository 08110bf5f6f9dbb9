/**
 * OpenLineage parsing against every shared fixture, plus the leniency, caps and hashing rules.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  OL_LIMITS,
  canonicalJson,
  eventHash,
  normalizeEventTime,
  parseEvent,
  publishEvent,
  recallEvent,
  isRetracted,
} from '@strata/core/lineage/index';
import { fixture, fixtureFiles, seedEvents } from '../support/lineage-harness';

/**
 * The fixture table. `marquez` is what the fixtures README says Marquez does with the file;
 * `strata` is our decision. They differ on one file: Strata validates the facets it knows
 * ("facets are stored as given; known facets validated"), so an `ownership` owner without
 * `name` is rejected where Marquez, which does not model that facet, stores it.
 */
const TABLE: { file: string; marquez: 'accept' | 'reject'; strata: 'accept' | 'reject'; issueAt?: string }[] = [
  { file: 'marquez-repo/apples/1_pick_apples.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/apples/2_apple_filling.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/apples/3_apple_cider.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/apples/5_apple_vinegar.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/apples/6_apple_pie.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/apples/7_pick_different_apples.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/apples/8_apple_filling.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_dataset_event.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_full.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_job_event.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_large.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_required_nanoseconds.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_required_no_timezone.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_required_only.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_simple.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_unicode.json', marquez: 'accept', strata: 'accept' },
  { file: 'marquez-repo/events/event_without_schema_url.json', marquez: 'accept', strata: 'accept' },
  { file: 'openlineage-repo/events/fluentd_event_full.json', marquez: 'accept', strata: 'accept' },
  { file: 'openlineage-repo/events/fluentd_event_simple.json', marquez: 'accept', strata: 'accept' },
  { file: 'openlineage-repo/events/python_serde_example_dataset_event.json', marquez: 'accept', strata: 'accept' },
  { file: 'openlineage-repo/events/python_serde_example_job_event.json', marquez: 'accept', strata: 'accept' },
  { file: 'openlineage-repo/events/python_serde_example_run_event.json', marquez: 'accept', strata: 'accept' },
  { file: 'openlineage-repo/events/spec_example_full_event.json', marquez: 'accept', strata: 'accept' },
  { file: 'openlineage-repo/negative/fluentd_event_no_run_id.json', marquez: 'reject', strata: 'reject', issueAt: 'run.runId' },
  { file: 'openlineage-repo/negative/fluentd_event_invalid_run_facet.json', marquez: 'reject', strata: 'reject', issueAt: 'run.facets.parent.run.runId' },
  { file: 'openlineage-repo/negative/fluentd_event_invalid_dataset_facet.json', marquez: 'accept', strata: 'reject', issueAt: 'outputs.0.facets.ownership.owners.0.name' },
];

describe('OpenLineage fixtures', () => {
  it('the table covers every single-event fixture file', async () => {
    const files = [
      ...(await fixtureFiles('marquez-repo/apples/')),
      ...(await fixtureFiles('marquez-repo/events/')),
      ...(await fixtureFiles('openlineage-repo/events/')),
      ...(await fixtureFiles('openlineage-repo/negative/')),
    ];
    expect(TABLE.map((r) => r.file).sort()).toEqual(files.sort());
  });

  for (const row of TABLE) {
    it(`${row.strata}s ${row.file}${row.marquez !== row.strata ? ' (Marquez would ' + row.marquez + ')' : ''}`, async () => {
      const r = parseEvent(await fixture(row.file));
      expect(r.ok).toBe(row.strata === 'accept');
      if (!r.ok) expect(r.issues.map((i) => i.path)).toContain(row.issueAt);
    });
  }

  it('accepts all 26 seed events once the time placeholders are filled, and none before', async () => {
    const filled = await seedEvents();
    expect(filled).toHaveLength(26);
    expect(filled.map((e) => parseEvent(e).ok)).toEqual(Array(26).fill(true));
    const template = (await fixture('marquez-repo/seed/metadata.template.json')) as unknown[];
    for (const e of template) {
      const r = parseEvent(e);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.issues[0]?.path).toBe('eventTime');
    }
  });

  it('accepts the facet fragments wrapped into events (column lineage, parent with root, symlinks)', async () => {
    const base = (await fixture('marquez-repo/events/event_required_only.json')) as Record<string, unknown>;
    const col = (await fixture('openlineage-repo/facets/ColumnLineageDatasetFacet_1.json')) as Record<string, unknown>;
    const parent = (await fixture('openlineage-repo/facets/ParentRunFacet_2.json')) as Record<string, unknown>;
    const sym = (await fixture('openlineage-repo/facets/SymlinksDatasetFacet_1.json')) as Record<string, unknown>;
    const event = {
      ...base,
      run: { runId: '43d7db3b-8984-4cda-b237-8c6919b36670', facets: parent },
      outputs: [{ namespace: 'ns', name: 'out', facets: { ...col, ...sym } }],
    };
    const r = parseEvent(event);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.event.run?.facets.parent).toEqual(parent.parent);
      expect(Object.keys(r.event.outputs[0]?.facets ?? {}).sort()).toEqual(['columnLineage', 'symlinks']);
    }
  });

  it('accepts the 220 KB event and stores its facets as given', async () => {
    const raw = await fixture('marquez-repo/events/event_large.json');
    const r = parseEvent(raw);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.event.raw).toBe(raw);
  });
});

describe('leniency and normalisation', () => {
  it.each([
    ['2020-12-28T19:51:01.641499', '2020-12-28T19:51:01.641Z'],
    ['2020-12-28T19:51:01.641499123Z', '2020-12-28T19:51:01.641Z'],
    ['2020-12-28T19:52:00.001+10:00', '2020-12-28T09:52:00.001Z'],
    ['2020-12-28T19:52:00-0130', '2020-12-28T21:22:00.000Z'],
    ['2020-12-28 19:52', '2020-12-28T19:52:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    // already normal (the fast path), and a leap second, which is normal in form but not in value
    ['2024-02-29T12:34:56.789Z', '2024-02-29T12:34:56.789Z'],
    ['2016-12-31T23:59:60.000Z', '2017-01-01T00:00:00.000Z'],
  ])('reads %s as %s', (input, expected) => {
    expect(normalizeEventTime(input)).toBe(expected);
  });

  it('a text in the normal form is its own normal form exactly when it names a real instant', () => {
    for (let month = 1; month <= 12; month++) {
      for (const day of [28, 29, 30, 31, 32]) {
        for (const year of [1900, 2000, 2023, 2024]) {
          const text = `${year}-${String(month).padStart(2, '0')}-${day}T01:02:03.004Z`;
          const real = day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
          expect(normalizeEventTime(text)).toBe(real ? text : null);
        }
      }
    }
    fc.assert(
      fc.property(fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true }), (d) => {
        expect(normalizeEventTime(d.toISOString())).toBe(d.toISOString());
      }),
    );
  });

  it.each(['2023-02-29T00:00:00Z', '2023-02-29T00:00:00.000Z', '0999-12-31T00:00:00.000Z', '2020-13-01T00:00:00Z', '2020-12-28T24:00:00Z', '{{RUN_START_TIME}}', '2020-12-28', '0099-01-01T00:00:00Z', '2020-12-28T10:00:00+19:00'])(
    'rejects %s',
    (input) => expect(normalizeEventTime(input)).toBeNull(),
  );

  it('keeps the raw eventTime in the stored event while normalising for ordering', async () => {
    const raw = await fixture('marquez-repo/events/event_required_nanoseconds.json');
    const r = parseEvent(raw);
    expect(r.ok && r.event.eventTime).toBe('2020-12-28T19:51:01.641Z');
    expect(r.ok && r.event.raw.eventTime).toBe('2020-12-28T19:51:01.641499Z');
  });

  it('lower-cases UUID runIds and keeps other identifiers (txids) as they are', () => {
    const ev = (runId: string) => ({ eventTime: '2024-01-01T00:00:00Z', producer: 'p', run: { runId }, job: { namespace: 'n', name: 'j' } });
    const a = parseEvent(ev('43D7DB3B-8984-4CDA-B237-8C6919B36670'));
    expect(a.ok && a.event.run?.runId).toBe('43d7db3b-8984-4cda-b237-8c6919b36670');
    const txid = 'AB'.repeat(32);
    const b = parseEvent(ev(txid));
    expect(b.ok && b.event.run?.runId).toBe(txid);
    for (const bad of ['', ' x', 'a\nb', 'x'.repeat(256)]) expect(parseEvent(ev(bad)).ok).toBe(false);
  });

  it('is strict on job name and namespace', () => {
    const r = parseEvent({ eventTime: '2024-01-01T00:00:00Z', producer: 'p', run: { runId: 'r' }, job: { namespace: 'n' } });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map((i) => i.path)).toContain('job.name');
  });
});

describe('caps name the limit they enforce', () => {
  const ev = (extra: Record<string, unknown>) => ({ eventTime: '2024-01-01T00:00:00Z', producer: 'p', run: { runId: 'r' }, job: { namespace: 'n', name: 'j' }, ...extra });
  const ds = (n: number, p: string) => Array.from({ length: n }, (_, i) => ({ namespace: 'n', name: `${p}${i}` }));
  const messageOf = (raw: unknown) => {
    const r = parseEvent(raw);
    return r.ok ? '' : r.issues.map((i) => i.message).join(' | ');
  };

  it('event size', () => {
    const big = ev({ run: { runId: 'r', facets: { blob: { data: 'x'.repeat(OL_LIMITS.maxEventBytes) } } } });
    expect(messageOf(big)).toMatch(/maxEventBytes.*limit 1048576/);
  });
  it('name length in UTF-8 bytes', () => {
    expect(messageOf(ev({ job: { namespace: 'n', name: 'é'.repeat(513) } }))).toMatch(/maxNameLength: limit 1024/);
    expect(parseEvent(ev({ job: { namespace: 'n', name: 'é'.repeat(512) } })).ok).toBe(true);
  });
  it('inputs, outputs and their product', () => {
    expect(messageOf(ev({ inputs: ds(OL_LIMITS.maxInputs + 1, 'i') }))).toMatch(/maxInputs: limit 1000/);
    expect(messageOf(ev({ outputs: ds(OL_LIMITS.maxOutputs + 1, 'o') }))).toMatch(/maxOutputs: limit 1000/);
    expect(messageOf(ev({ inputs: ds(101, 'i'), outputs: ds(100, 'o') }))).toMatch(/maxEdgesPerEvent: 10100 > limit 10000/);
  });
  it('nesting depth, NUL characters and unpaired surrogates (jsonb would refuse them)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = [deep];
    expect(messageOf(ev({ run: { runId: 'r', facets: { f: { deep } } } }))).toMatch(/maxJsonDepth/);
    expect(messageOf(ev({ producer: 'a\u0000b' }))).toMatch(/NUL/);
    expect(messageOf(ev({ producer: 'a\ud800b' }))).toMatch(/surrogate/);
  });
});

describe('facets as the specification has them', () => {
  const ev = (extra: Record<string, unknown>) => ({ eventTime: '2024-01-01T00:00:00Z', producer: 'p', run: { runId: 'r' }, job: { namespace: 'n', name: 'j' }, ...extra });
  const base = { _producer: 'https://example.test/p', _schemaURL: 'https://openlineage.io/spec/facets/1-0-1/OwnershipJobFacet.json' };
  const issuesOf = (raw: unknown) => {
    const r = parseEvent(raw);
    return r.ok ? [] : r.issues.map((i) => i.path);
  };

  it('ownership: owners is optional on jobs and datasets, an owner name may be any string, an owner without one is refused', () => {
    expect(issuesOf(ev({ job: { namespace: 'n', name: 'j', facets: { ownership: base } } }))).toEqual([]);
    expect(issuesOf(ev({ outputs: [{ namespace: 'n', name: 'o', facets: { ownership: base } }] }))).toEqual([]);
    expect(issuesOf(ev({ job: { namespace: 'n', name: 'j', facets: { ownership: { ...base, owners: [{ name: '' }, { name: 'team:data', type: 'MAINTAINER' }] } } } }))).toEqual([]);
    expect(issuesOf(ev({ job: { namespace: 'n', name: 'j', facets: { ownership: { ...base, owners: [{ type: 'MAINTAINER' }] } } } }))).toEqual(['job.facets.ownership.owners.0.name']);
    expect(issuesOf(ev({ inputs: [{ namespace: 'n', name: 'i', facets: { ownership: { ...base, owners: [{ name: 7 }] } } }] }))).toEqual(['inputs.0.facets.ownership.owners.0.name']);
  });

  it('the deletion marker {"_deleted": true} is accepted for any facet, in every facet map, whatever the facet otherwise requires', () => {
    const del = { _deleted: true };
    const r = parseEvent(
      ev({
        run: { runId: 'r', facets: { parent: del, nominalTime: del } },
        job: { namespace: 'n', name: 'j', facets: { ownership: del, lineage: del, sql: del } },
        inputs: [{ namespace: 'n', name: 'i', facets: { ownership: del, lineage: del, schema: del }, inputFacets: { dataQualityMetrics: del } }],
        outputs: [{ namespace: 'n', name: 'o', facets: { ownership: { ...base, _deleted: true, owners: 'not a list' } }, outputFacets: { outputStatistics: del } }],
      }),
    );
    expect(r.ok).toBe(true);
    // a deleted lineage facet states no edges
    if (r.ok) expect(r.event.explicitEdges).toEqual([]);
    expect(parseEvent({ eventTime: '2024-01-01T00:00:00Z', producer: 'p', dataset: { namespace: 'n', name: 'd', facets: { ownership: del } } }).ok).toBe(true);
    // _deleted: false is no marker: the facet is checked as usual
    expect(issuesOf(ev({ job: { namespace: 'n', name: 'j', facets: { ownership: { _deleted: false, owners: [{}] } } } }))).toEqual(['job.facets.ownership.owners.0.name']);
  });

  it('parent: run.runId, job.namespace and job.name are required, and may be any strings', () => {
    const parent = (run: unknown, job: unknown) => ev({ run: { runId: 'r', facets: { parent: { ...base, run, job } } } });
    expect(issuesOf(parent({ runId: '' }, { namespace: '', name: '' }))).toEqual([]);
    expect(issuesOf(parent({ runId: 'x' }, { namespace: 'n' }))).toEqual(['run.facets.parent.job.name']);
    expect(issuesOf(parent({}, { namespace: 'n', name: 'p' }))).toEqual(['run.facets.parent.run.runId']);
  });

  it('explicit lineage: LineageJobFacet\'s lineage list states edges as LineageFacet\'s entries do; any source type is taken, only DATASET makes edges', () => {
    const ds = (namespace: string, name: string) => ({ type: 'DATASET', namespace, name });
    const r = parseEvent(
      ev({
        job: {
          namespace: 'n', name: 'j',
          facets: { lineage: { ...base, lineage: [{ ...ds('n', 't'), inputs: [ds('n', 's'), { type: 'STREAM', namespace: 'k', name: 'topic' }], fields: { c: { inputs: [{ ...ds('n', 'u'), field: 'c' }] } } }] } },
        },
      }),
    );
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.event.explicitEdges.map((e) => `${e.from.name}>${e.to.name}`).sort()).toEqual(['s>t', 'u>t']);
    expect(issuesOf(ev({ job: { namespace: 'n', name: 'j', facets: { lineage: { ...base } } } }))).toEqual(['job.facets.lineage.entries']);
    expect(issuesOf(ev({ job: { namespace: 'n', name: 'j', facets: { lineage: { entries: [{ type: 'DATASET', namespace: 'n', name: 'a\u0001b' }] } } } }))).toEqual(['job.facets.lineage.entries.0.name']);
  });

  it('the event size cap is the caller\'s setting, and its refusal names OL_MAX_EVENT_BYTES', () => {
    const big = ev({ run: { runId: 'r', facets: { blob: { data: 'x'.repeat(2 * 1024 * 1024) } } } });
    const refused = parseEvent(big);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.issues[0]!.message).toMatch(/maxEventBytes: \d+ > limit 1048576 bytes; the limit is the OL_MAX_EVENT_BYTES setting/);
    expect(parseEvent(big, { maxEventBytes: 3 * 1024 * 1024 }).ok).toBe(true);
    const small = parseEvent(ev({}), { maxEventBytes: 64 });
    expect(small.ok).toBe(false);
    if (!small.ok) expect(small.issues[0]!.message).toMatch(/> limit 64 bytes/);
  });
});

describe('event hash', () => {
  it('does not depend on key order or whitespace', async () => {
    const raw = (await fixture('marquez-repo/events/event_full.json')) as Record<string, unknown>;
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(raw).reverse()), null, 2));
    expect(await eventHash(reordered)).toBe(await eventHash(raw));
    expect(await eventHash({ ...raw, eventTime: '2020-01-01T00:00:00Z' })).not.toBe(await eventHash(raw));
  });
  it('is SHA-256 of the RFC 8785 form', async () => {
    expect(canonicalJson({ b: [1, 'x'], a: { d: 1e21, c: null } })).toBe('{"a":{"c":null,"d":1e+21},"b":[1,"x"]}');
    expect(await eventHash({})).toBe('44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });
});

describe('property: parsing never throws', () => {
  it('returns a result for arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = parseEvent(v);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500 },
    );
  });
  it('returns a result for event-shaped values with garbage in every slot', () => {
    const slot = fc.oneof(fc.anything(), fc.string(), fc.constant(undefined));
    const shaped = fc.record({
      eventTime: fc.oneof(slot, fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
      producer: slot,
      eventType: fc.oneof(slot, fc.constantFrom('START', 'COMPLETE', 'start')),
      run: fc.oneof(slot, fc.record({ runId: slot, facets: fc.oneof(slot, fc.dictionary(fc.string(), fc.anything())) })),
      job: fc.oneof(slot, fc.record({ namespace: slot, name: slot, facets: slot })),
      inputs: fc.oneof(slot, fc.array(fc.record({ namespace: slot, name: slot, facets: slot }))),
    });
    fc.assert(fc.property(shaped, (v) => void parseEvent(v)), { numRuns: 500 });
  });
  it('accepts every well-formed minimal RunEvent', () => {
    const name = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !/[\u0000-\u001f\u007f]/.test(s) && !/[\ud800-\udfff]/.test(s));
    fc.assert(
      fc.property(name, name, fc.uuid(), fc.date({ min: new Date('1970-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), (ns, jn, runId, t) => {
        const r = parseEvent({ eventTime: t.toISOString(), producer: 'p', run: { runId }, job: { namespace: ns, name: jn } });
        expect(r.ok).toBe(true);
        if (r.ok) expect(r.event.eventTime).toBe(t.toISOString());
      }),
      { numRuns: 300 },
    );
  });
});

describe('publish and recall events', () => {
  const versionId = 'a'.repeat(64);
  const parents = ['c'.repeat(64), 'b'.repeat(64), 'c'.repeat(64)];
  const txid = '1'.repeat(64);

  it('publish: overlay namespace, publish:: job, txid runId, parents as inputs, deterministic', async () => {
    const e = await publishEvent({ env: 'prod', versionId, txid, parents, producedAt: '2024-05-01T10:00:00Z' });
    expect(parseEvent(e).ok).toBe(true);
    expect(e).toMatchObject({
      eventType: 'COMPLETE',
      eventTime: '2024-05-01T10:00:00.000Z',
      run: { runId: txid },
      job: { namespace: 'overlay:prod', name: `publish::${versionId}` },
      inputs: [{ namespace: 'overlay:prod', name: 'b'.repeat(64) }, { namespace: 'overlay:prod', name: 'c'.repeat(64) }],
      outputs: [{ namespace: 'overlay:prod', name: versionId }],
    });
    const again = await publishEvent({ env: 'prod', versionId, txid, parents: [...parents].reverse(), producedAt: '2024-05-01T10:00:00.000Z' });
    expect(await eventHash(again)).toBe(await eventHash(e));
  });

  it('publish without txid: runId is sha256(versionId|producedAt)', async () => {
    const e = await publishEvent({ env: 'dev', versionId, parents: [], producedAt: '2024-05-01T10:00:00Z' });
    expect((e.run as { runId: string }).runId).toMatch(/^[0-9a-f]{64}$/);
    expect(e.inputs).toEqual([]);
  });

  it('recall: same run, RETRACTED lifecycle facet on the run and the dataset', async () => {
    const e = await recallEvent({ env: 'prod', versionId, txid, producedAt: '2024-05-01T10:00:00Z', recalledAt: '2024-06-01T00:00:00Z' });
    const r = parseEvent(e);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.event.run?.runId).toBe(txid);
      expect(isRetracted(r.event.run?.facets ?? {})).toBe(true);
      expect(isRetracted(r.event.outputs[0]?.facets ?? {})).toBe(true);
    }
  });

  it('refuses bad input with field issues', async () => {
    await expect(publishEvent({ env: 'Prod!', versionId, parents: [], producedAt: 'x' })).rejects.toMatchObject({ code: 'validation-failed' });
  });
});
