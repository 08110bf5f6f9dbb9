/**
 * Tiers failing mid-request, on PostgreSQL + Redis + s3rver (the store behind a TCP proxy the
 * tests take down): nothing is left half-written, and every interrupted step can be retried.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { moveUpload } from '@strata/core/uploads/repo';
import { describeWith } from '../support/reachable';
import { call } from '../support/catalog-http';
import { bytesOf, makeReceipt, publishContent, sendPresigned, servicesStack, sha256Hex, signed, uploadVerified, type DeliveryStack } from '../support/delivery-http';

const SMALL = { UPLOAD_MULTIPART_THRESHOLD_BYTES: '1024', UPLOAD_PART_SIZE_BYTES: '1024' };

await describeWith(['postgres', 'redis'], 'uploads and delivery when a tier fails (PostgreSQL + Redis + s3rver)', () => {
  let stack: DeliveryStack;
  const producer = PrivateKey.fromRandom();
  beforeAll(async () => {
    stack = await servicesStack(SMALL, {}, { s3Proxy: true });
  });
  afterAll(async () => stack?.close());

  const auditOf = async (id: string) => (await stack.deps.sql.query(`SELECT action FROM audit_log WHERE resource = $1 ORDER BY id`, [`upload:${id}`])).map((r) => r.action);

  /** Starts a multipart upload of `bytes` and puts every part. */
  async function partsUp(bytes: Uint8Array) {
    const pub = await publishContent(stack, producer, bytes);
    const r = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: bytes.byteLength, mimeType: 'application/octet-stream' });
    expect(r.status).toBe(201);
    const n = r.body.partCount as number;
    const part = (k: number) => bytes.subarray((k - 1) * 1024, Math.min(k * 1024, bytes.byteLength));
    const urls = await signed(stack, producer, 'POST', `/v1/uploads/${r.body.uploadId}/parts`, {
      parts: Array.from({ length: n }, (_, i) => ({ partNumber: i + 1, sha256: sha256Hex(part(i + 1)) })),
    });
    for (const u of urls.body.parts) await (await sendPresigned(stack, u, part(u.partNumber))).arrayBuffer();
    const [row] = await stack.deps.sql.query(`SELECT store_upload_id FROM content_uploads WHERE upload_id = $1`, [r.body.uploadId]);
    return { pub, uploadId: r.body.uploadId as string, storeUploadId: row!.store_upload_id as string };
  }

  it('the store down during complete: 503, the upload stays pending with nothing written; the retry verifies', async () => {
    const bytes = bytesOf(700, 61);
    const pub = await publishContent(stack, producer, bytes);
    const r = await signed(stack, producer, 'POST', '/v1/uploads', { contentHash: pub.contentHash, sizeBytes: 700, mimeType: 'application/octet-stream' });
    await (await sendPresigned(stack, r.body.put, bytes)).arrayBuffer();
    await stack.s3Proxy!.setDown(true);
    try {
      const down = await signed(stack, producer, 'POST', `/v1/uploads/${r.body.uploadId}/complete`);
      expect([down.status, down.body.error]).toEqual([503, 'unavailable']);
      expect((await call(stack, 'GET', `/v1/uploads/${r.body.uploadId}`)).body.status).toBe('pending');
      expect(await auditOf(r.body.uploadId)).toEqual(['uploads.create']);
    } finally {
      await stack.s3Proxy!.setDown(false);
    }
    const retry = await signed(stack, producer, 'POST', `/v1/uploads/${r.body.uploadId}/complete`);
    expect(retry.body.status).toBe('verified');
  });

  it('the store joined the parts but the status move was lost: complete again finishes it (verifying, then verified)', async () => {
    const { pub, uploadId, storeUploadId } = await partsUp(bytesOf(2048 + 10, 62));
    // what the verb does first, and the crash right after it
    const parts = await stack.deps.blobs.multipart.listParts(`hot/${pub.contentHash}`, storeUploadId);
    await stack.deps.blobs.multipart.complete(`hot/${pub.contentHash}`, storeUploadId, parts!);
    expect((await call(stack, 'GET', `/v1/uploads/${uploadId}`)).body.status).toBe('pending');
    const again = await signed(stack, producer, 'POST', `/v1/uploads/${uploadId}/complete`);
    expect([again.status, again.body.status]).toEqual([202, 'verifying']);
    await stack.settle();
    expect((await call(stack, 'GET', `/v1/uploads/${uploadId}`)).body.status).toBe('verified');
  });

  it('the verify job lost after the status moved: complete again re-sends it', async () => {
    const { pub, uploadId, storeUploadId } = await partsUp(bytesOf(1500, 63));
    const parts = await stack.deps.blobs.multipart.listParts(`hot/${pub.contentHash}`, storeUploadId);
    await stack.deps.blobs.multipart.complete(`hot/${pub.contentHash}`, storeUploadId, parts!);
    await moveUpload(stack.deps.sql, uploadId, ['pending'], 'verifying', new Date(), { actor: 'test' }); // …and no job sent
    await stack.settle();
    expect((await call(stack, 'GET', `/v1/uploads/${uploadId}`)).body.status).toBe('verifying');
    const again = await signed(stack, producer, 'POST', `/v1/uploads/${uploadId}/complete`);
    expect(again.status).toBe(202);
    await stack.settle();
    expect((await call(stack, 'GET', `/v1/uploads/${uploadId}`)).body.status).toBe('verified');
  });

  it('concurrent starts of one multipart upload: one upload row, and no multipart upload left open in the store but its own', async () => {
    const bytes = bytesOf(3000, 64);
    const pub = await publishContent(stack, producer, bytes);
    const body = { contentHash: pub.contentHash, sizeBytes: 3000, mimeType: 'application/octet-stream' };
    const replies = await Promise.all(Array.from({ length: 8 }, () => signed(stack, producer, 'POST', '/v1/uploads', body)));
    expect(replies.filter((r) => r.status === 201)).toHaveLength(1);
    expect(replies.every((r) => r.status === 201 || r.status === 200 || (r.status === 409 && r.body.hint === 'upload-in-progress'))).toBe(true);
    const winner = replies.find((r) => r.status === 201)!.body.uploadId;
    expect(replies.filter((r) => r.status === 200).every((r) => r.body.uploadId === winner)).toBe(true);
    const rows = await stack.deps.sql.query(`SELECT count(*)::int AS n FROM content_uploads WHERE content_hash = $1`, [pub.contentHash]);
    expect(rows[0]!.n).toBe(1);
    await stack.settle(); // the losers' aborts run in the background
    expect(stack.s3!.openMultipartUploads().filter((k) => k.endsWith(pub.contentHash))).toHaveLength(1);
  });

  it('/v1/data with the store down still issues URLs (presigning is local) and counts the bytes once', async () => {
    const bytes = bytesOf(800, 65);
    const pub = await uploadVerified(stack, producer, bytes);
    const receiptId = await makeReceipt(stack, pub, { unitBytes: 1600 });
    await stack.s3Proxy!.setDown(true);
    try {
      const r = await call(stack, 'GET', `/v1/data?contentHash=${pub.contentHash}&receiptId=${receiptId}`);
      expect(r.status).toBe(200);
      expect(r.body.metadata.bytesUsed).toBe(800);
    } finally {
      await stack.s3Proxy!.setDown(false);
    }
    const r2 = await call(stack, 'GET', `/v1/data?contentHash=${pub.contentHash}&receiptId=${receiptId}`);
    const got = await sendPresigned(stack, { url: r2.body.delivery.url, method: 'GET', headers: {} });
    expect(sha256Hex(new Uint8Array(await got.arrayBuffer()))).toBe(pub.contentHash);
  });
});
