/**
 * Helpers shared by the uploads, delivery and journey suites: the two stacks (embedded default
 * with filesystem blobs served by /blobs, and PostgreSQL + Redis + s3rver), publishing a version
 * whose producer is a given key, identity-signed calls, and sending a presigned request to
 * wherever it points (the app itself for /blobs URLs, the network otherwise).
 */
import { createHash } from 'node:crypto';
import type { PrivateKey } from '@bsv/sdk';
import { embeddedDeps, serviceDeps, type TestStack } from '../support/deps';
import { makePublication, type Publication } from '../support/dlm1';
import { identityHeaders } from '../support/identity';
import { startS3Server, type S3Server } from '../support/s3-server';
import { call, submit, type Reply } from './catalog-http';

/** The embedded stack's presigned URLs name this base; requests to it go to the app. */
export const LOCAL_BASE = 'http://strata.test';

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface DeliveryStack extends TestStack {
  readonly name: string;
  readonly s3?: S3Server;
}

/** The embedded default (PGlite, memory Kv, filesystem blobs served by the app's /blobs route). */
export async function embeddedStack(env: Record<string, string> = {}, platform: Parameters<typeof embeddedDeps>[1] = {}): Promise<DeliveryStack> {
  const stack = await embeddedDeps({ PUBLIC_BASE_URL: LOCAL_BASE, RATE_LIMIT_PER_MIN: '0', ...env }, platform);
  return { ...stack, name: 'embedded' };
}

/** PostgreSQL + Redis (over TCP) + s3rver through the AWS SDK store. */
export async function servicesStack(env: Record<string, string> = {}, platform: Parameters<typeof embeddedDeps>[1] = {}): Promise<DeliveryStack> {
  const s3 = await startS3Server({ bucket: 'strata-delivery' });
  const stack = await serviceDeps({
    kv: 'redis',
    env: {
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ENDPOINT: s3.endpoint,
      S3_FORCE_PATH_STYLE: 'true',
      S3_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      // where ARC's callbacks are addressed (tests route them into the app)
      PUBLIC_BASE_URL: LOCAL_BASE,
      RATE_LIMIT_PER_MIN: '0',
      ...env,
    },
    platform,
  });
  return {
    ...stack,
    name: 'postgres+redis+s3rver',
    s3,
    async close() {
      await stack.close();
      await s3.close();
    },
  };
}

/** Publishes a version of `bytes` whose producer is `producer`. */
export async function publishContent(
  stack: Pick<TestStack, 'app'>,
  producer: PrivateKey,
  bytes: Uint8Array,
  mimeType = 'application/octet-stream',
): Promise<Publication & { contentHash: string }> {
  const contentHash = sha256Hex(bytes);
  const p = makePublication({
    content: { contentHash, mimeType, sizeBytes: bytes.byteLength },
    provenance: { createdAt: '2025-01-01T00:00:00Z', producer: { identityKey: producer.toPublicKey().toString() } },
  });
  const r = await submit(stack, p);
  if (r.status !== 201) throw new Error(`publish failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...p, contentHash };
}

/** An identity-signed JSON call (body '' for GET). */
export function signed(stack: Pick<TestStack, 'app'>, key: PrivateKey, method: string, path: string, body?: unknown): Promise<Reply> {
  const raw = body === undefined ? '' : JSON.stringify(body);
  return call(stack, method, path, { ...(body === undefined ? {} : { raw }), headers: identityHeaders(key, raw) });
}

/** Sends a presigned request: to the app for its own /blobs URLs, over the network otherwise. */
export async function sendPresigned(
  stack: Pick<TestStack, 'app'>,
  req: { url: string; method: string; headers: Record<string, string> },
  body?: Uint8Array,
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  const init = { method: req.method, headers: { ...req.headers, ...extraHeaders }, ...(body ? { body: body as Uint8Array<ArrayBuffer> } : {}) };
  if (req.url.startsWith(`${LOCAL_BASE}/`)) return stack.app.request(req.url.slice(LOCAL_BASE.length), init);
  return fetch(req.url, init);
}

/** Deterministic pseudo-random bytes. */
export function bytesOf(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}
