/**
 * An in-process S3-compatible server (s3rver on a temp dir) for tests and benches.
 *
 * What s3rver 3.7.1 does and does not do, checked in its source (lib/middleware/authentication.js,
 * lib/controllers/object.js):
 * - Presigned-URL expiry IS enforced: SigV4 query auth is refused with 403 AccessDenied
 *   "Request has expired" once X-Amz-Date + X-Amz-Expires lies in the past (server clock).
 * - SigV4 signatures are NOT verified (any signature from a known access key passes).
 * - `x-amz-checksum-sha256` is NOT enforced or stored at all.
 * - Multipart: initiate, upload part and complete exist; ListParts and AbortMultipartUpload do
 *   not (405), and parts carry no checksums.
 *
 * So this harness adds Koa middleware, run before s3rver's own:
 * - SigV4 verification (`verifySigV4` below, written from AWS's published algorithm): for a
 *   presigned URL (query auth) and for an `Authorization: AWS4-HMAC-SHA256` request, the
 *   canonical request is rebuilt from what arrived — method, path, query, and the VALUES of the
 *   headers the signature names — and the HMAC chain recomputed with the account's secret; any
 *   difference → 403 SignatureDoesNotMatch, as on S3. A presigned PUT whose signed
 *   `x-amz-checksum-sha256` is swapped for another value therefore fails here on its signature,
 *   before any checksum is compared. The payload is never part of it (presigned URLs sign
 *   `UNSIGNED-PAYLOAD`; header-auth payload hashes are taken as declared).
 * - ListParts (GET ?uploadId), AbortMultipartUpload (DELETE ?uploadId), and part checksums: an
 *   upload initiated with `x-amz-checksum-algorithm: SHA256` refuses a part without
 *   `x-amz-checksum-sha256` (400 InvalidRequest), a part whose bytes differ (400 BadDigest);
 *   CompleteMultipartUpload refuses a part list naming a part not stored or with another ETag
 *   (400 InvalidPart), and the object's checksum is then S3's composite one (SHA-256 of the
 *   part digests, `-<parts>` suffix), never the whole object's SHA-256.
 *
 * And it implements S3's documented additional-checksum behaviour for PutObject:
 * - a PUT whose `x-amz-checksum-sha256` HEADER is not base64 of 32 bytes → 400 InvalidRequest;
 * - a PUT whose body's SHA-256 differs from that header → 400 BadDigest, and nothing is stored;
 * - the checksum is remembered and returned as `x-amz-checksum-sha256` on full GET/HEAD when
 *   the request says `x-amz-checksum-mode: ENABLED`.
 * Only the header counts: like S3, a checksum hoisted into the query string is ignored.
 * It also refuses (403 SignatureDoesNotMatch) a presigned request missing a header named in
 * X-Amz-SignedHeaders — presence only; header values are not checked against the signature.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';

export interface S3Server {
  /** `http://127.0.0.1:<port>`; use with `forcePathStyle: true`. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Credentials s3rver knows (its built-in account). */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly region: string;
  /** Keys of the multipart uploads initiated and neither completed nor aborted. */
  openMultipartUploads(): string[];
  close(): Promise<void>;
}

interface KoaCtx {
  method: string;
  path: string;
  url: string;
  query: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream & { headers: Record<string, string | string[] | undefined> };
  status: number;
  body: unknown;
  type: string;
  response: { get(name: string): string };
  get(name: string): string;
  set(name: string, value: string): void;
}
type Middleware = (ctx: KoaCtx, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: Middleware[];
  store: { getResourcePath(bucket: string, key: string | undefined, resource: string): string };
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;
type S3ErrorCtor = new (code: string, message: string, detail?: Record<string, unknown>) => Error;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverCtor;
const S3Error = require('s3rver/lib/models/error') as S3ErrorCtor;

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(typeof c === 'string' ? Buffer.from(c) : Buffer.from(c));
  return Buffer.concat(chunks);
}

/**
 * s3rver never checks SigV4 signatures. Real S3 refuses a presigned request that lacks a header
 * the URL signed; we reproduce that much (presence, not value) so "client forgot the checksum
 * header" fails here as it would on S3.
 */
function requireSignedHeaders(ctx: KoaCtx): void {
  const signed = ctx.query['X-Amz-SignedHeaders'];
  if (typeof signed !== 'string') return;
  for (const name of signed.split(';')) {
    if (name && name !== 'host' && !ctx.get(name)) {
      throw new S3Error('SignatureDoesNotMatch', `The request signature we calculated does not match: signed header ${name} is missing.`);
    }
  }
}

const SECRETS: Record<string, string> = { S3RVER: 'S3RVER' };

/** RFC 3986 encoding, as SigV4 canonicalises query names and values. */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/**
 * SigV4 as AWS documents it (canonical request → string to sign → HMAC chain). Returns why the
 * request fails, or null when its signature holds. Requests without SigV4 pass through.
 */
export function verifySigV4(ctx: Pick<KoaCtx, 'method' | 'url' | 'get'>): string | null {
  const [rawPath = '/', rawQuery = ''] = ctx.url.split('?', 2) as [string, string?];
  const pairs = rawQuery
    .split('&')
    .filter(Boolean)
    .map((kv) => {
      const i = kv.indexOf('=');
      const dec = (x: string) => decodeURIComponent(x.replace(/\+/g, '%20'));
      return i < 0 ? [dec(kv), ''] : [dec(kv.slice(0, i)), dec(kv.slice(i + 1))];
    }) as [string, string][];
  const q = new Map(pairs);
  const auth = ctx.get('authorization');
  let credential: string, signedHeaders: string, signature: string, amzDate: string, payload: string;
  if (q.get('X-Amz-Algorithm') === 'AWS4-HMAC-SHA256') {
    credential = q.get('X-Amz-Credential') ?? '';
    signedHeaders = q.get('X-Amz-SignedHeaders') ?? '';
    signature = q.get('X-Amz-Signature') ?? '';
    amzDate = q.get('X-Amz-Date') ?? '';
    payload = q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD';
  } else if (auth.startsWith('AWS4-HMAC-SHA256 ')) {
    const parts = new Map(
      auth
        .slice('AWS4-HMAC-SHA256 '.length)
        .split(',')
        .map((p) => p.trim().split('=', 2) as [string, string]),
    );
    credential = parts.get('Credential') ?? '';
    signedHeaders = parts.get('SignedHeaders') ?? '';
    signature = parts.get('Signature') ?? '';
    amzDate = ctx.get('x-amz-date');
    payload = ctx.get('x-amz-content-sha256') || 'UNSIGNED-PAYLOAD';
  } else return null;
  const [accessKeyId, date, region, service, terminal] = credential.split('/');
  const secret = accessKeyId ? SECRETS[accessKeyId] : undefined;
  if (!secret || !date || !region || !service || terminal !== 'aws4_request') return 'malformed credential';
  const canonicalQuery = pairs
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const names = signedHeaders.split(';').filter(Boolean);
  const canonicalHeaders = names.map((n) => `${n}:${ctx.get(n).trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonicalRequest = [ctx.method, rawPath, canonicalQuery, canonicalHeaders, signedHeaders, payload].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const expected = hmac(key, toSign);
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'signature does not match';
}

/** What the harness keeps about an open multipart upload. */
interface OpenUpload {
  readonly objectPath: string;
  readonly checksummed: boolean;
  readonly parts: Map<number, { size: number; etag: string; checksum: string | null; at: Date }>;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** The S3 behaviour s3rver lacks (see the file comment). */
function checksumMiddleware(server: S3rverInstance, uploads: Map<string, OpenUpload>): Middleware {
  const stored = new Map<string, string>(); // "/bucket/key" → base64 SHA-256
  return async (ctx, next) => {
    const why = verifySigV4(ctx);
    if (why) throw new S3Error('SignatureDoesNotMatch', `The request signature we calculated does not match the signature you provided (${why}).`);
    const objectPath = decodeURIComponent(ctx.path);
    const isObject = objectPath.split('/').filter(Boolean).length >= 2;
    if (!isObject) return next();
    requireSignedHeaders(ctx);
    const uploadId = typeof ctx.query.uploadId === 'string' ? ctx.query.uploadId : undefined;
    if (ctx.method === 'POST' && 'uploads' in ctx.query) {
      await next();
      // s3rver's own middleware has turned the result into XML by the time it returns here
      const id = /<UploadId>([^<]+)<\/UploadId>/.exec(typeof ctx.body === 'string' || Buffer.isBuffer(ctx.body) ? String(ctx.body) : '')?.[1];
      if (id) uploads.set(id, { objectPath, checksummed: ctx.get('x-amz-checksum-algorithm').toUpperCase() === 'SHA256', parts: new Map() });
      return;
    }
    if (uploadId !== undefined) {
      const up = uploads.get(uploadId);
      if (!up || up.objectPath !== objectPath) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.', { UploadId: uploadId });
      if (ctx.method === 'GET') {
        const parts = [...up.parts.entries()].sort((a, b) => a[0] - b[0]);
        ctx.type = 'application/xml';
        ctx.body =
          '<?xml version="1.0" encoding="UTF-8"?><ListPartsResult><IsTruncated>false</IsTruncated>' +
          parts
            .map(
              ([n, p]) =>
                `<Part><PartNumber>${n}</PartNumber><LastModified>${p.at.toISOString()}</LastModified><ETag>${xml(p.etag)}</ETag><Size>${p.size}</Size>` +
                (p.checksum ? `<ChecksumSHA256>${p.checksum}</ChecksumSHA256>` : '') +
                '</Part>',
            )
            .join('') +
          '</ListPartsResult>';
        ctx.status = 200;
        return;
      }
      if (ctx.method === 'DELETE') {
        uploads.delete(uploadId);
        const { rm: remove } = await import('node:fs/promises');
        const [, bucket] = objectPath.split('/');
        await remove(path.join(server.store.getResourcePath(bucket!, undefined, 'uploads'), uploadId), { recursive: true, force: true });
        ctx.status = 204;
        ctx.body = null;
        return;
      }
      if (ctx.method === 'PUT') {
        const declared = ctx.get('x-amz-checksum-sha256');
        if (up.checksummed && !declared) throw new S3Error('InvalidRequest', 'x-amz-checksum-sha256 is required for parts of this upload.');
        const body = await readAll(ctx.req);
        if (declared && createHash('sha256').update(body).digest('base64') !== declared) {
          throw new S3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
        }
        ctx.req = Object.assign(Readable.from([body]), { headers: ctx.req.headers }) as unknown as KoaCtx['req'];
        await next();
        if (ctx.status < 300) {
          up.parts.set(Number(ctx.query.partNumber), { size: body.length, etag: ctx.response.get('etag'), checksum: declared || null, at: new Date() });
          if (declared) ctx.set('x-amz-checksum-sha256', declared);
        }
        return;
      }
      if (ctx.method === 'POST') {
        const raw = await readAll(ctx.req);
        const listed = [...raw.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1]!)?.[1]),
          etag: (/<ETag>([^<]*)<\/ETag>/.exec(m[1]!)?.[1] ?? '').replace(/&quot;|"/g, ''),
        }));
        const digests: Buffer[] = [];
        for (const p of listed) {
          const have = up.parts.get(p.n);
          if (!have || have.etag.replace(/"/g, '') !== p.etag) throw new S3Error('InvalidPart', `Part ${p.n} was not found or its ETag differs.`);
          if (have.checksum) digests.push(Buffer.from(have.checksum, 'base64'));
        }
        ctx.req = Object.assign(Readable.from([raw]), { headers: ctx.req.headers }) as unknown as KoaCtx['req'];
        await next();
        if (ctx.status < 300) {
          uploads.delete(uploadId);
          if (up.checksummed && digests.length === listed.length) {
            stored.set(objectPath, `${createHash('sha256').update(Buffer.concat(digests)).digest('base64')}-${listed.length}`);
          } else stored.delete(objectPath);
        }
        return;
      }
      return next();
    }
    if (ctx.method === 'PUT' && !ctx.get('x-amz-copy-source')) {
      const declared = ctx.get('x-amz-checksum-sha256');
      if (declared) {
        if (Buffer.from(declared, 'base64').length !== 32) {
          throw new S3Error('InvalidRequest', 'Value for x-amz-checksum-sha256 header is invalid.');
        }
        const body = await readAll(ctx.req);
        const actual = createHash('sha256').update(body).digest('base64');
        if (actual !== declared) {
          throw new S3Error('BadDigest', 'The SHA256 you specified did not match the calculated checksum.');
        }
        // s3rver reads the object body from ctx.req; hand it the bytes we already consumed.
        ctx.req = Object.assign(Readable.from([body]), { headers: ctx.req.headers }) as unknown as KoaCtx['req'];
      }
      await next();
      if (ctx.status < 300) {
        if (declared) stored.set(objectPath, declared);
        else stored.delete(objectPath);
      }
      return;
    }
    await next();
    if (ctx.method === 'DELETE' && ctx.status < 300) stored.delete(objectPath);
    const wantsChecksum = ctx.get('x-amz-checksum-mode').toUpperCase() === 'ENABLED';
    if ((ctx.method === 'GET' || ctx.method === 'HEAD') && ctx.status === 200 && wantsChecksum) {
      const sum = stored.get(objectPath);
      if (sum) ctx.set('x-amz-checksum-sha256', sum);
    }
  };
}

/** Starts s3rver on 127.0.0.1 (ephemeral port by default) with `bucket` created. */
export async function startS3Server(opts: { port?: number; bucket: string }): Promise<S3Server> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'strata-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port ?? 0,
    directory,
    silent: true,
    vhostBuckets: false,
    configureBuckets: [{ name: opts.bucket, configs: [] }],
  });
  // Koa composes `middleware` when the server starts, so prepending here runs ours first.
  const uploads = new Map<string, OpenUpload>(); // uploadId → upload
  server.middleware.unshift(checksumMiddleware(server, uploads));
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: opts.bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    region: 'us-east-1',
    openMultipartUploads: () => [...uploads.values()].map((u) => u.objectPath),
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
