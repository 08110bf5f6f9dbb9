/**
 * POST /v1/uploads and friends, on the embedded default (filesystem store behind /blobs) and
 * on PostgreSQL + Redis + s3rver (AWS SDK store; the harness verifies SigV4 and SHA-256 as S3
 * does, see test/support/s3-server.ts). The store itself refuses bytes other than the declared
 * ones; multipart parts are bound to their own SHA-256, listed for resuming, and the joined
 * object is hashed by the `upload.verify` job before the content counts as verified.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledJobs } from '@strata/core/jobs/schedule';
import { describeWith } from '../support/reachable';
import { call } from '../support/catalog-http';
import { bytesOf, embeddedStack, publishContent, sendPresigned, servicesStack, sha256Hex, signed, type DeliveryStack } from '../support/delivery-http';

const SMALL = { UPLOAD_MULTIPART_THRESHOLD_BYTES: '1024', UPLOAD_PART_SIZE_BYTES: '1024' };

/** A clock tests can move forward (presigned URLs stay valid: the stores check real time or this clock). */
const offset = { ms: 0 };
const clock = { now: () => Date.now() + offset.ms };

function suite(make: () => Promise<DeliveryStack>) {
  let stack: DeliveryStack;
  const producer = PrivateKey.fromRandom();
  const stranger = PrivateKey.fromRandom();
  beforeAll(async () => {
    stack = await make();
  });
  afterAll(async () => stack?.close());

  const status = async (uploadId: string) => (await call(stack, 'GET', `/v1/uploads/${uploadId}`)).body.status as string;

  it('single PUT: other bytes are refused by the store, the declared bytes stored and verified on complete', async () => {
    const bytes = bytesOf(600, 11);
    const pub = await publishContent(stack, producer, bytes, 'text/csv');
    const r = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: 600, mimeType: 'text/csv' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ mode: 'single', status: 'pending', versionId: pub.versionId, key: `hot/${pub.contentHash}` });
    const put = r.body.put;

    const wrong = await sendPresigned(stack, put, bytesOf(600, 12));
    expect(wrong.status).toBeGreaterThanOrEqual(400);
    expect(wrong.status).toBeLessThan(500);
    await wrong.arrayBuffer();
    expect(await stack.deps.blobs.head(`hot/${pub.contentHash}`)).toBeNull();
    // completing before the bytes are there is refused and changes nothing
    expect((await signed(stack, producer, 'POST', `/v1/uploads/${r.body.uploadId}/complete`)).status).toBe(409);

    const right = await sendPresigned(stack, put, bytes);
    expect(right.status).toBe(200);
    await right.arrayBuffer();
    const done = await signed(stack, producer, 'POST', `/v1/uploads/${r.body.uploadId}/complete`);
    expect(done.status).toBe(200);
    expect(done.body.status).toBe('verified');
    const stored = await stack.deps.blobs.get(`hot/${pub.contentHash}`);
    expect(sha256Hex(stored!.body)).toBe(pub.contentHash);

    // content already verified is not uploaded again
    const again = await signed(stack, producer, 'POST', '/v1/uploads', { versionId: pub.versionId, contentHash: pub.contentHash, sizeBytes: 600, mimeType: 'text/csv' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ uploadId: r.body.uploadId, status: 'verified' });
    expect(again.body.put).toBeUndefined();
  });

  it('who may upload: the producer only; the version must declare the content; sizes must agree', async () => {
    const bytes = bytesOf(300, 21);
    const pub = await publishContent(stack, producer, bytes);
    const body = { contentHash: pub.contentHash, sizeBytes: 300, mimeType: 'application/octet-stream' };
    const unsigned = await call(stack, 'POST', '/v1/uploads', { body });
    expect(unsigned.status).toBe(401);
    const other = await signed(stack, stranger, 'POST', '/v1/uploads', body);
    expect(other.status).toBe(403);
    expect(other.body.error).toBe('forbidden');
    const unknown = await signed(stack, producer, 'POST', '/v1/uploads', { ...body, contentHash: 'ab'.repeat(32) });
    expect(unknown.status).toBe(404);
    const mismatch = await signed(stack, producer, 'POST', '/v1/uploads', { ...body, versionId: pub.versionId, contentHash: 'cd'.repeat(32) });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body.error).toBe('content-mismatch');
    const size = await signed(stack, producer, 'POST', '/v1/uploads', { ...body, sizeBytes: 301 });
    expect(size.status).toBe(409);
    const rows = await stack.deps.sql.query(`SELECT count(*)::int AS n FROM content_uploads WHERE content_hash = $1`, [pub.contentHash]);
    expect(rows[0]!.n).toBe(0);
  });

  it('bad input is a 400 problem naming the field', async () => {
    const cases: Array<[unknown, string]> = [
      [{ contentHash: 'xyz', sizeBytes: 1, mimeType: 'text/plain' }, 'contentHash'],
      [{ contentHash: 'ab'.repeat(32), sizeBytes: -1, mimeType: 'text/plain' }, 'sizeBytes'],
      [{ contentHash: 'ab'.repeat(32), sizeBytes: 1.5, mimeType: 'text/plain' }, 'sizeBytes'],
      [{ contentHash: 'ab'.repeat(32), sizeBytes: 1, mimeType: 'not a mime\r\nx: y' }, 'mimeType'],
      [{ contentHash: 'ab'.repeat(32), sizeBytes: 1, mimeType: 'text/plain', extra: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const r = await signed(stack, producer, 'POST', '/v1/uploads', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      expect(JSON.stringify(r.body.issues ?? r.body)).toContain(field);
    }
    expect((await signed(stack, producer, 'POST', '/v1/uploads/upl_nothex/complete')).status).toBe(400);
    expect((await call(stack, 'GET', `/v1/uploads/upl_${'0'.repeat(24)}`)).status).toBe(404);
  });

  it('multipart: parts bound to their SHA-256, resumable from the listing, joined and hashed by the job', async () => {
    const bytes = bytesOf(2500, 31);
    const pub = await publishContent(stack, producer, bytes);
    const r = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: 2500, mimeType: 'application/octet-stream' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ mode: 'multipart', partSize: 1024, partCount: 3 });
    const id = r.body.uploadId as string;
    const part = (n: number) => bytes.subarray((n - 1) * 1024, Math.min(n * 1024, 2500));
    const urls = await signed(stack, producer, 'POST', `/v1/uploads/${id}/parts`, { parts: [1, 2, 3].map((n) => ({ partNumber: n, sha256: sha256Hex(part(n)) })) });
    expect(urls.status).toBe(200);
    expect(urls.body.parts.map((p: { size: number }) => p.size)).toEqual([1024, 1024, 452]);
    const url = (n: number) => urls.body.parts.find((p: { partNumber: number }) => p.partNumber === n);

    // part 2 with other bytes: refused by the store
    const bad = await sendPresigned(stack, url(2), bytesOf(1024, 99));
    expect(bad.status).toBeGreaterThanOrEqual(400);
    await bad.arrayBuffer();
    for (const n of [1, 3]) {
      const ok = await sendPresigned(stack, url(n), part(n));
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
    }
    // interrupted: the listing says what to resume
    const listed = await signed(stack, producer, 'GET', `/v1/uploads/${id}/parts`);
    expect(listed.status).toBe(200);
    expect(listed.body.missing).toEqual([2]);
    expect(listed.body.parts.map((p: { partNumber: number; sha256: string }) => [p.partNumber, p.sha256])).toEqual([
      [1, sha256Hex(part(1))],
      [3, sha256Hex(part(3))],
    ]);
    const early = await signed(stack, producer, 'POST', `/v1/uploads/${id}/complete`);
    expect(early.status).toBe(409);
    expect(early.body.detail).toContain('Part 2');
    // another key cannot continue it
    expect((await signed(stack, stranger, 'GET', `/v1/uploads/${id}/parts`)).status).toBe(403);

    const ok2 = await sendPresigned(stack, url(2), part(2));
    expect(ok2.status).toBe(200);
    await ok2.arrayBuffer();
    const done = await signed(stack, producer, 'POST', `/v1/uploads/${id}/complete`);
    expect(done.status).toBe(202);
    expect(done.body.status).toBe('verifying');
    await stack.settle();
    expect(await status(id)).toBe('verified');
    expect(sha256Hex((await stack.deps.blobs.get(`hot/${pub.contentHash}`))!.body)).toBe(pub.contentHash);
  });

  it('multipart whose parts each match their own SHA-256 but not the content: the job fails it and removes the object', async () => {
    const bytes = bytesOf(2100, 41);
    const pub = await publishContent(stack, producer, bytes);
    const r = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: 2100, mimeType: 'application/octet-stream' });
    const id = r.body.uploadId as string;
    const forged = bytesOf(2100, 42); // same sizes, other bytes, honestly hashed per part
    const part = (n: number) => forged.subarray((n - 1) * 1024, Math.min(n * 1024, 2100));
    const urls = await signed(stack, producer, 'POST', `/v1/uploads/${id}/parts`, { parts: [1, 2, 3].map((n) => ({ partNumber: n, sha256: sha256Hex(part(n)) })) });
    for (const p of urls.body.parts) {
      const res = await sendPresigned(stack, p, part(p.partNumber));
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    expect((await signed(stack, producer, 'POST', `/v1/uploads/${id}/complete`)).status).toBe(202);
    await stack.settle();
    const after = await call(stack, 'GET', `/v1/uploads/${id}`);
    expect(after.body).toMatchObject({ status: 'failed', failure: expect.stringContaining('sha256') });
    expect(await stack.deps.blobs.head(`hot/${pub.contentHash}`)).toBeNull();
    // the content is free for a new upload
    const retry = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: 2100, mimeType: 'application/octet-stream' });
    expect(retry.status).toBe(201);
    expect(retry.body.uploadId).not.toBe(id);
  });

  it('an abandoned multipart upload is aborted by the uploads-abort schedule (parts discarded, content freed)', async () => {
    const bytes = bytesOf(1500, 51);
    const pub = await publishContent(stack, producer, bytes);
    const r = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: 1500, mimeType: 'application/octet-stream' });
    const id = r.body.uploadId as string;
    const p1 = bytes.subarray(0, 1024);
    const urls = await signed(stack, producer, 'POST', `/v1/uploads/${id}/parts`, { parts: [{ partNumber: 1, sha256: sha256Hex(p1) }] });
    await (await sendPresigned(stack, urls.body.parts[0], p1)).arrayBuffer();
    const [row] = await stack.deps.sql.query(`SELECT store_upload_id FROM content_uploads WHERE upload_id = $1`, [id]);
    expect(await stack.deps.blobs.multipart.listParts(`hot/${pub.contentHash}`, row!.store_upload_id as string)).toHaveLength(1);

    const young = await runScheduledJobs(stack.deps, ['uploads-abort']);
    expect(young[0]).toMatchObject({ status: 'ok' });
    expect(await status(id)).toBe('pending');
    offset.ms = 2 * 86_400_000; // past UPLOAD_ABANDON_AFTER_SEC (1 day)
    try {
      const runs = await runScheduledJobs(stack.deps, ['uploads-abort']);
      expect(runs[0]).toMatchObject({ status: 'ok', result: { failed: 0 } });
    } finally {
      offset.ms = 0;
    }
    expect(await status(id)).toBe('aborted');
    expect(await stack.deps.blobs.multipart.listParts(`hot/${pub.contentHash}`, row!.store_upload_id as string)).toBeNull();
    const audit = await stack.deps.sql.query(`SELECT action FROM audit_log WHERE resource = $1 ORDER BY id`, [`upload:${id}`]);
    expect(audit.map((a) => a.action)).toEqual(['uploads.create', 'uploads.aborted']);
  });
}

describe('uploads: embedded default (filesystem blobs)', () => suite(() => embeddedStack(SMALL, { clock })));
await describeWith(['postgres', 'redis'], 'uploads: PostgreSQL + Redis + s3rver', () => suite(() => servicesStack(SMALL, { clock })));
