/**
 * An in-process S3-compatible server (s3rver on a temp dir) for tests and benches.
 *
 * What s3rver 3.7.1 does and does not do, checked in its source (lib/middleware/authentication.js,
 * lib/controllers/object.js):
 * - Presigned-URL expiry IS enforced: SigV4 query auth is refused with 403 AccessDenied
 *   "Request has expired" once X-Amz-Date + X-Amz-Expires lies in the past (server clock).
 * - SigV4 signatures are NOT verified (any signature from a known access key passes), so tests
 *   here cannot prove that a header was signed — only the real S3 can.
 * - `x-amz-checksum-sha256` is NOT enforced or stored at all.
 *
 * So this harness adds one documented Koa middleware, run before s3rver's own, that implements
 * S3's documented additional-checksum behaviour for PutObject:
 * - a PUT whose `x-amz-checksum-sha256` HEADER is not base64 of 32 bytes → 400 InvalidRequest;
 * - a PUT whose body's SHA-256 differs from that header → 400 BadDigest, and nothing is stored;
 * - the checksum is remembered and returned as `x-amz-checksum-sha256` on full GET/HEAD when
 *   the request says `x-amz-checksum-mode: ENABLED`.
 * Only the header counts: like S3, a checksum hoisted into the query string is ignored.
 * It also refuses (403 SignatureDoesNotMatch) a presigned request missing a header named in
 * X-Amz-SignedHeaders — presence only; header values are not checked against the signature.
 */
import { createHash } from 'node:crypto';
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
  close(): Promise<void>;
}

interface KoaCtx {
  method: string;
  path: string;
  query: Record<string, string | string[] | undefined>;
  req: NodeJS.ReadableStream & { headers: Record<string, string | string[] | undefined> };
  status: number;
  get(name: string): string;
  set(name: string, value: string): void;
}
type Middleware = (ctx: KoaCtx, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: Middleware[];
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

/** The S3 additional-checksum behaviour s3rver lacks (see the file comment). */
function checksumMiddleware(): Middleware {
  const stored = new Map<string, string>(); // "/bucket/key" → base64 SHA-256
  return async (ctx, next) => {
    const objectPath = decodeURIComponent(ctx.path);
    const isObject = objectPath.split('/').filter(Boolean).length >= 2;
    if (!isObject) return next();
    requireSignedHeaders(ctx);
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
  server.middleware.unshift(checksumMiddleware());
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: opts.bucket,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    region: 'us-east-1',
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
