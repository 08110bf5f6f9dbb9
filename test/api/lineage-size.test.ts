/**
 * Large OpenLineage events by configuration: OL_MAX_EVENT_BYTES decides the per-event cap (default
 * 1 MiB) on the single and batch endpoints and on the queue path (LINEAGE_INGEST_MODE=async), and
 * a refusal names the limit and the setting that raises it — BODY_LIMIT_BYTES when the single
 * endpoint's body cap is the one met. The event: spec-valid (checked against the specification's
 * schemas), one output whose schema facet lists 40,000 columns, about 3 MiB — what Spark reports
 * for a wide table.
 */
import { expect, it } from 'vitest';
import type { TestStack } from '../support/deps';
import { CORE, specErrors } from '../support/openlineage-spec';
import { forEachStack, ingest, ingestBatch } from '../support/lineage-http';

const MiB = 1024 * 1024;
const COLUMNS = 40_000;

function wideEvent(runId: string) {
  const fields = Array.from({ length: COLUMNS }, (_, i) => ({ name: `column_${String(i).padStart(5, '0')}`, type: 'VARCHAR(255)', description: `measure ${i} of the wide table` }));
  const schema = { _producer: 'https://example.test/spark', _schemaURL: 'https://openlineage.io/spec/facets/1-0-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet', fields };
  return {
    eventType: 'COMPLETE',
    eventTime: '2025-04-01T10:00:00.000Z',
    producer: 'https://example.test/spark',
    schemaURL: `${CORE}#/$defs/RunEvent`,
    run: { runId },
    job: { namespace: 'wide', name: 'write_wide_table' },
    inputs: [{ namespace: 'wide', name: 'narrow' }],
    outputs: [{ namespace: 'wide', name: `wide_${runId.slice(-4)}`, facets: { schema } }],
  };
}
const sizeOf = (e: unknown) => Buffer.byteLength(JSON.stringify(e));

it('the wide event is spec-valid and a few MiB', () => {
  const e = wideEvent('5b1f2ad3-0000-4000-8000-000000000001');
  const schema = e.outputs[0]!.facets.schema;
  expect(specErrors('RunEvent', e, [{ path: 'outputs.0.facets.schema', value: schema, kind: { name: 'schema', kind: 'SchemaDatasetFacet#SchemaDatasetFacet', ref: 'https://openlineage.io/spec/facets/1-0-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet' } }])).toEqual([]);
  expect(sizeOf(e)).toBeGreaterThan(2.5 * MiB);
  expect(sizeOf(e)).toBeLessThan(4 * MiB);
});

const stored = async (s: TestStack, name: string) =>
  (await s.deps.sql.query<{ n: number }>(`SELECT jsonb_array_length(facets -> 'schema' -> 'fields') AS n FROM ol_datasets WHERE namespace = 'wide' AND name = $1`, [name]))[0]?.n;

await forEachStack('large events, configured', { OL_MAX_EVENT_BYTES: String(4 * MiB), BODY_LIMIT_BYTES: String(4 * MiB) }, (stack) => {
  it('accepts a 3 MiB event alone and in a batch, and stores all its columns', async () => {
    const s = stack();
    const one = wideEvent('5b1f2ad3-0000-4000-8000-000000000011');
    const r = await ingest(s, one);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.status).toBe('stored');
    expect(await stored(s, one.outputs[0]!.name)).toBe(COLUMNS);
    const two = wideEvent('5b1f2ad3-0000-4000-8000-000000000012');
    const b = await ingestBatch(s, [two]);
    expect(b.status, JSON.stringify(b.body).slice(0, 500)).toBe(200);
    expect(b.body).toMatchObject({ stored: 1, invalid: 0 });
    expect(await stored(s, two.outputs[0]!.name)).toBe(COLUMNS);
  }, 120_000);
});

await forEachStack('large events, default limits', {}, (stack) => {
  it('refuses it with the limit and the settings that raise it: BODY_LIMIT_BYTES on the single endpoint, OL_MAX_EVENT_BYTES in a batch', async () => {
    const s = stack();
    const e = wideEvent('5b1f2ad3-0000-4000-8000-000000000021');
    const r = await ingest(s, e);
    expect(r.status).toBe(413);
    expect(r.body.error).toBe('payload-too-large');
    expect(r.body.detail).toContain('BODY_LIMIT_BYTES (1048576 bytes)');
    expect(r.body.hint).toContain('Raise BODY_LIMIT_BYTES and OL_MAX_EVENT_BYTES (now 1048576 bytes)');
    const b = await ingestBatch(s, [e]);
    expect(b.status).toBe(400);
    expect(b.body.issues).toEqual([{ path: 'body.0', message: expect.stringMatching(/^event size exceeds maxEventBytes: \d+ > limit 1048576 bytes; the limit is the OL_MAX_EVENT_BYTES setting/) }]);
    expect(await stored(s, e.outputs[0]!.name)).toBeUndefined();
  }, 120_000);
});

await forEachStack('large events, body raised but not the event cap', { BODY_LIMIT_BYTES: String(8 * MiB) }, (stack) => {
  it('the single endpoint reads the body and refuses the event naming OL_MAX_EVENT_BYTES', async () => {
    const s = stack();
    const r = await ingest(s, wideEvent('5b1f2ad3-0000-4000-8000-000000000031'));
    expect(r.status).toBe(400);
    expect(r.body.issues[0].message).toMatch(/> limit 1048576 bytes; the limit is the OL_MAX_EVENT_BYTES setting/);
  }, 120_000);
});

await forEachStack('large events, event cap raised but not the body', { OL_MAX_EVENT_BYTES: String(4 * MiB) }, (stack) => {
  it('the batch endpoint stores it; the single endpoint says BODY_LIMIT_BYTES binds first', async () => {
    const s = stack();
    const e = wideEvent('5b1f2ad3-0000-4000-8000-000000000041');
    const r = await ingest(s, e);
    expect(r.status).toBe(413);
    expect(r.body.hint).toContain(`Events may be up to OL_MAX_EVENT_BYTES (${4 * MiB} bytes), but BODY_LIMIT_BYTES binds first`);
    expect((await ingestBatch(s, [e])).body).toMatchObject({ stored: 1 });
  }, 120_000);
});

await forEachStack('large events on the queue path', { LINEAGE_INGEST_MODE: 'async', QUEUE_MAX_ATTEMPTS: '2', OL_MAX_EVENT_BYTES: String(160 * 1024) }, (stack) => {
  it('the cap applies when events are validated for the queue: over it refused with the setting named, under it queued and stored', async () => {
    const s = stack();
    // ~148 KB and ~195 KB events: both fit one queue message (200 KiB), the cap is 160 KiB
    const sized = (runId: string, columns: number) => {
      const e = wideEvent(runId);
      e.outputs[0]!.facets.schema.fields = e.outputs[0]!.facets.schema.fields.slice(0, columns);
      return e;
    };
    const under = sized('5b1f2ad3-0000-4000-8000-000000000051', 1600);
    const over = sized('5b1f2ad3-0000-4000-8000-000000000052', 2100);
    expect(sizeOf(under)).toBeLessThan(160 * 1024);
    expect(sizeOf(over)).toBeGreaterThan(160 * 1024);
    expect(sizeOf(over)).toBeLessThan(200 * 1024);
    const r = await ingestBatch(s, [under, over]);
    expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(202);
    expect(r.body).toMatchObject({ queued: 1, invalid: 1 });
    expect(r.body.results[1]).toMatchObject({ status: 'rejected', issues: [{ message: expect.stringMatching(/limit 163840 bytes; the limit is the OL_MAX_EVENT_BYTES setting/) }] });
    await s.settle();
    expect(await stored(s, under.outputs[0]!.name)).toBe(1600);
    expect(await stored(s, over.outputs[0]!.name)).toBeUndefined();
  }, 120_000);
});

await forEachStack('large events on the queue path, configured', { LINEAGE_INGEST_MODE: 'async', OL_MAX_EVENT_BYTES: String(4 * MiB), BODY_LIMIT_BYTES: String(4 * MiB) }, (stack) => {
  it('a 3 MiB event, too big for a queue message, is stored at once', async () => {
    const s = stack();
    const e = wideEvent('5b1f2ad3-0000-4000-8000-000000000061');
    const r = await ingest(s, e);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(await stored(s, e.outputs[0]!.name)).toBe(COLUMNS);
  }, 120_000);
});
