/**
 * LINEAGE_INGEST_MODE=async on the real in-process queue and PGlite / PostgreSQL: 202 then
 * stored; a consumer that crashes mid-batch (after committing part of it) loses nothing and
 * duplicates nothing on redelivery; a poison event (the database refuses it) is dead-lettered
 * alone while the rest of its batch is stored, and the admin replay stores it once fixed.
 */
import { expect, it } from 'vitest';
import { lineageIngestHandler } from '@strata/core/lineage/jobs';
import { adminAuth, type TestStack } from '../support/deps';
import { call, forEachStack, graph, ingest, ingestBatch, link, nodeNames } from '../support/lineage-http';

const env = { LINEAGE_INGEST_MODE: 'async', QUEUE_MAX_ATTEMPTS: '2', OL_QUERY_RATE_PER_MIN: '100000' };

async function countIn(s: TestStack, ns: string) {
  const r = await s.deps.sql.query<{ datasets: number; edges: number; events: number }>(
    `SELECT (SELECT count(*) FROM ol_datasets WHERE namespace = $1)::int AS datasets,
            (SELECT count(*) FROM ol_edges e JOIN ol_datasets d ON d.id = e.src_id WHERE d.namespace = $1)::int AS edges,
            (SELECT count(*) FROM ol_events WHERE payload->'outputs'->0->>'namespace' = $1)::int AS events`,
    [ns],
  );
  return r[0]!;
}

await forEachStack('lineage ingest through the queue', env, (stack) => {
  it('answers 202 with the event hash, stores on delivery, and the graph follows', async () => {
    const s = stack();
    const r = await ingest(s, link('q-1', [['q', 'a']], [['q', 'b']]));
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ status: 'queued', duplicate: false, eventHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const b = await ingestBatch(s, [link('q-2', [['q', 'b']], [['q', 'c']]), { run: {} }]);
    expect(b.status).toBe(202);
    expect(b.body).toMatchObject({ status: 'partial', queued: 1, invalid: 1 });
    await s.settle();
    const g = await graph(s, { node: 'dataset:q:a', direction: 'down' });
    expect(nodeNames(g.body)).toEqual(['a', 'b', 'c']);
  });

  it('a consumer crashing mid-batch after storing part of it: redelivered, nothing lost, nothing doubled', async () => {
    const s = stack();
    let crashes = 0;
    // the real handler, but the process "dies" after the first job of the first batch committed
    s.deps.jobs.on('lineage.ingest', async (deps, batch, ctxFor) => {
      if (crashes === 0 && batch.length > 1) {
        crashes++;
        await lineageIngestHandler(deps, batch.slice(0, 1), ctxFor);
        throw new Error('consumer crashed');
      }
      return lineageIngestHandler(deps, batch, ctxFor);
    });
    try {
      // 12 events of ~60 KB → 4 jobs of 3 sent together → one consumer call takes all 4
      const events = Array.from({ length: 12 }, (_, i) => ({ ...link(`crash-${i}`, [['crash', `d${i}`]], [['crash', `d${i + 1}`]]), pad: 'c'.repeat(60_000) }));
      expect((await ingestBatch(s, events)).status).toBe(202);
      await s.settle();
      expect(crashes).toBe(1);
      expect(await countIn(s, 'crash')).toEqual({ datasets: 13, edges: 12, events: 12 });
      const dead = await s.deps.sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM dead_letters WHERE payload::text LIKE '%crash-%'`);
      expect(dead[0]!.n).toBe(0);
    } finally {
      s.deps.jobs.on('lineage.ingest', lineageIngestHandler);
    }
  });

  it('a poison event is dead-lettered alone, the rest of its batch stored; replay stores it once fixed', async () => {
    const s = stack();
    const { sql } = s.deps;
    // a real database refusal for one dataset name (a trigger), not a stand-in consumer
    await sql.query(`CREATE OR REPLACE FUNCTION test_refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.name = 'poison' THEN RAISE EXCEPTION 'dataset poison refused by policy'; END IF; RETURN NEW; END $$`);
    await sql.query(`CREATE TRIGGER test_refuse_poison BEFORE INSERT ON ol_datasets FOR EACH ROW EXECUTE FUNCTION test_refuse_poison()`);
    const good = Array.from({ length: 5 }, (_, i) => link(`pz-${i}`, [['pz', `in${i}`]], [['pz', `out${i}`]]));
    const bad = link('pz-bad', [['pz', 'in0']], [['pz', 'poison']]);
    const r = await ingestBatch(s, [good[0], good[1], bad, good[2], good[3], good[4]]);
    expect(r.status).toBe(202);
    await s.settle();
    expect(await countIn(s, 'pz')).toEqual({ datasets: 10, edges: 5, events: 5 });

    const list = await call(s, 'GET', '/admin/dead-letters?pending=true', { headers: adminAuth });
    expect(list.status).toBe(200);
    const mine = list.body.items.filter((d: { job: { payload: { events: { run: { runId: string } }[] } } }) =>
      d.job.payload.events.some((e) => e.run.runId === 'pz-bad'),
    );
    expect(mine).toHaveLength(1);
    expect(mine[0].job.payload.events).toHaveLength(1);
    expect(mine[0].lastError).toContain('dataset poison refused by policy');
    expect(mine[0].attempts).toBe(2);
    expect((await call(s, 'GET', '/admin/dead-letters', {})).status).toBe(401);

    await sql.query('DROP TRIGGER test_refuse_poison ON ol_datasets');
    const replay = await call(s, 'POST', '/admin/dead-letters/replay', { body: { ids: [mine[0].id] }, headers: adminAuth });
    expect(replay.status).toBe(200);
    expect(replay.body.replayed).toBe(1);
    await s.settle();
    const g = await graph(s, { node: 'dataset:pz:poison', direction: 'up', depth: 1 });
    expect(nodeNames(g.body)).toEqual(['in0', 'poison']);
    expect(await countIn(s, 'pz')).toEqual({ datasets: 11, edges: 6, events: 6 });
    const pending = await call(s, 'GET', '/admin/dead-letters?pending=true', { headers: adminAuth });
    expect(pending.body.items.filter((d: { id: string }) => d.id === mine[0].id)).toHaveLength(0);
  });

  it('an event too large for a queue message is stored at once (201 semantics inside the 202)', async () => {
    const s = stack();
    const big = { ...link('q-big', [], [['qbig', 'x']]), pad: 'p'.repeat(210 * 1024) };
    const r = await ingest(s, big);
    expect(r.status).toBe(201);
    expect(r.body.status).toBe('stored');
  });
});
