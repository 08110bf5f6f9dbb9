/**
 * BlobStore contract: one suite, run against the filesystem store (served by a tiny route that
 * uses the real signature verifier) and the S3 store against an in-process s3rver.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '@strata/core/adapters/blob/fs';
import { createS3BlobStore } from '@strata/core/adapters/blob/s3';
import { createS3FetchBlobStore } from '@strata/core/adapters/blob/s3-fetch';
import { verifyBlobSignature } from '@strata/core/adapters/blob/signing';
import type { BlobStore } from '@strata/core/ports/blob';
import type { Clock } from '@strata/core/ports/clock';
import { isStrataError } from '@strata/core/errors';
import { startS3Server } from '../support/s3-server';

interface Harness {
  store: BlobStore;
  close(): Promise<void>;
}

/** Presign timestamps follow this clock; moving it into the past yields already-expired URLs. */
const skew = { ms: 0 };
const clock: Clock = { now: () => Date.now() + skew.ms };

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const b64sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('base64');
const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

function readBody(req: http.IncomingMessage): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });
}

/** Stand-in for Strata's blob route: verify the URL, then read or write through the store. */
async function fsHarness(): Promise<Harness> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'strata-blob-'));
  const secret = randomBytes(32).toString('hex');
  let store: BlobStore | undefined;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const key = url.pathname.replace(/^\/blobs\//, '');
    const check = await verifyBlobSignature({ secret, method: req.method ?? '', key, query: url.searchParams, now: Date.now() });
    if (!check.ok) return void res.writeHead(403).end(check.reason);
    try {
      if (check.method === 'GET') {
        const obj = await store!.get(key);
        if (!obj) return void res.writeHead(404).end();
        const disposition = check.disposition === undefined ? {} : { 'content-disposition': check.disposition };
        return void res.writeHead(200, { 'content-type': obj.contentType ?? 'application/octet-stream', ...disposition }).end(obj.body);
      }
      if (check.uploadId !== undefined) {
        const part = await store!.multipart.putPart(key, check.uploadId, check.partNumber!, await readBody(req), { sha256Hex: check.sha256Hex! });
        return void res.writeHead(200, { etag: part.etag }).end();
      }
      await store!.put(key, await readBody(req), { sha256Hex: check.sha256Hex, contentType: check.contentType });
      res.writeHead(200).end();
    } catch (e) {
      res.writeHead(isStrataError(e) ? 400 : 500).end(isStrataError(e) ? e.code : 'error');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  store = createFsBlobStore({ root, publicBaseUrl: `http://127.0.0.1:${port}`, signingSecret: secret, clock });
  return {
    store,
    async close() {
      await new Promise((r) => server.close(r));
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function s3Harness(): Promise<Harness> {
  const srv = await startS3Server({ bucket: 'strata-contract' });
  const store = createS3BlobStore({
    bucket: srv.bucket,
    region: srv.region,
    endpoint: srv.endpoint,
    forcePathStyle: true,
    credentials: srv.credentials,
    clock,
  });
  return { store, close: () => srv.close() };
}

/** The Worker's S3 path (fetch + SigV4 via aws4fetch) against the same server. */
async function s3FetchHarness(): Promise<Harness> {
  const srv = await startS3Server({ bucket: 'strata-contract-fetch' });
  const store = createS3FetchBlobStore({ bucket: srv.bucket, region: srv.region, endpoint: srv.endpoint, credentials: srv.credentials, clock });
  return { store, close: () => srv.close() };
}

const adapters: Array<[string, () => Promise<Harness>]> = [
  ['fs', fsHarness],
  ['s3 (s3rver)', s3Harness],
  ['s3 fetch (s3rver)', s3FetchHarness],
];

for (const [name, make] of adapters) {
  describe(`BlobStore contract: ${name}`, () => {
    let h: Harness;
    let store: BlobStore;
    const body = bytes('0123456789abcdefghijklmnopqrstuvwxyz');
    const key = `hot/${sha256(body)}`;

    beforeAll(async () => {
      h = await make();
      store = h.store;
      await store.ping();
      await store.put(key, body, { contentType: 'text/plain', sha256Hex: sha256(body) });
    });
    afterAll(async () => {
      skew.ms = 0;
      await h?.close();
    });

    it('put then head reports size, type, etag and the base64 SHA-256', async () => {
      const head = await store.head(key);
      expect(head).toMatchObject({ size: body.length, contentType: 'text/plain', checksumSha256: b64sha256(body) });
      expect(head?.etag).toBeTruthy();
    });

    it('get returns the exact bytes and metadata', async () => {
      const obj = await store.get(key);
      expect(obj && text(obj.body)).toBe(text(body));
      expect(obj).toMatchObject({ size: body.length, contentType: 'text/plain', checksumSha256: b64sha256(body) });
    });

    it('range reads: first bytes, middle, suffix to the end, end clamped; size is the whole object', async () => {
      const first = await store.get(key, { start: 0, end: 3 });
      const middle = await store.get(key, { start: 10, end: 15 });
      const suffix = await store.get(key, { start: 30 });
      const clamped = await store.get(key, { start: 34, end: 1000 });
      expect(text(first!.body)).toBe('0123');
      expect(text(middle!.body)).toBe('abcdef');
      expect(text(suffix!.body)).toBe('uvwxyz');
      expect(text(clamped!.body)).toBe('yz');
      expect([first, middle, suffix].map((o) => o!.size)).toEqual([body.length, body.length, body.length]);
    });

    it('a range starting past the end is refused', async () => {
      await expect(store.get(key, { start: body.length })).rejects.toMatchObject({ code: 'bad-request' });
    });

    it('missing objects give null', async () => {
      expect(await store.head('hot/missing')).toBeNull();
      expect(await store.get('hot/missing')).toBeNull();
      expect(await store.get('hot/missing', { start: 0, end: 1 })).toBeNull();
    });

    it('put without sha256 still stores and overwrites', async () => {
      await store.put('warm/over', bytes('first'));
      await store.put('warm/over', bytes('second!'), { contentType: 'application/octet-stream' });
      const obj = await store.get('warm/over');
      expect(text(obj!.body)).toBe('second!');
      expect(obj!.size).toBe(7);
    });

    it('delete removes and is idempotent', async () => {
      await store.put('cold/gone', bytes('bye'));
      await store.delete('cold/gone');
      expect(await store.head('cold/gone')).toBeNull();
      await expect(store.delete('cold/gone')).resolves.toBeUndefined();
      await expect(store.delete('cold/never-existed')).resolves.toBeUndefined();
    });

    it('put with a wrong sha256 is rejected and stores nothing', async () => {
      await expect(store.put('hot/wrong', bytes('payload'), { sha256Hex: sha256(bytes('other')) })).rejects.toMatchObject({
        code: 'content-mismatch',
      });
      expect(await store.head('hot/wrong')).toBeNull();
    });

    it('unsafe keys are refused before touching storage', async () => {
      for (const bad of ['../etc/passwd', '/abs', 'a//b', 'a/../b', '.hidden', 'sp ace', '']) {
        await expect(store.put(bad, bytes('x'))).rejects.toMatchObject({ code: 'bad-request' });
      }
    });

    it('presigned GET serves the object to plain fetch', async () => {
      const req = await store.presignGet(key, { expiresInSec: 60 });
      expect(req.method).toBe('GET');
      expect(req.expiresAt).toBeGreaterThan(Date.now() / 1000);
      const res = await fetch(req.url, { headers: req.headers });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe(text(body));
    });

    // the fs store's URLs go to the app's /blobs/ route: tested in test/api/edge.test.ts
    it.skipIf(name === 'fs')('presigned GET of HTML is served as an attachment (never rendered on the store origin)', async () => {
      await store.put('hot/page.html', bytes('<script>alert(1)</script>'), { contentType: 'text/html' });
      const req = await store.presignGet('hot/page.html', { expiresInSec: 60 });
      const res = await fetch(req.url, { headers: req.headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe('attachment');
      await res.arrayBuffer();
    });

    it('presigned GET fails once expired', async () => {
      skew.ms = -120_000; // signed two minutes ago, valid for one
      const req = await store.presignGet(key, { expiresInSec: 60 });
      skew.ms = 0;
      expect(req.expiresAt).toBeLessThan(Date.now() / 1000);
      const res = await fetch(req.url, { headers: req.headers });
      expect(res.status).toBe(403);
      await res.arrayBuffer();
    });

    it('presigned PUT accepts exactly the declared bytes', async () => {
      const up = bytes(`upload ${name}`);
      const req = await store.presignPut('hot/upload-ok', { expiresInSec: 60, sha256Hex: sha256(up), contentType: 'text/plain' });
      expect(req.method).toBe('PUT');
      const res = await fetch(req.url, { method: 'PUT', headers: req.headers, body: up });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const obj = await store.get('hot/upload-ok');
      expect(text(obj!.body)).toBe(text(up));
      expect(obj).toMatchObject({ contentType: 'text/plain', checksumSha256: b64sha256(up) });
    });

    it('presigned PUT rejects other bytes and stores nothing', async () => {
      const declared = bytes('the real content');
      const req = await store.presignPut('hot/upload-bad', { expiresInSec: 60, sha256Hex: sha256(declared) });
      const res = await fetch(req.url, { method: 'PUT', headers: req.headers, body: bytes('tampered content') });
      expect(res.status).toBe(400);
      await res.arrayBuffer();
      expect(await store.head('hot/upload-bad')).toBeNull();
    });

    it('presigned PUT sent without its headers cannot store other bytes', async () => {
      const req = await store.presignPut('hot/upload-bare', { expiresInSec: 60, sha256Hex: sha256(bytes('declared')) });
      const res = await fetch(req.url, { method: 'PUT', body: bytes('something else') });
      expect(res.status).toBeGreaterThanOrEqual(400);
      await res.arrayBuffer();
      expect(await store.head('hot/upload-bare')).toBeNull();
    });

    it('presigned GET carries Content-Disposition: attachment when asked', async () => {
      const req = await store.presignGet(key, { expiresInSec: 60, contentDisposition: 'attachment; filename="data.bin"' });
      const res = await fetch(req.url, { headers: req.headers });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toBe('attachment; filename="data.bin"');
      expect(await res.text()).toBe(text(body));
    });

    it('multipart: parts bound to their SHA-256, listed for resuming, joined in order; a wrong part is refused', async () => {
      const mkey = 'hot/multipart-ok';
      const parts = [bytes('part-one|'), bytes('part-two|'), bytes('part-three')];
      const { uploadId } = await store.multipart.create(mkey, { contentType: 'text/plain' });
      expect(await store.multipart.listParts(mkey, uploadId)).toEqual([]);
      // part 2 through its presigned URL with wrong bytes: refused, nothing listed
      const url2 = await store.multipart.presignPart(mkey, uploadId, 2, { expiresInSec: 60, sha256Hex: sha256(parts[1]!) });
      const bad = await fetch(url2.url, { method: 'PUT', headers: url2.headers, body: bytes('tampered|') });
      expect(bad.status).toBeGreaterThanOrEqual(400);
      await bad.arrayBuffer();
      expect(await store.multipart.listParts(mkey, uploadId)).toEqual([]);
      // parts 1 and 3 go up; the listing says what is there, so a client resumes with part 2
      for (const n of [1, 3]) {
        const u = await store.multipart.presignPart(mkey, uploadId, n, { expiresInSec: 60, sha256Hex: sha256(parts[n - 1]!) });
        const r = await fetch(u.url, { method: 'PUT', headers: u.headers, body: parts[n - 1] });
        expect(r.status).toBe(200);
        await r.arrayBuffer();
      }
      const listed = await store.multipart.listParts(mkey, uploadId);
      expect(listed!.map((p) => [p.partNumber, p.size, p.checksumSha256])).toEqual([
        [1, parts[0]!.length, b64sha256(parts[0]!)],
        [3, parts[2]!.length, b64sha256(parts[2]!)],
      ]);
      const ok2 = await fetch(url2.url, { method: 'PUT', headers: url2.headers, body: parts[1] });
      expect(ok2.status).toBe(200);
      await ok2.arrayBuffer();
      const all = await store.multipart.listParts(mkey, uploadId);
      expect(all!.map((p) => p.partNumber)).toEqual([1, 2, 3]);
      await store.multipart.complete(mkey, uploadId, all!);
      const obj = await store.get(mkey);
      expect(text(obj!.body)).toBe('part-one|part-two|part-three');
      expect(await store.multipart.listParts(mkey, uploadId)).toBeNull();
    });

    it('multipart: complete refuses a part list that names a part not stored', async () => {
      const mkey = 'hot/multipart-bad-list';
      const { uploadId } = await store.multipart.create(mkey);
      const p1 = await store.multipart.putPart(mkey, uploadId, 1, bytes('only part'), { sha256Hex: sha256(bytes('only part')) });
      await expect(store.multipart.complete(mkey, uploadId, [p1, { ...p1, partNumber: 2 }])).rejects.toMatchObject({ code: 'conflict' });
      expect(await store.head(mkey)).toBeNull();
    });

    it('multipart: putPart with other bytes is content-mismatch; abort discards the upload', async () => {
      const mkey = 'hot/multipart-abort';
      const { uploadId } = await store.multipart.create(mkey);
      await expect(store.multipart.putPart(mkey, uploadId, 1, bytes('x'), { sha256Hex: sha256(bytes('y')) })).rejects.toMatchObject({ code: 'content-mismatch' });
      await store.multipart.putPart(mkey, uploadId, 1, bytes('x'), { sha256Hex: sha256(bytes('x')) });
      await store.multipart.abort(mkey, uploadId);
      expect(await store.multipart.listParts(mkey, uploadId)).toBeNull();
      await expect(store.multipart.abort(mkey, uploadId)).resolves.toBeUndefined();
    });

    it('presigned PUT fails once expired', async () => {
      const up = bytes('late');
      skew.ms = -120_000;
      const req = await store.presignPut('hot/upload-late', { expiresInSec: 60, sha256Hex: sha256(up) });
      skew.ms = 0;
      const res = await fetch(req.url, { method: 'PUT', headers: req.headers, body: up });
      expect(res.status).toBe(403);
      await res.arrayBuffer();
      expect(await store.head('hot/upload-late')).toBeNull();
    });
  });
}

/**
 * What the S3 tests above do and do not prove, against s3rver plus the harness in
 * test/support/s3-server.ts (s3rver verifies no SigV4 signature and no checksum itself):
 * the harness refuses a body whose SHA-256 differs from the `x-amz-checksum-sha256` header
 * (S3's documented BadDigest), and verifies SigV4 from AWS's published algorithm. The tests
 * below show that the checksum is a SIGNED header of the presigned URL — swapping it for the
 * digest of other bytes breaks the signature — and that the URL carries no SDK-default CRC. That
 * real S3 computes the same signature is shown only by both real signers (the AWS SDK and
 * aws4fetch) passing the harness's verifier.
 */
for (const [name, make] of adapters.filter(([n]) => n !== 'fs')) {
  describe(`presigned PUT signature: ${name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await make();
    });
    afterAll(async () => h?.close());

    it('the checksum is a signed header, not hoisted into the query, and no CRC is baked in', async () => {
      const req = await h.store.presignPut('hot/signed', { expiresInSec: 60, sha256Hex: sha256(bytes('declared')) });
      const url = new URL(req.url);
      expect(url.searchParams.get('X-Amz-SignedHeaders')!.split(';')).toContain('x-amz-checksum-sha256');
      expect([...url.searchParams.keys()].filter((k) => /checksum|crc/i.test(k))).toEqual([]);
      expect(req.headers['x-amz-checksum-sha256']).toBe(b64sha256(bytes('declared')));
    });

    it('other bytes sent with their own (correct) checksum header fail the signature; nothing is stored', async () => {
      const req = await h.store.presignPut('hot/swap', { expiresInSec: 60, sha256Hex: sha256(bytes('declared')) });
      const other = bytes('other bytes');
      const res = await fetch(req.url, { method: 'PUT', headers: { ...req.headers, 'x-amz-checksum-sha256': b64sha256(other) }, body: other });
      expect(res.status).toBe(403);
      expect(await res.text()).toContain('SignatureDoesNotMatch');
      expect(await h.store.head('hot/swap')).toBeNull();
    });

    it('a URL whose signature was altered is refused (the verifier is not a pass-through)', async () => {
      const up = bytes('declared');
      const req = await h.store.presignPut('hot/altered', { expiresInSec: 60, sha256Hex: sha256(up) });
      const url = new URL(req.url);
      const sig = url.searchParams.get('X-Amz-Signature')!;
      url.searchParams.set('X-Amz-Signature', `${sig[0] === 'a' ? 'b' : 'a'}${sig.slice(1)}`);
      const res = await fetch(url, { method: 'PUT', headers: req.headers, body: up });
      expect(res.status).toBe(403);
      await res.arrayBuffer();
      expect(await h.store.head('hot/altered')).toBeNull();
    });

    it('a presigned part URL binds its checksum the same way', async () => {
      const { uploadId } = await h.store.multipart.create('hot/mp-signed');
      const req = await h.store.multipart.presignPart('hot/mp-signed', uploadId, 1, { expiresInSec: 60, sha256Hex: sha256(bytes('part')) });
      const other = bytes('not the part');
      const res = await fetch(req.url, { method: 'PUT', headers: { ...req.headers, 'x-amz-checksum-sha256': b64sha256(other) }, body: other });
      expect(res.status).toBe(403);
      await res.arrayBuffer();
      expect(await h.store.multipart.listParts('hot/mp-signed', uploadId)).toEqual([]);
      await h.store.multipart.abort('hot/mp-signed', uploadId);
    });
  });
}
