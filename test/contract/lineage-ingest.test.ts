/**
 * Ingest against real PostgreSQL (PGlite always, local PostgreSQL when reachable): idempotency,
 * forward-only run state, partial success, facet merging, partitions and the stored shapes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { eventHash } from '@strata/core/lineage/canonical';
import {
  ensureEventPartitions,
  getDataset,
  getJob,
  getRun,
  ingestEvents,
  publishEvent,
  recallEvent,
  isRetracted,
} from '@strata/core/lineage/index';
import type { Row, Sql, Statement } from '@strata/core/ports/sql';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { testCtx } from '../support/ctx';
import { describeWith } from '../support/reachable';
import { fixture, fixtureFiles, forEachLineageStore, migrateLineage, seedEvents } from '../support/lineage-harness';

const count = async (sql: Sql, text: string, params: string[] = []) => Number((await sql.query<{ n: number }>(text, params))[0]?.n);
const apples = async () => Promise.all((await fixtureFiles('marquez-repo/apples/')).map(fixture));

const runEvent = (runId: string, eventType: string, eventTime: string, extra: Record<string, unknown> = {}) => ({
  eventType,
  eventTime,
  producer: 'https://example.test/producer',
  run: { runId },
  job: { namespace: 'late', name: 'job' },
  ...extra,
});

await forEachLineageStore('lineage ingest', (store) => {
  it('stores the Marquez demo seed: 13 jobs, 13 datasets, 27 job–dataset edges, 13 dataset edges, 13 complete runs', async () => {
    const sql = store();
    const out = await ingestEvents(sql, await seedEvents());
    expect(out).toMatchObject({ stored: 26, duplicates: 0, invalid: 0, namespaces: ['food_delivery'] });
    expect(await count(sql, `SELECT count(*)::int AS n FROM ol_jobs WHERE namespace = 'food_delivery'`)).toBe(13);
    expect(await count(sql, `SELECT count(*)::int AS n FROM ol_datasets WHERE namespace = 'food_delivery'`)).toBe(13);
    expect(await count(sql, `SELECT count(*)::int AS n FROM ol_job_io`)).toBe(27);
    expect(await count(sql, `SELECT count(*)::int AS n FROM ol_edges`)).toBe(13);
    expect(await count(sql, `SELECT count(*)::int AS n FROM ol_events`)).toBe(26);
    const states = await sql.query<{ state: string; n: number; timed: number }>(
      `SELECT state, count(*)::int AS n, count(*) FILTER (WHERE start_time < end_time)::int AS timed FROM ol_runs GROUP BY state`,
    );
    expect(states).toEqual([{ state: 'COMPLETE', n: 13, timed: 13 }]);

    // a job's and a run's inputs and outputs, as the events declared them (the run's from its stored events)
    const ds = (...names: string[]) => names.map((name) => ({ namespace: 'food_delivery', name }));
    const io = { inputs: ds('public.categories', 'public.menu_items', 'public.menus', 'public.orders'), outputs: ds('public.orders_7_days') };
    expect(await getJob({ deps: { sql }, ctx: testCtx(), input: { namespace: 'food_delivery', name: 'etl_orders_7_days' } })).toMatchObject(io);
    expect(await getRun({ deps: { sql }, ctx: testCtx(), input: { runId: 'FFBA2C14-4170-48DA-BEC3-AB5FD4EC9A3F' } })).toMatchObject({ job_name: 'etl_orders_7_days', ...io });
    // the COMPLETE event of etl_menus names no datasets: the run keeps what its START declared
    expect(await getRun({ deps: { sql }, ctx: testCtx(), input: { runId: '4d3b8069-69b6-4708-ade0-3275112c9f04' } })).toMatchObject({ inputs: [], outputs: ds('public.menus') });
  });

  it('absorbs duplicates: across calls, inside one batch, and whatever the key order', async () => {
    const sql = store();
    const events = await apples();
    const first = await ingestEvents(sql, events);
    expect(first.stored).toBe(7);
    const snapshot = async () => ({
      events: await count(sql, 'SELECT count(*)::int AS n FROM ol_events'),
      runs: await count(sql, 'SELECT count(*)::int AS n FROM ol_runs'),
      edges: await count(sql, 'SELECT count(*)::int AS n FROM ol_edges'),
      io: await count(sql, 'SELECT count(*)::int AS n FROM ol_job_io'),
      updated: (await sql.query(`SELECT max(updated_at)::text AS t FROM ol_datasets`))[0]?.t,
    });
    const before = await snapshot();
    expect(before).toMatchObject({ events: 7, runs: 7, edges: 9 });

    const reordered = events.map((e) => JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(e as object).reverse()))));
    const again = await ingestEvents(sql, [...events, ...reordered]);
    expect(again).toMatchObject({ stored: 0, duplicates: 14, namespaces: [] });
    expect(again.results.every((r) => r.ok && r.duplicate)).toBe(true);
    // duplicates never touch derived rows, not even their updated_at
    expect(await snapshot()).toEqual(before);

    const fresh = runEvent('dup-in-batch', 'COMPLETE', '2024-01-01T00:00:00Z');
    const inBatch = await ingestEvents(sql, [fresh, { ...fresh }]);
    expect(inBatch.results.map((r) => r.ok && r.duplicate)).toEqual([false, true]);
    expect(await count(sql, `SELECT count(*)::int AS n FROM ol_runs WHERE run_id = 'dup-in-batch'`)).toBe(1);
  });

  it('a late START never undoes a COMPLETE, across batches and inside one', async () => {
    const sql = store();
    await ingestEvents(sql, [runEvent('r1', 'COMPLETE', '2024-01-01T10:05:00Z')]);
    await ingestEvents(sql, [runEvent('r1', 'START', '2024-01-01T10:00:00Z'), runEvent('r1', 'RUNNING', '2024-01-01T10:01:00Z')]);
    expect(await getRun({ deps: { sql }, ctx: testCtx(), input: { runId: 'r1' } })).toMatchObject({
      state: 'COMPLETE',
      start_time: '2024-01-01T10:00:00.000Z',
      end_time: '2024-01-01T10:05:00.000Z',
    });

    await ingestEvents(sql, [runEvent('r2', 'FAIL', '2024-01-01T10:05:00Z'), runEvent('r2', 'START', '2024-01-01T10:00:00Z')]);
    await ingestEvents(sql, [runEvent('r2', 'COMPLETE', '2024-01-01T10:03:00Z')]);
    expect(await getRun({ deps: { sql }, ctx: testCtx(), input: { runId: 'r2' } })).toMatchObject({ state: 'FAIL', end_time: '2024-01-01T10:05:00.000Z' });

    await ingestEvents(sql, [runEvent('r3', 'START', '2024-01-01T10:00:00Z')]);
    expect((await getRun({ deps: { sql }, ctx: testCtx(), input: { runId: 'r3' } }))?.state).toBe('START');
    await ingestEvents(sql, [runEvent('r3', 'RUNNING', '2024-01-01T10:01:00Z')]);
    expect((await getRun({ deps: { sql }, ctx: testCtx(), input: { runId: 'r3' } }))?.state).toBe('RUNNING');
  });

  it('partial success: invalid events reported by index, valid ones stored', async () => {
    const sql = store();
    const noRunId = await fixture('openlineage-repo/negative/fluentd_event_no_run_id.json');
    const out = await ingestEvents(sql, [runEvent('ok1', 'START', '2024-01-01T00:00:00Z'), noRunId, 'not an event', runEvent('ok2', 'START', '2024-01-01T00:00:00Z')]);
    expect(out.results.map((r) => [r.index, r.ok])).toEqual([[0, true], [1, false], [2, false], [3, true]]);
    const bad = out.results[1];
    expect(bad && !bad.ok && bad.issues.map((i) => i.path)).toContain('run.runId');
    expect(out).toMatchObject({ stored: 2, invalid: 2 });
    expect(await count(sql, 'SELECT count(*)::int AS n FROM ol_runs')).toBe(2);
  });

  it('rejects a batch over maxBatchEvents before touching the database', async () => {
    await expect(ingestEvents(store(), Array(1001).fill({}))).rejects.toMatchObject({ code: 'payload-too-large' });
  });

  it('stores every Marquez and OpenLineage event fixture, the 220 KB one byte-for-byte as JSON', async () => {
    const sql = store();
    const files = [...(await fixtureFiles('marquez-repo/events/')), ...(await fixtureFiles('openlineage-repo/events/'))];
    const raws = await Promise.all(files.map(fixture));
    const out = await ingestEvents(sql, raws);
    expect(out.invalid).toBe(0);
    // every event's hash is SHA-256 of its RFC 8785 form, whatever order or spacing it was sent in
    expect(out.results.map((r) => (r.ok ? r.eventHash : null))).toEqual(raws.map((r) => eventHash(r)));
    const large = await fixture('marquez-repo/events/event_large.json');
    const idx = files.indexOf('marquez-repo/events/event_large.json');
    const hash = out.results[idx]?.ok ? out.results[idx].eventHash : '';
    const [row] = await sql.query<{ payload: unknown; kind: string }>('SELECT payload, kind FROM ol_events WHERE event_hash = $1', [hash]);
    expect(row?.payload).toEqual(large);
    // DatasetEvent: the dataset with its facets; JobEvent: job–dataset and dataset edges without a run
    expect((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'my-dataset-namespace', name: 'my-dataset-name' } }))?.facets.schema).toBeDefined();
    const jobEdge = await sql.query<{ last_run_id: string | null }>(
      `SELECT e.last_run_id FROM ol_edges e JOIN ol_datasets s ON s.id = e.src_id JOIN ol_datasets d ON d.id = e.dst_id
        WHERE s.name = 'instance.schema.input-1' AND d.name = 'instance.schema.output-1' AND s.namespace = 'my-datasource-namespace'`,
    );
    expect(jobEdge.length).toBe(1);
  });

  it('merges facets by name; an older event only fills in facets not yet present', async () => {
    const sql = store();
    const out = (facets: Record<string, unknown>) => ({ outputs: [{ namespace: 'm', name: 'ds', facets }] });
    await ingestEvents(sql, [runEvent('f1', 'COMPLETE', '2024-01-02T00:00:00Z', out({ a: { v: 'new' } }))]);
    await ingestEvents(sql, [runEvent('f0', 'COMPLETE', '2024-01-01T00:00:00Z', out({ a: { v: 'old' }, b: { v: 'old' } }))]);
    expect((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'm', name: 'ds' } }))?.facets).toEqual({ a: { v: 'new' }, b: { v: 'old' } });
    await ingestEvents(sql, [runEvent('f2', 'COMPLETE', '2024-01-03T00:00:00Z', out({ b: { v: 'newest' } }))]);
    expect((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'm', name: 'ds' } }))?.facets).toEqual({ a: { v: 'new' }, b: { v: 'newest' } });
  });

  it('a deletion marker removes the stored facet of its name on datasets and jobs, as Marquez does; an older one removes nothing', async () => {
    const sql = store();
    const ev = (runId: string, time: string, jobFacets: Record<string, unknown>, dsFacets: Record<string, unknown>) => ({
      ...runEvent(runId, 'COMPLETE', time),
      job: { namespace: 'del', name: 'job', facets: jobFacets },
      outputs: [{ namespace: 'del', name: 'ds', facets: dsFacets }],
    });
    const owners = { _producer: 'p', _schemaURL: 's', owners: [{ name: 'team:data' }] };
    const doc = { _producer: 'p', _schemaURL: 's', description: 'd' };
    await ingestEvents(sql, [ev('d1', '2024-03-01T00:00:00Z', { ownership: owners, documentation: doc }, { ownership: owners, documentation: doc })]);
    // newer: ownership deleted (the bare marker, and the marker with the base facet members)
    await ingestEvents(sql, [ev('d2', '2024-03-02T00:00:00Z', { ownership: { _deleted: true } }, { ownership: { _producer: 'p', _schemaURL: 's', _deleted: true } })]);
    expect((await getJob({ deps: { sql }, ctx: testCtx(), input: { namespace: 'del', name: 'job' } }))?.facets).toEqual({ documentation: doc });
    expect((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'del', name: 'ds' } }))?.facets).toEqual({ documentation: doc });
    // an older marker does not delete a newer facet; a later facet of the name comes back
    await ingestEvents(sql, [ev('d0', '2024-02-01T00:00:00Z', { documentation: { _deleted: true } }, { documentation: { _deleted: true } })]);
    expect((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'del', name: 'ds' } }))?.facets).toEqual({ documentation: doc });
    await ingestEvents(sql, [ev('d3', '2024-03-03T00:00:00Z', { ownership: owners }, { ownership: owners })]);
    expect((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'del', name: 'ds' } }))?.facets).toEqual({ documentation: doc, ownership: owners });
    // inside one batch the newest wins: a marker then the facet keeps it, the facet then a marker drops it
    await ingestEvents(sql, [
      ev('d4', '2024-03-04T00:00:00Z', {}, { ownership: { _deleted: true } }),
      ev('d5', '2024-03-05T00:00:00Z', {}, { ownership: owners, documentation: { _deleted: true } }),
    ]);
    expect((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'del', name: 'ds' } }))?.facets).toEqual({ ownership: owners });
    // a dataset first seen with a marker is stored without that facet
    await ingestEvents(sql, [{ ...runEvent('d6', 'COMPLETE', '2024-03-06T00:00:00Z'), outputs: [{ namespace: 'del', name: 'fresh', facets: { schema: { _deleted: true }, documentation: doc } }] }]);
    expect((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'del', name: 'fresh' } }))?.facets).toEqual({ documentation: doc });
    // the raw events keep the markers as sent
    expect(await count(sql, `SELECT count(*)::int AS n FROM ol_events WHERE payload -> 'job' -> 'facets' -> 'ownership' ->> '_deleted' = 'true'`)).toBe(1);
  });

  it('merges job facets the same way; the latest run is the one with the newest state', async () => {
    const sql = store();
    const ev = (runId: string, type: string, time: string, facets?: Record<string, unknown>) =>
      ({ ...runEvent(runId, type, time), job: { namespace: 'jf', name: 'job', ...(facets ? { facets } : {}) } });
    await ingestEvents(sql, [ev('r2', 'START', '2024-01-02T00:00:00Z', { a: { v: 'new' } })]);
    await ingestEvents(sql, [ev('r1', 'COMPLETE', '2024-01-01T00:00:00Z', { a: { v: 'old' }, b: { v: 'old' } })]);
    expect(await getJob({ deps: { sql }, ctx: testCtx(), input: { namespace: 'jf', name: 'job' } })).toMatchObject({ facets: { a: { v: 'new' }, b: { v: 'old' } }, latest_run_id: 'r2' });
    // events without facets change no facets; a later event that does not advance an older run's
    // state (OTHER after COMPLETE) does not make that run the latest, a newer state does (r3 below)
    await ingestEvents(sql, [ev('r1', 'OTHER', '2024-01-03T00:00:00Z'), ev('r3', 'START', '2024-01-01T12:00:00Z')]);
    expect(await getJob({ deps: { sql }, ctx: testCtx(), input: { namespace: 'jf', name: 'job' } })).toMatchObject({ facets: { a: { v: 'new' }, b: { v: 'old' } }, latest_run_id: 'r2' });
    await ingestEvents(sql, [ev('r3', 'COMPLETE', '2024-01-04T00:00:00Z', { b: { v: 'newest' } })]);
    expect(await getJob({ deps: { sql }, ctx: testCtx(), input: { namespace: 'jf', name: 'job' } })).toMatchObject({ facets: { a: { v: 'new' }, b: { v: 'newest' } }, latest_run_id: 'r3' });
  });

  it('an event that brings no new facets leaves its dataset and job rows unwritten', async () => {
    const sql = store();
    const ev = (n: number, facets: Record<string, unknown> = {}) => ({
      ...runEvent(`w${n}`, 'COMPLETE', `2024-02-0${n}T00:00:00Z`),
      job: { namespace: 'w', name: 'job', facets },
      inputs: [{ namespace: 'w', name: 'in', facets }],
      outputs: [{ namespace: 'w', name: 'out' }],
    });
    const versions = () => sql.query(`SELECT 'd:' || name AS k, xmin::text AS x FROM ol_datasets WHERE namespace = 'w' UNION ALL SELECT 'j:' || name, xmin::text FROM ol_jobs WHERE namespace = 'w' ORDER BY 1`);
    await ingestEvents(sql, [ev(1, { doc: { v: 1 } })]);
    const before = await versions();
    expect(before).toHaveLength(3);
    await ingestEvents(sql, [ev(2)]);
    // the same facets again, newer: the facet time moves, so the rows that carry them are written
    await ingestEvents(sql, [ev(3, { doc: { v: 1 } })]);
    const after = await versions();
    expect(after.find((r) => r.k === 'd:out')).toEqual(before.find((r) => r.k === 'd:out'));
    expect(after.find((r) => r.k === 'd:in')).not.toEqual(before.find((r) => r.k === 'd:in'));
    expect(after.find((r) => r.k === 'j:job')).not.toEqual(before.find((r) => r.k === 'j:job'));
    // activity is on the edge: first and last seen span all three events
    expect(await sql.query(`SELECT first_seen::date::text AS f, last_seen::date::text AS l FROM ol_edges`)).toEqual([{ f: '2024-02-01', l: '2024-02-03' }]);
  });

  it('publish then recall: one run, RETRACTED on the run and the dataset, job detail readable', async () => {
    const sql = store();
    const versionId = 'a'.repeat(64);
    const txid = 'f'.repeat(64);
    await ingestEvents(sql, [await publishEvent({ env: 'prod', versionId, txid, parents: [], producedAt: '2024-05-01T00:00:00Z' })]);
    expect(isRetracted((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'overlay:prod', name: versionId } }))!.facets)).toBe(false);
    const out = await ingestEvents(sql, [await recallEvent({ env: 'prod', versionId, txid, producedAt: '2024-05-01T00:00:00Z', recalledAt: '2024-06-01T00:00:00Z' })]);
    expect(out.namespaces).toEqual(['overlay:prod']);
    const run = await getRun({ deps: { sql }, ctx: testCtx(), input: { runId: txid } });
    expect(run).toMatchObject({ state: 'COMPLETE', namespace: 'overlay:prod', job_name: `publish::${versionId}` });
    expect(isRetracted(run!.facets)).toBe(true);
    expect(isRetracted((await getDataset({ deps: { sql }, ctx: testCtx(), input: { namespace: 'overlay:prod', name: versionId } }))!.facets)).toBe(true);
    expect(await count(sql, 'SELECT count(*)::int AS n FROM ol_runs')).toBe(1);
    expect(await getJob({ deps: { sql }, ctx: testCtx(), input: { namespace: 'overlay:prod', name: `publish::${versionId}` } })).toMatchObject({ latest_run_id: txid });
    expect(await getRun({ deps: { sql }, ctx: testCtx(), input: { runId: 'unknown' } })).toBeNull();
  });

  it('one batch round trip per ingest call, whatever the number of events', async () => {
    const real = store();
    const calls: string[] = [];
    // observes the real adapter's calls; every statement still runs on the real database
    const counting: Sql = {
      kind: real.kind,
      transaction: (fn) => (calls.push('transaction'), real.transaction(fn)),
      close: () => real.close(),
      query: <T extends Row = Row>(text: string, params?: readonly never[]) => (calls.push('query'), real.query<T>(text, params)),
      batch: (statements: readonly Statement[]) => (calls.push(`batch:${statements.length}`), real.batch(statements)),
    };
    const out = await ingestEvents(counting, await seedEvents());
    expect(out.stored).toBe(26);
    expect(calls).toEqual(['batch:8']);
  });

  it('property: any event the parser accepts is stored as sent, without a database error', async () => {
    const sql = store();
    const text = fc.string({ minLength: 1, maxLength: 12, unit: 'binary' });
    const facets = fc.dictionary(text, fc.dictionary(text, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 3 }), { maxKeys: 3 });
    // sometimes a LineageFacet naming other datasets (and jobs) as sources: explicit edges
    const ref = fc.oneof(fc.record({ type: fc.constant('DATASET'), namespace: text, name: text }), fc.record({ type: fc.constant('JOB') }), fc.record({ type: fc.constant('JOB'), namespace: text, name: text }));
    const dsFacets = fc.tuple(facets, fc.option(fc.record({ inputs: fc.array(ref, { maxLength: 3 }) }))).map(([f, lineage]) => (lineage ? { ...f, lineage } : f));
    const ds = fc.record({ namespace: text, name: text, facets: dsFacets });
    const event = fc.record({
      eventType: fc.constantFrom('START', 'RUNNING', 'COMPLETE', 'FAIL', 'ABORT', 'OTHER'),
      eventTime: fc.date({ min: new Date('2000-01-01'), max: new Date('2099-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
      producer: text,
      run: fc.record({ runId: fc.oneof(fc.uuid(), text), facets }),
      job: fc.record({ namespace: text, name: text, facets }),
      inputs: fc.array(ds, { maxLength: 3 }),
      outputs: fc.array(ds, { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(event, { minLength: 1, maxLength: 8 }), async (events) => {
        const out = await ingestEvents(sql, events);
        expect(out.results).toHaveLength(events.length);
        // the stored payload is the event as sent (as JSON values; it goes in as its RFC 8785 text)
        for (const r of out.results) {
          if (!r.ok) continue;
          const [row] = await sql.query<{ payload: unknown }>('SELECT payload FROM ol_events WHERE event_hash = $1', [r.eventHash]);
          expect(row?.payload).toEqual(JSON.parse(JSON.stringify(events[r.index])));
        }
        const again = await ingestEvents(sql, events);
        expect(again.stored).toBe(0);
      }),
      { numRuns: 25 },
    );
  });

  it('monthly partitions: made ahead, rows moved out of the default, dedupe still holds', async () => {
    const sql = store();
    const e = runEvent('p1', 'START', '2019-03-15T12:00:00Z');
    await ingestEvents(sql, [e]);
    expect(await count(sql, 'SELECT count(*)::int AS n FROM ol_events_default')).toBe(1);
    expect(await ensureEventPartitions(sql, { from: new Date('2019-03-01T00:00:00Z'), months: 2 })).toBe(2);
    expect(await ensureEventPartitions(sql, { from: new Date('2019-03-01T00:00:00Z'), months: 2 })).toBe(0);
    expect(await count(sql, 'SELECT count(*)::int AS n FROM ol_events_default')).toBe(0);
    expect(await count(sql, 'SELECT count(*)::int AS n FROM ol_events_201903')).toBe(1);
    expect((await ingestEvents(sql, [e])).duplicates).toBe(1);
    await ingestEvents(sql, [runEvent('p1', 'COMPLETE', '2019-04-01T00:00:00Z')]);
    expect(await count(sql, 'SELECT count(*)::int AS n FROM ol_events_201904')).toBe(1);
  });
});

await describeWith(['postgres'], 'lineage ingest: concurrent batches on PostgreSQL', () => {
  const dbs: TestDatabase[] = [];
  let parallel: Sql;
  let serial: Sql;
  beforeAll(async () => {
    dbs.push(await createTestDatabase('strata_olc'), await createTestDatabase('strata_ols'));
    parallel = createPgSql({ url: dbs[0]!.url, max: 6 });
    serial = createPgSql({ url: dbs[1]!.url, max: 1 });
    await migrateLineage(parallel);
    await migrateLineage(serial);
  });
  afterAll(async () => {
    await parallel?.close();
    await serial?.close();
    for (const db of dbs) await db.drop();
  });

  // Batches that share datasets and jobs, so concurrent batches contend for the same rows in
  // different orders. Values that the merge rules resolve by time (facets by name, latest run,
  // first/last seen) get distinct times; a facet's value depends only on its dataset (or job) and
  // name, so the expected end state does not depend on which batch commits first.
  function batches(seed: number): unknown[][] {
    let x = seed;
    const rand = (n: number) => ((x = (Math.imul(x, 1103515245) + 12345) >>> 0) % n);
    const ds = (i: number) => ({
      namespace: i % 3 === 0 ? 'conc:a' : 'conc:b',
      name: `t${i}`,
      ...(i % 4 === 0 ? { facets: { [`f${i % 3}`]: { _producer: 'p', _schemaURL: 's', v: `t${i}` } } } : {}),
    });
    const job = (i: number) => ({
      namespace: 'conc',
      name: `job-${i}`,
      ...(i % 3 === 0 ? { facets: { [`g${i % 2}`]: { _producer: 'p', _schemaURL: 's', v: `job-${i}` } } } : {}),
    });
    let time = Date.UTC(2024, 0, 1);
    return Array.from({ length: 8 }, (_, b) =>
      Array.from({ length: 150 }, (_, i) => {
        time += 1000 + rand(1000);
        const ins = Array.from({ length: 1 + rand(3) }, () => ds(rand(40)));
        const outs = Array.from({ length: 1 + rand(2) }, () => ds(rand(40)));
        return {
          eventType: ['START', 'RUNNING', 'COMPLETE', 'FAIL'][rand(4)],
          eventTime: new Date(time).toISOString(),
          producer: 'https://example.test/conc',
          run: { runId: `conc-${b}-${rand(60)}` },
          job: job(rand(12)),
          inputs: ins,
          outputs: outs.filter((o) => !ins.some((i) => i.name === o.name && i.namespace === o.namespace)),
        };
      }),
    );
  }

  const state = async (sql: Sql) => ({
    datasets: await sql.query(`SELECT namespace, name, facets, facets_time::text FROM ol_datasets ORDER BY 1, 2`),
    jobs: await sql.query(`SELECT namespace, name, facets, facets_time::text FROM ol_jobs ORDER BY 1, 2`),
    latestRuns: await Promise.all(Array.from({ length: 12 }, async (_, i) => (await getJob({ deps: { sql }, ctx: testCtx(), input: { namespace: 'conc', name: `job-${i}` } }))?.latest_run_id)),
    runs: await sql.query(`SELECT run_id, job_namespace, job_name, state, start_time::text, end_time::text, state_time::text FROM ol_runs ORDER BY 1`),
    edges: await sql.query(
      `SELECT s.namespace AS sns, s.name AS sn, d.namespace AS dns, d.name AS dn, e.first_seen::text, e.last_seen::text, e.last_run_id
         FROM ol_edges e JOIN ol_datasets s ON s.id = e.src_id JOIN ol_datasets d ON d.id = e.dst_id ORDER BY 1, 2, 3, 4`,
    ),
    jobIo: await sql.query(
      `SELECT j.job_namespace, j.job_name, j.direction, d.namespace, d.name, j.first_seen::text, j.last_seen::text
         FROM ol_job_io j JOIN ol_datasets d ON d.id = j.dataset_id ORDER BY 1, 2, 3, 4, 5`,
    ),
    events: await count(sql, 'SELECT count(*)::int AS n FROM ol_events'),
  });

  it('overlapping batches in parallel: no deadlock, nothing lost — the same tables as one batch at a time', async () => {
    const all = batches(7);
    // every batch twice, concurrently: redeliveries racing their originals
    const outcomes = await Promise.all([...all, ...all].map((b) => ingestEvents(parallel, b)));
    expect(outcomes.every((o) => o.invalid === 0)).toBe(true);
    expect(outcomes.reduce((n, o) => n + o.stored, 0)).toBe(8 * 150);
    for (const b of all) await ingestEvents(serial, b);
    const [p, s] = [await state(parallel), await state(serial)];
    expect(p.events).toBe(8 * 150);
    expect(p.datasets.length).toBeGreaterThan(30);
    expect(p.edges.length).toBeGreaterThan(100);
    expect(p).toEqual(s);
  });
});
