/**
 * The audit log names the actor the request context carries (docs/adr/0053): the token that
 * authenticated the call (the admin token on an ingest route is `admin`, not `ingest`), the
 * identity key of a signed write, `anonymous` for an unsigned one, the schedule that ran a job,
 * and the queue job type that consumed a delivery. No route or verb spells an actor itself.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorName, type Actor } from '@strata/core/context';
import { runScheduledJobs } from '@strata/core/jobs/schedule';
import { adminAuth, embeddedDeps, ingestAuth, type TestStack } from '../support/deps';
import { call } from '../support/catalog-http';
import { makePublication } from '../support/dlm1';
import { link } from '../support/lineage-http';
import { bytesOf, embeddedStack, publishContent, sendPresigned, sha256Hex, signed, type DeliveryStack } from '../support/delivery-http';

const auditOf = async (stack: TestStack, requestId: string) =>
  stack.deps.sql.query<{ actor: string; action: string }>('SELECT actor, action FROM audit_log WHERE request_id = $1 ORDER BY id', [requestId]);

const event = (run: string) => link(run, [['audit-actor', `in-${run}`]], [['audit-actor', `out-${run}`]]);
const uuid = () => crypto.randomUUID();

describe('actorName', () => {
  it('serialises every kind of actor deterministically', () => {
    const cases: [Actor, string][] = [
      [{ kind: 'anonymous' }, 'anonymous'],
      [{ kind: 'admin' }, 'admin'],
      [{ kind: 'ingest' }, 'ingest'],
      [{ kind: 'identity', key: '02ab', nonce: null }, 'identity:02ab'],
      [{ kind: 'schedule', job: 'outbox-sweep' }, 'schedule:outbox-sweep'],
      [{ kind: 'queue', job: 'lineage.ingest' }, 'queue:lineage.ingest'],
      [{ kind: 'callback', source: 'arc' }, 'callback:arc'],
    ];
    for (const [a, name] of cases) expect(actorName(a)).toBe(name);
  });
});

describe('the audit actor comes from the request context', () => {
  let stack: TestStack;
  beforeAll(async () => void (stack = await embeddedDeps({ RATE_LIMIT_PER_MIN: '0' })));
  afterAll(async () => stack?.close());

  it('an OpenLineage event sent with the admin token is audited as admin, with the ingest token as ingest', async () => {
    const byAdmin = await call(stack, 'POST', '/api/v1/lineage', { body: event(uuid()), headers: { ...adminAuth, 'x-request-id': 'audit-ol-admin' } });
    expect(byAdmin.status, JSON.stringify(byAdmin.body)).toBe(201);
    const byIngest = await call(stack, 'POST', '/api/v1/lineage', { body: event(uuid()), headers: { ...ingestAuth, 'x-request-id': 'audit-ol-ingest' } });
    expect(byIngest.status, JSON.stringify(byIngest.body)).toBe(201);
    expect(await auditOf(stack, 'audit-ol-admin')).toEqual([{ actor: 'admin', action: 'lineage.ingest' }]);
    expect(await auditOf(stack, 'audit-ol-ingest')).toEqual([{ actor: 'ingest', action: 'lineage.ingest' }]);
  });

  it('a batch sent with the admin token is audited as admin too', async () => {
    const r = await call(stack, 'POST', '/api/v1/lineage/batch', { body: [event(uuid()), event(uuid())], headers: { ...adminAuth, 'x-request-id': 'audit-olb-admin' } });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    expect(await auditOf(stack, 'audit-olb-admin')).toEqual([{ actor: 'admin', action: 'lineage.ingest' }]);
  });

  it('an admin write elsewhere (an advisory) is audited as admin', async () => {
    const r = await call(stack, 'POST', '/advisories', {
      body: { type: 'WARN', reason: 'audit actor', targets: { versionIds: ['a'.repeat(64)] } },
      headers: { ...adminAuth, 'x-request-id': 'audit-adv' },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(await auditOf(stack, 'audit-adv')).toEqual([{ actor: 'admin', action: 'advisory.create' }]);
  });

  it('an identity-signed write is audited as identity:<key>; an unsigned publish as anonymous', async () => {
    const key = PrivateKey.fromRandom();
    const pub = key.toPublicKey().toString();
    const body = { name: 'Audit Actor Ltd' };
    const r = await call(stack, 'POST', '/producers/register', { body, signer: key, headers: { 'x-request-id': 'audit-producer' } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(await auditOf(stack, 'audit-producer')).toEqual([{ actor: `identity:${pub}`, action: 'catalog.producer.register' }]);

    const p = makePublication({ datasetId: 'audit-actor-anon' });
    const s = await call(stack, 'POST', '/submit', { body: { rawTx: p.rawTx, manifest: p.manifest }, headers: { 'x-request-id': 'audit-submit' } });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    await stack.settle();
    // the publish, then the OpenLineage event its post-commit `lineage.publish` job emits: the
    // queue consumer did that work (its actor), under the publishing request's id (ADR 0055)
    expect(await auditOf(stack, 'audit-submit')).toEqual([
      { actor: 'anonymous', action: 'catalog.publish' },
      { actor: 'queue:lineage.publish', action: 'lineage.ingest' },
    ]);
  });

  it('a token other than the route\u2019s own is refused and leaves no audit row', async () => {
    const r = await call(stack, 'POST', '/advisories', { body: { type: 'WARN', reason: 'x', targets: { versionIds: ['b'.repeat(64)] } }, headers: { ...ingestAuth, 'x-request-id': 'audit-wrong-token' } });
    expect(r.status).toBe(401);
    expect(await auditOf(stack, 'audit-wrong-token')).toEqual([]);
  });

  it('a scheduled job is audited as schedule:<job> under request id schedule:<job>', async () => {
    // a published version whose OpenLineage publish event is lost (as if the process died before
    // its post-commit emission ran): the outbox-sweep schedule emits it again
    const p = makePublication({ datasetId: 'audit-actor-sweep' });
    expect((await call(stack, 'POST', '/submit', { body: { rawTx: p.rawTx, manifest: p.manifest } })).status).toBe(201);
    await stack.settle();
    const job = `publish::${p.versionId}`;
    await stack.deps.sql.query(`DELETE FROM ol_event_hashes WHERE event_hash IN (SELECT event_hash FROM ol_events WHERE job_name = $1)`, [job]);
    await stack.deps.sql.query(`DELETE FROM ol_events WHERE job_name = $1`, [job]);
    await stack.deps.sql.query(`DELETE FROM ol_jobs WHERE name = $1`, [job]);
    const [run] = await runScheduledJobs(stack.deps, ['outbox-sweep']);
    expect(run).toMatchObject({ status: 'ok', result: { lineageEventsEmitted: 1 } });
    expect(await auditOf(stack, 'schedule:outbox-sweep')).toEqual([{ actor: 'schedule:outbox-sweep', action: 'lineage.ingest' }]);
  });
});

describe('jobs carry their own actor', () => {
  let stack: DeliveryStack;
  const offset = { ms: 0 };
  const clock = { now: () => Date.now() + offset.ms };
  beforeAll(async () => void (stack = await embeddedStack({ UPLOAD_MULTIPART_THRESHOLD_BYTES: '1024', UPLOAD_PART_SIZE_BYTES: '1024' }, { clock })));
  afterAll(async () => stack?.close());

  const auditOfUpload = async (id: string) =>
    stack.deps.sql.query<{ actor: string; action: string; request_id: string | null }>('SELECT actor, action, request_id FROM audit_log WHERE resource = $1 ORDER BY id', [`upload:${id}`]);

  it('the upload.verify consumer is queue:upload.verify; the uploads-abort schedule is schedule:uploads-abort', async () => {
    const producer = PrivateKey.fromRandom();
    const signer = `identity:${producer.toPublicKey().toString()}`;

    // multipart, completed: verified by the queued job
    const bytes = bytesOf(1500, 71);
    const pub = await publishContent(stack, producer, bytes);
    const up = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: 1500, mimeType: 'application/octet-stream' });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const id = up.body.uploadId as string;
    const parts = [bytes.subarray(0, 1024), bytes.subarray(1024)];
    const urls = await signed(stack, producer, 'POST', `/v1/uploads/${id}/parts`, { parts: parts.map((b, i) => ({ partNumber: i + 1, sha256: sha256Hex(b) })) });
    for (let i = 0; i < parts.length; i++) await (await sendPresigned(stack, urls.body.parts[i], parts[i]!)).arrayBuffer();
    expect((await signed(stack, producer, 'POST', `/v1/uploads/${id}/complete`)).status).toBeLessThan(300);
    await stack.settle();
    const verified = await auditOfUpload(id);
    expect(verified.map((a) => [a.actor, a.action])).toEqual([
      [signer, 'uploads.create'],
      [signer, 'uploads.verifying'],
      ['queue:upload.verify', 'uploads.verified'],
    ]);
    expect(verified[2]!.request_id).toMatch(/^job:/);

    // abandoned: aborted by the schedule
    const other = bytesOf(1300, 72);
    const pub2 = await publishContent(stack, producer, other);
    const up2 = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub2.contentHash, sizeBytes: 1300, mimeType: 'application/octet-stream' });
    offset.ms = 2 * 86_400_000;
    try {
      expect((await runScheduledJobs(stack.deps, ['uploads-abort']))[0]).toMatchObject({ status: 'ok' });
    } finally {
      offset.ms = 0;
    }
    expect((await auditOfUpload(up2.body.uploadId as string)).map((a) => [a.actor, a.action, a.request_id])).toEqual([
      [signer, 'uploads.create', expect.any(String)],
      ['schedule:uploads-abort', 'uploads.aborted', 'schedule:uploads-abort'],
    ]);
  });
});
