/** Scheduled jobs and core queue jobs, through the real in-process queue and PGlite. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cacheKeys } from '@strata/core/cache/index';
import { runScheduledJobs } from '@strata/core/jobs/schedule';
import { ingestEvents } from '@strata/core/lineage/ingest';
import { getRun } from '@strata/core/lineage/lookup';
import { lineageGraph } from '@strata/core/lineage/query';
import { manualClock } from '@strata/core/ports/clock';
import { getTip } from '@strata/core/spv/header-store';
import { mineChain } from '../support/chain';
import { testCtx } from '../support/ctx';
import { embeddedDeps, type TestStack } from '../support/deps';

const V = 'ab'.repeat(32);

describe('scheduled and queued core jobs', () => {
  let stack: TestStack;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-jobs-'));
    stack = await embeddedDeps({ HEADERS_SOURCE: join(dir, 'headers.json'), OUTBOX_SWEEP_AFTER_SEC: '0' });
  });
  afterAll(async () => {
    await stack.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('cache.invalidate jobs delete the key in Kv', async () => {
    const key = cacheKeys.asset(V);
    await stack.deps.kv.set(key, 'cached');
    await stack.deps.queue.send([{ type: 'cache.invalidate', payload: { keys: [key] } }]);
    await stack.settle();
    expect(await stack.deps.kv.mget([key])).toEqual([null]);
  });

  it('a malformed cache.invalidate job is dead-lettered, not retried forever', async () => {
    await stack.deps.queue.send([{ type: 'cache.invalidate', payload: { keys: 'not-an-array' } }]);
    await stack.settle();
    const rows = await stack.deps.sql.query<{ job_type: string; last_error: string }>('SELECT job_type, last_error FROM dead_letters');
    expect(rows).toEqual([{ job_type: 'cache.invalidate', last_error: 'invalid cache.invalidate payload' }]);
  });

  it('outbox.sweep jobs and the outbox-sweep schedule apply pending rows', async () => {
    const key = cacheKeys.asset(V);
    await stack.deps.kv.set(key, 'stale');
    await stack.deps.sql.query('INSERT INTO cache_outbox (keys, tags) VALUES ($1::text[], $2::text[])', [[key], []]);
    await stack.deps.queue.send([{ type: 'outbox.sweep', payload: {} }]);
    await stack.settle();
    expect(await stack.deps.kv.mget([key])).toEqual([null]);
    const pending = await stack.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM cache_outbox WHERE applied_at IS NULL');
    expect(pending[0]!.n).toBe(0);

    await stack.deps.sql.query('INSERT INTO cache_outbox (keys, tags) VALUES ($1::text[], $2::text[])', [[key], []]);
    const [run] = await runScheduledJobs(stack.deps, ['outbox-sweep']);
    expect(run).toMatchObject({ job: 'outbox-sweep', status: 'ok', result: { applied: 1 } });
  });

  it('headers-refresh loads new headers from HEADERS_SOURCE and fails loudly when the source is gone', async () => {
    const chain = mineChain(3);
    const entries = chain.map((h) => ({ hash: h.hash, prevHash: h.prevHash, merkleRoot: h.merkleRoot, height: h.height, raw: h.hex }));
    await writeFile(join(dir, 'headers.json'), JSON.stringify({ bestHeight: 2, tipHash: chain[2]!.hash, headers: entries }));
    const [ok] = await runScheduledJobs(stack.deps, ['headers-refresh']);
    expect(ok).toMatchObject({ status: 'ok', result: { status: 'ok', inserted: 3 } });
    expect((await getTip(stack.deps.sql))?.hash).toBe(chain[2]!.hash);

    await rm(join(dir, 'headers.json'));
    const [failed] = await runScheduledJobs(stack.deps, ['headers-refresh']);
    expect(failed).toMatchObject({ job: 'headers-refresh', status: 'failed' });
  });

  it('lineage-partitions makes this month and the next two, so events stop landing in the default partition', async () => {
    const ev = (runId: string, eventTime: string) => ({ eventType: 'START', eventTime, producer: 'https://example.test', run: { runId }, job: { namespace: 'jobs', name: 'j' } });
    // a date far past the months the migration made: the event goes to the default partition
    await ingestEvents(stack.deps.sql, [ev('late-1', '2031-05-20T10:00:00Z')]);
    const inDefault = async () => (await stack.deps.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM ol_events_default WHERE run_id LIKE 'late-%'"))[0]!.n;
    expect(await inDefault()).toBe(1);
    const later = { ...stack.deps, clock: manualClock(Date.parse('2031-05-31T23:00:00Z')) };
    const [run] = await runScheduledJobs(later, ['lineage-partitions']);
    expect(run).toMatchObject({ job: 'lineage-partitions', status: 'ok', result: { created: 3 } });
    expect((await runScheduledJobs(later, ['lineage-partitions']))[0]).toMatchObject({ status: 'ok', result: { created: 0 } });
    // the earlier row moved into its month; a new one in the next month lands in its own partition
    await ingestEvents(stack.deps.sql, [ev('late-2', '2031-07-01T00:00:00Z')]);
    expect(await inDefault()).toBe(0);
    const parts = await stack.deps.sql.query<{ p: string; n: number }>(
      "SELECT tableoid::regclass::text AS p, count(*)::int AS n FROM ol_events WHERE run_id LIKE 'late-%' GROUP BY 1 ORDER BY 1",
    );
    expect(parts).toEqual([{ p: 'ol_events_203105', n: 1 }, { p: 'ol_events_203107', n: 1 }]);
  });

  it('reports jobs that have no implementation as skipped', async () => {
    // every scheduled name has an implementation now; a table without one must still report it
    const [run] = await runScheduledJobs(stack.deps, ['receipt-reconcile'], {});
    expect(run).toEqual({ job: 'receipt-reconcile', status: 'skipped', reason: 'not implemented' });
  });
});

describe('lineage-partitions with a retention window (OL_EVENTS_RETAIN_MONTHS=2)', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await embeddedDeps({ OL_EVENTS_RETAIN_MONTHS: '2' });
  });
  afterAll(async () => stack?.close());

  const ev = (runId: string, eventType: string, eventTime: string, io: { inputs?: string[]; outputs?: string[] } = {}) => ({
    eventType, eventTime, producer: 'https://example.test', run: { runId }, job: { namespace: 'ret', name: 'j' },
    inputs: (io.inputs ?? []).map((name) => ({ namespace: 'ret', name })), outputs: (io.outputs ?? []).map((name) => ({ namespace: 'ret', name })),
  });
  const count = async (sql: string, params: unknown[] = []) => (await stack.deps.sql.query<{ n: number }>(sql, params as never))[0]!.n;
  const lines = async (key: string) => {
    const obj = await stack.deps.blobs.get(key);
    return obj ? gunzipSync(obj.body).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { event_hash: string; payload: { run: { runId: string } } }) : null;
  };

  it('archives and drops raw events before the window with their dedupe rows; the graph, runs and jobs stay', async () => {
    const late = ev('ret-1', 'COMPLETE', '2031-01-20T00:00:00Z', { inputs: ['a'], outputs: ['b'] });
    await ingestEvents(stack.deps.sql, [ev('ret-1', 'START', '2031-01-10T00:00:00Z'), late, ev('ret-2', 'COMPLETE', '2031-03-05T00:00:00Z', { inputs: ['c'], outputs: ['d'] })]);
    const job = { ...stack.deps, clock: manualClock(Date.parse('2031-04-15T12:00:00Z')) };
    const [run] = await runScheduledJobs(job, ['lineage-partitions']);
    // window = April and March 2031: January goes with its rows; March stays (the empty months the
    // migration made in its own present, years before this clock, go too)
    expect(run).toMatchObject({ status: 'ok' });
    const archived = (run as unknown as { result: { archived: string[] } }).result.archived;
    expect(archived.filter((a) => a.startsWith('ol_events_2031'))).toEqual(['ol_events_203101 (2 rows)']);
    expect(archived.filter((a) => !a.startsWith('ol_events_2031')).every((a) => a.endsWith('(0 rows)'))).toBe(true);
    expect((await lines('lineage/events/ol_events_203101.jsonl.gz'))!.map((l) => l.payload.run.runId)).toEqual(['ret-1', 'ret-1']);
    expect(await stack.deps.blobs.head('lineage/events/ol_events_203102.jsonl.gz')).toBeNull();
    expect(await count(`SELECT count(*)::int AS n FROM ol_events WHERE event_time < '2031-03-01'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM ol_event_hashes WHERE event_time < '2031-03-01'`)).toBe(0);
    expect(await count(`SELECT count(*)::int AS n FROM ol_events_203103`)).toBe(1);
    expect(await count(`SELECT count(*)::int AS n FROM ol_events_default`)).toBe(0);
    // what queries read is untouched
    expect(await getRun({ deps: stack.deps, ctx: testCtx(), input: { runId: 'ret-1' } })).toMatchObject({ state: 'COMPLETE' });
    const g = await lineageGraph(stack.deps.sql, { namespace: 'ret', name: 'b', depth: 2, direction: 'up' });
    expect(g?.nodes.map((n) => n.name).sort()).toEqual(['a', 'b']);

    // a redelivery of an archived event is new again, changes nothing derived, and the next run
    // archives it to a second file: the first one is never overwritten
    const again = await ingestEvents(stack.deps.sql, [late]);
    expect(again).toMatchObject({ stored: 1, duplicates: 0 });
    expect(await getRun({ deps: stack.deps, ctx: testCtx(), input: { runId: 'ret-1' } })).toMatchObject({ state: 'COMPLETE' });
    const [second] = await runScheduledJobs(job, ['lineage-partitions']);
    expect(second).toMatchObject({ status: 'ok', result: { archived: ['ol_events_203101 (1 rows)'] } });
    expect(await lines('lineage/events/ol_events_203101.jsonl.gz')).toHaveLength(2);
    // the blob store has no listing verb; the second file's key carries the run's clock
    expect((await lines(`lineage/events/ol_events_203101.${Date.parse('2031-04-15T12:00:00Z')}.jsonl.gz`))!.map((l) => l.event_hash)).toEqual([again.results[0]!.ok ? again.results[0]!.eventHash : '']);
  });
});
