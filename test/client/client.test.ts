/**
 * The typed client against the embedded app in-process (fetch bound to `app.request`): answers
 * typed, problems thrown as StrataProblem with their members, identity signatures the server
 * accepts (and refuses when the clock is off), tokens per operation, the upload flow (single
 * PUT, multipart, resume sending only the missing parts, progress), policies, and a paid
 * download streamed and checked by its SHA-256.
 */
import { createHash } from 'node:crypto';
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StrataClient, StrataProblem, type UploadProgress } from '@strata/client';
import { embeddedDeps, type TestStack } from '../support/deps';
import { makePublication, type Publication } from '../support/dlm1';
import { bytesOf, makeReceipt, type DeliveryStack } from '../support/delivery-http';
import { APP_BASE, appFetch, clientOf } from '../support/client';
import { link } from '../support/lineage-http';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

let stack: TestStack;
beforeAll(async () => {
  stack = await embeddedDeps({ PUBLIC_BASE_URL: APP_BASE, RATE_LIMIT_PER_MIN: '0', UPLOAD_MULTIPART_THRESHOLD_BYTES: '4096', UPLOAD_PART_SIZE_BYTES: '1024' });
});
afterAll(() => stack.close());

/** Publishes a version of `bytes` whose producer is `key`, through the client. */
async function publishBytes(key: PrivateKey, bytes: Uint8Array): Promise<Publication & { contentHash: string }> {
  const contentHash = sha(bytes);
  const p = makePublication({ content: { contentHash, mimeType: 'application/octet-stream', sizeBytes: bytes.byteLength } }, { signer: key });
  const r = await clientOf(stack).submit({ rawTx: p.rawTx, manifest: p.manifest as never });
  expect(r.versionId).toBe(p.versionId);
  return { ...p, contentHash };
}

describe('problems', () => {
  it('a 404 is a StrataProblem with code, status, detail, type and the request id', async () => {
    const e = (await clientOf(stack).listing('0'.repeat(64)).catch((x: unknown) => x)) as StrataProblem;
    expect(e).toBeInstanceOf(StrataProblem);
    expect([e.status, e.code, e.type]).toEqual([404, 'not-found', '/docs/errors#not-found']);
    expect(e.detail).not.toBe('');
    expect(e.requestId).toBe(e.headers.get('x-request-id'));
    expect(e.toJSON()).toMatchObject({ error: 'not-found', status: 404 });
  });

  it('a validation failure carries its field issues by request path', async () => {
    const e = (await clientOf(stack).listings({ limit: -5 }).catch((x: unknown) => x)) as StrataProblem;
    expect(e).toBeInstanceOf(StrataProblem);
    expect(e.code).toBe('validation-failed');
    expect(e.issues.map((i) => i.path)).toContain('query.limit');
    expect(e.message).toContain('query.limit');
  });

  it('an admin operation without the admin token is refused 401 unauthorized; with it, it runs', async () => {
    const anonymous = new StrataClient({ baseUrl: APP_BASE, fetch: appFetch(stack) });
    const e = (await anonymous.createPolicy({ name: 'p', policy: {} }).catch((x: unknown) => x)) as StrataProblem;
    expect([e.status, e.code]).toEqual([401, 'unauthorized']);
    const p = await clientOf(stack).createPolicy({ name: 'client-policy', policy: { minConfs: 0 } });
    expect((await anonymous.policy(p.policyId)).name).toBe('client-policy');
  });
});

describe('identity signing', () => {
  it('the server accepts the client’s signature: the producer registered is the client’s key', async () => {
    const key = PrivateKey.fromRandom();
    const strata = clientOf(stack, { signer: key });
    const r = await strata.registerProducer({ name: 'Client Co' });
    expect(strata.identityKey).toBe(key.toPublicKey().toString());
    const profile = await strata.producer(r.producerId);
    expect(profile.identityKey).toBe(key.toPublicKey().toString());
    expect(profile.name).toBe('Client Co');
  });

  it('a timestamp outside the window is refused as invalid-signature, naming why', async () => {
    const strata = clientOf(stack, { signer: PrivateKey.fromRandom(), now: () => 0 });
    const e = (await strata.registerProducer({ name: 'Late' }).catch((x: unknown) => x)) as StrataProblem;
    expect([e.status, e.code, e.hint]).toEqual([401, 'invalid-signature', 'timestamp-outside-window']);
  });

  it('a signed operation without a key fails before sending', async () => {
    await expect(clientOf(stack).registerProducer({ name: 'x' })).rejects.toThrow(/identityKey/);
  });
});

describe('lineage with the ingest token', () => {
  it('ingests an event and reads the graph back', async () => {
    const strata = clientOf(stack);
    await strata.ingestLineage(link('5f0c7a9e-1b1d-4c1e-9a59-2f0d4b1c6e81', [['ns-client', 'in']], [['ns-client', 'out']]) as never);
    const g = await strata.lineage({ namespace: 'ns-client', name: 'out', depth: 2 });
    expect(JSON.stringify(g)).toContain('ns-client');
  });
});

describe('uploads', () => {
  it('a small content goes up in one PUT and is verified', async () => {
    const key = PrivateKey.fromRandom();
    const bytes = bytesOf(3000, 7);
    const pub = await publishBytes(key, bytes);
    const seen: UploadProgress[] = [];
    const u = await clientOf(stack, { signer: key }).uploadContent({ versionId: pub.versionId, contentHash: pub.contentHash, sizeBytes: bytes.byteLength, mimeType: 'application/octet-stream', source: bytes, onProgress: (p) => seen.push(p) });
    expect([u.mode, u.status]).toEqual(['single', 'verified']);
    expect(seen.at(-1)).toEqual({ uploadedBytes: 3000, totalBytes: 3000, phase: 'verified' });
    expect((await clientOf(stack).upload(u.uploadId)).status).toBe('verified');
  });

  it('a large one goes up in parts; an interrupted upload resumes by id sending only the missing parts', async () => {
    const key = PrivateKey.fromRandom();
    const strata = clientOf(stack, { signer: key });
    const bytes = bytesOf(5000, 9); // parts of 1024: 5 parts, the last 904 bytes
    const pub = await publishBytes(key, bytes);
    // interrupted: the upload started and part 2 stored, then the uploader went away
    const started = await strata.createUpload({ contentHash: pub.contentHash, sizeBytes: bytes.byteLength, mimeType: 'application/octet-stream' });
    expect([started.mode, started.partCount]).toEqual(['multipart', 5]);
    const part2 = bytes.subarray(1024, 2048);
    const [url] = (await strata.uploadPartUrls(started.uploadId, [{ partNumber: 2, sha256: sha(part2) }])).parts;
    expect((await strata.blobRequest({ url: url!.url, method: url!.method, headers: url!.headers, body: part2 })).status).toBe(200);

    const sent: number[] = [];
    const reads: Array<[number, number]> = [];
    const source = { sizeBytes: bytes.byteLength, read: async (offset: number, length: number) => (reads.push([offset, length]), bytes.subarray(offset, offset + length)) };
    const progress: UploadProgress[] = [];
    const done = await strata.resumeUpload(started.uploadId, source, { onProgress: (p) => (progress.push(p), p.partNumber && sent.push(p.partNumber)) });
    expect(done.uploadId).toBe(started.uploadId);
    expect(done.status).toBe('verified');
    expect(sent).toEqual([1, 3, 4, 5]);
    expect(reads).toEqual([[0, 1024], [2048, 1024], [3072, 1024], [4096, 904]]);
    expect(progress[0]).toMatchObject({ uploadedBytes: 1024, totalBytes: 5000, phase: 'uploading' });
    expect(progress.at(-1)).toMatchObject({ uploadedBytes: 5000, phase: 'verified' });
  });

  it('another producer cannot upload the content (403 forbidden)', async () => {
    const bytes = bytesOf(100, 3);
    const pub = await publishBytes(PrivateKey.fromRandom(), bytes);
    const e = (await clientOf(stack, { signer: PrivateKey.fromRandom() })
      .uploadContent({ contentHash: pub.contentHash, sizeBytes: 100, mimeType: 'application/octet-stream', source: bytes })
      .catch((x: unknown) => x)) as StrataProblem;
    expect([e.status, e.code]).toEqual([403, 'forbidden']);
  });
});

describe('policies and readiness', () => {
  it('evaluates an inline policy against a version; /ready answers not ready and /bundle names the missing proof', async () => {
    const strata = clientOf(stack);
    const p = makePublication({});
    await strata.submit({ rawTx: p.rawTx, manifest: p.manifest as never });
    const d = await strata.evaluatePolicy({ versionId: p.versionId, policy: { licenseAllowList: ['mit'] } });
    expect(d.decision).toBe('block');
    const ready = await strata.ready(p.versionId);
    expect(ready.ready).toBe(false);
    const e = (await strata.bundle(p.versionId).catch((x: unknown) => x)) as StrataProblem;
    expect([e.status, e.code, e.hint]).toEqual([409, 'incomplete-lineage', `missing-envelope:${p.versionId}`]);
  });
});

describe('download', () => {
  it('streams paid content with progress; the bytes are the published ones', async () => {
    const key = PrivateKey.fromRandom();
    const bytes = bytesOf(2500, 11);
    const pub = await publishBytes(key, bytes);
    await clientOf(stack, { signer: key }).uploadContent({ contentHash: pub.contentHash, sizeBytes: bytes.byteLength, mimeType: 'application/octet-stream', source: bytes });
    const receiptId = await makeReceipt(stack as DeliveryStack, pub, { unitBytes: 10_000 });
    let last = 0;
    const d = await clientOf(stack).download(receiptId, pub.contentHash, { onProgress: (p) => (last = p.receivedBytes) });
    const got = new Uint8Array(await new Response(d.body).arrayBuffer());
    expect(sha(got)).toBe(pub.contentHash);
    expect([d.sizeBytes, last]).toEqual([2500, 2500]);
  });
});
