/**
 * OpenLineage ingest over HTTP, on the embedded stack and on PostgreSQL + Upstash: every shared
 * fixture accepted or rejected as the fixture README says Marquez would (one documented
 * difference), the OpenLineage HTTP transport's request shape (bearer token, gzip), batches with
 * partial success, caps that name themselves, and the outbox row written with the events.
 */
import { gzipSync } from 'node:zlib';
import { expect, it } from 'vitest';
import { adminAuth, ingestAuth } from '../support/deps';
import { fixture, fixtureFiles, seedEvents } from '../support/lineage-harness';
import { call, forEachStack, ingest, ingestBatch, link } from '../support/lineage-http';

/** Fixtures Strata rejects, with the field the issue names. Marquez rejects the first two and stores the third (it does not model `ownership`). */
const REJECTED: Record<string, string> = {
  'openlineage-repo/negative/fluentd_event_no_run_id.json': 'body.run.runId',
  'openlineage-repo/negative/fluentd_event_invalid_run_facet.json': 'body.run.facets.parent.run.runId',
  'openlineage-repo/negative/fluentd_event_invalid_dataset_facet.json': 'body.outputs.0.facets.ownership.owners.0.name',
};

await forEachStack('lineage ingest over HTTP', { OL_QUERY_RATE_PER_MIN: '100000' }, (stack) => {
  it('accepts or rejects every single-event fixture as the table says, with the offending field named', async () => {
    const s = stack();
    const files = [
      ...(await fixtureFiles('marquez-repo/apples/')),
      ...(await fixtureFiles('marquez-repo/events/')),
      ...(await fixtureFiles('openlineage-repo/events/')),
      ...(await fixtureFiles('openlineage-repo/negative/')),
    ];
    expect(files).toHaveLength(26);
    const hashes = new Set<string>();
    for (const file of files) {
      const r = await ingest(s, await fixture(file));
      if (REJECTED[file]) {
        expect(r.status, file).toBe(400);
        expect(r.body.error).toBe('validation-failed');
        expect(r.body.issues.map((i: { path: string }) => i.path), file).toContain(REJECTED[file]);
      } else {
        expect(r.status, `${file}: ${JSON.stringify(r.body)}`).toBe(201);
        // two upstream files hold the very same event: the second is a duplicate of the first
        expect(r.body).toMatchObject({ status: expect.stringMatching(/^(stored|duplicate)$/), eventHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
        hashes.add(r.body.eventHash);
      }
    }
    expect(hashes.size).toBeGreaterThanOrEqual(20);
    // the 220 KB event fits a single request; sending it again is a duplicate with the same hash
    const large = await fixture('marquez-repo/events/event_large.json');
    const again = await ingest(s, large);
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ status: 'duplicate', duplicate: true });
  });

  it('speaks the OpenLineage HTTP transport: bearer ingest or admin token, gzip bodies', async () => {
    const s = stack();
    const ev = link('transport-1', [['transport', 'a']], [['transport', 'b']]);
    expect((await ingest(s, ev, {})).status).toBe(401);
    expect((await ingest(s, ev, { authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    const gz = await s.app.request('/api/v1/lineage', {
      method: 'POST',
      headers: { ...ingestAuth, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(JSON.stringify(ev))),
    });
    expect(gz.status).toBe(201);
    expect(await gz.json()).toMatchObject({ status: 'stored' });
    const viaAdmin = await ingest(s, ev, adminAuth);
    expect(viaAdmin.status).toBe(201);
    expect(viaAdmin.body.duplicate).toBe(true);
    const bad = await s.app.request('/api/v1/lineage', { method: 'POST', headers: { ...ingestAuth, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: 'not gzip' });
    expect(bad.status).toBe(400);
    expect((await call(s, 'POST', '/api/v1/lineage', { raw: '{"eventType":', headers: ingestAuth })).status).toBe(400);
    expect((await call(s, 'POST', '/api/v1/lineage', { raw: 'x', headers: { ...ingestAuth, 'content-type': 'text/plain' } })).status).toBe(415);
    const arr = await ingest(s, [ev]);
    expect(arr.status).toBe(400);
    expect(arr.body.hint).toContain('/api/v1/lineage/batch');
  });

  it('batch: the demo seed in one call, per-event results, duplicates on replay, partial success', async () => {
    const s = stack();
    const seed = await seedEvents();
    const first = await ingestBatch(s, seed);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'ok', stored: 26, duplicates: 0, invalid: 0 });
    expect(first.body.results.map((r: { index: number }) => r.index)).toEqual([...Array(26).keys()]);
    const replay = await ingestBatch(s, seed);
    expect(replay.body).toMatchObject({ stored: 0, duplicates: 26 });

    const good = link('partial-1', [['partial', 'x']], [['partial', 'y']]);
    const mixed = await ingestBatch(s, [good, { ...good, run: {} }, good]);
    expect(mixed.status).toBe(200);
    expect(mixed.body).toMatchObject({ status: 'partial', stored: 1, duplicates: 1, invalid: 1 });
    expect(mixed.body.results.map((r: { status: string }) => r.status)).toEqual(['stored', 'rejected', 'duplicate']);
    expect(mixed.body.results[1].issues[0].path).toBe('run.runId');

    const none = await ingestBatch(s, [{ ...good, run: {} }, { eventTime: 'x' }]);
    expect(none.status).toBe(400);
    expect(none.body.issues.map((i: { path: string }) => i.path)).toContain('body.0.run.runId');
  });

  it('batch: stored and already-stored events interleaved — only the new ones reach derived rows, the outbox and the audit', async () => {
    const s = stack();
    const a = link('mix-a', [['mix-old', 'a-in']], [['mix-old', 'a-out']], { eventTime: '2024-03-01T10:00:00Z' });
    const b = link('mix-b', [['mix-old', 'b-in']], [['mix-old', 'b-out']], { eventTime: '2024-03-01T10:00:00Z' });
    expect((await ingestBatch(s, [a, b])).body).toMatchObject({ stored: 2, duplicates: 0 });
    await s.settle();
    const outboxBefore = (await s.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM cache_outbox'))[0]!.n;
    const auditBefore = (await s.deps.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'lineage.ingest'"))[0]!.n;
    const c = link('mix-c', [['mix-new', 'c-in']], [['mix-new', 'c-out']], { eventTime: '2024-03-02T10:00:00Z' });
    const d = link('mix-d', [['mix-new', 'd-in']], [['mix-new', 'd-out']], { eventTime: '2024-03-02T11:00:00Z' });
    const mixed = await ingestBatch(s, [b, c, a, d]);
    expect(mixed.body.results.map((r: { status: string }) => r.status)).toEqual(['duplicate', 'stored', 'duplicate', 'stored']);
    await s.settle();
    const outbox = await s.deps.sql.query<{ tags: string[] }>('SELECT tags FROM cache_outbox ORDER BY id OFFSET $1', [outboxBefore]);
    expect(outbox).toEqual([{ tags: ['lineage:ns:jobs', 'lineage:ns:mix-new'] }]);
    const audit = await s.deps.sql.query<{ after: { stored: number } }>("SELECT after FROM audit_log WHERE action = 'lineage.ingest' ORDER BY id OFFSET $1", [auditBefore]);
    expect(audit).toEqual([{ after: { stored: 2 } }]);
    const runs = await s.deps.sql.query<{ run_id: string }>("SELECT run_id FROM ol_runs WHERE run_id LIKE 'mix-%' ORDER BY 1");
    expect(runs.map((r) => r.run_id)).toEqual(['mix-a', 'mix-b', 'mix-c', 'mix-d']);
    const edges = await s.deps.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM ol_edges e JOIN ol_datasets s ON s.id = e.src_id WHERE s.namespace = 'mix-new'");
    expect(edges[0]!.n).toBe(2);
  });

  it('caps name themselves: events per batch and body size', async () => {
    const s = stack();
    const many = Array.from({ length: 1001 }, (_, i) => link(`cap-${i}`, [], [['caps', `d${i}`]]));
    const r = await ingestBatch(s, many);
    expect(r.status).toBe(413);
    expect(r.body.detail).toContain('OL_BATCH_MAX_EVENTS');
    expect(r.body.detail).toContain('1000');
    // a body above the single-event cap is refused before it is parsed
    const huge = { ...link('cap-huge', [], [['caps', 'huge']]), pad: 'x'.repeat(1024 * 1024 + 10) };
    const big = await ingest(s, huge);
    expect(big.status).toBe(413);
    const inputs = Array.from({ length: 101 }, (_, i) => ({ namespace: 'caps', name: `in${i}` }));
    const outputs = Array.from({ length: 100 }, (_, i) => ({ namespace: 'caps', name: `out${i}` }));
    const fan = await ingest(s, { ...link('cap-fan', [], []), inputs, outputs });
    expect(fan.status).toBe(400);
    expect(fan.body.issues[0].message).toContain('maxEdgesPerEvent');
  });

  it('writes one outbox row naming the touched namespaces in the same batch, and marks it applied', async () => {
    const s = stack();
    const before = await s.deps.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM cache_outbox');
    await ingest(s, link('outbox-1', [['ob-up', 'a']], [['ob-down', 'b']]));
    await ingest(s, link('outbox-1', [['ob-up', 'a']], [['ob-down', 'b']]));
    await s.settle();
    const rows = await s.deps.sql.query<{ tags: string[]; applied: boolean }>(
      'SELECT tags, applied_at IS NOT NULL AS applied FROM cache_outbox ORDER BY id OFFSET $1',
      [before[0]!.n],
    );
    // the duplicate wrote no outbox row and no audit row
    expect(rows).toEqual([{ tags: ['lineage:ns:jobs', 'lineage:ns:ob-down', 'lineage:ns:ob-up'], applied: true }]);
    const audit = await s.deps.sql.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action = 'lineage.ingest' AND actor = 'ingest'");
    expect(audit[0]!.n).toBeGreaterThan(0);
  });
});
