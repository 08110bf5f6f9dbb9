/**
 * Helpers shared by the uploads, delivery and journey suites: the two stacks (embedded default
 * with filesystem blobs served by /blobs, and PostgreSQL + Redis + s3rver), publishing a version
 * whose producer is a given key, identity-signed calls, and sending a presigned request to
 * wherever it points (the app itself for /blobs URLs, the network otherwise).
 */
import { createHash, randomBytes } from 'node:crypto';
import { insertReceiptStatement, transitionReceipt } from '@strata/core/payments/repo';
import type { PrivateKey } from '@bsv/sdk';
import { embeddedDeps, serviceDeps, type TestStack } from './deps';
import { makePublication, type Publication } from './dlm1';
import { startS3Server, type S3Server } from './s3-server';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { replyFrom, submit, type Reply } from './catalog-http';
import { APP_BASE, clientOf } from './client';

/** The embedded stack's presigned URLs name this base; requests to it go to the app. */
export const LOCAL_BASE = APP_BASE;

export const sha256Hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

export interface DeliveryStack extends TestStack {
  readonly name: string;
  readonly s3?: S3Server;
  /** With `s3Proxy`: the TCP proxy in front of s3rver that tests take down. */
  readonly s3Proxy?: TcpProxy;
}

/** The embedded default (PGlite, memory Kv, filesystem blobs served by the app's /blobs route). */
export async function embeddedStack(env: Record<string, string> = {}, platform: Parameters<typeof embeddedDeps>[1] = {}): Promise<DeliveryStack> {
  const stack = await embeddedDeps({ PUBLIC_BASE_URL: LOCAL_BASE, RATE_LIMIT_PER_MIN: '0', ...env }, platform);
  return { ...stack, name: 'embedded' };
}

/** PostgreSQL + Redis (over TCP) + s3rver through the AWS SDK store. */
export async function servicesStack(
  env: Record<string, string> = {},
  platform: Parameters<typeof embeddedDeps>[1] = {},
  o: { s3Proxy?: boolean } = {},
): Promise<DeliveryStack> {
  const s3 = await startS3Server({ bucket: 'strata-delivery' });
  const proxy = o.s3Proxy ? await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(s3.endpoint).port) }) : undefined;
  const stack = await serviceDeps({
    kv: 'redis',
    env: {
      S3_BUCKET: s3.bucket,
      S3_REGION: s3.region,
      S3_ENDPOINT: proxy ? `http://${proxy.host}:${proxy.port}` : s3.endpoint,
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
    ...(proxy ? { s3Proxy: proxy } : {}),
    async close() {
      await stack.close();
      await proxy?.close();
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
  // the manifest names its producer and carries the producer's signature over the versionId
  const p = makePublication(
    { content: { contentHash, mimeType, sizeBytes: bytes.byteLength }, provenance: { createdAt: '2025-01-01T00:00:00Z' } },
    { signer: producer },
  );
  const r = await submit(stack, p);
  if (r.status !== 201) throw new Error(`publish failed: ${r.status} ${JSON.stringify(r.body)}`);
  return { ...p, contentHash };
}

/** An identity-signed JSON call through the typed client, signed by `key` at the server's time (body '' for GET). */
export async function signed(stack: Pick<TestStack, 'app'> & { deps?: TestStack['deps'] }, key: PrivateKey, method: string, path: string, body?: unknown): Promise<Reply> {
  return replyFrom(await clientOf(stack, { signer: key }).request(method, path, body === undefined ? {} : { body }));
}

/** Sends a presigned request (the client's blob transport): to the app for its own /blobs URLs, over the network otherwise. */
export function sendPresigned(
  stack: Pick<TestStack, 'app'>,
  req: { url: string; method: string; headers: Record<string, string> },
  body?: Uint8Array,
  extraHeaders: Record<string, string> = {},
): Promise<Response> {
  return clientOf(stack).blobRequest({ url: req.url, method: req.method, headers: { ...req.headers, ...extraHeaders }, ...(body ? { body } : {}) });
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

/** Publishes `bytes` and uploads them through POST /v1/uploads (the client's upload flow), verified. */
export async function uploadVerified(stack: DeliveryStack, producer: PrivateKey, bytes: Uint8Array) {
  const pub = await publishContent(stack, producer, bytes);
  const done = await clientOf(stack, { signer: producer }).uploadContent({ contentHash: pub.contentHash, sizeBytes: bytes.byteLength, mimeType: 'application/octet-stream', source: bytes });
  if (done.status !== 'verified') throw new Error(`not verified: ${JSON.stringify(done)}`);
  return pub;
}

/** A receipt straight through the payments repository (the pay verbs are exercised by the journey). */
export async function makeReceipt(
  stack: DeliveryStack,
  pub: { versionId: string; contentHash: string },
  o: { unitBytes: number; quantity?: number; singleUse?: boolean; status?: 'pending' | 'paid' | 'confirmed'; expiresInSec?: number },
): Promise<string> {
  const receiptId = `rcpt_${randomBytes(16).toString('hex')}`;
  const now = new Date(stack.deps.clock.now());
  const expiresAt = new Date(now.getTime() + (o.expiresInSec ?? 1800) * 1000);
  const s = insertReceiptStatement({
    receiptId,
    versionId: pub.versionId,
    contentHash: pub.contentHash,
    producerId: null,
    quantity: o.quantity ?? 1,
    unitPriceSat: 1000,
    unitBytes: o.unitBytes,
    singleUse: o.singleUse ?? false,
    expiresAt,
    now,
  });
  await stack.deps.sql.query(s.text, s.params);
  const status = o.status ?? 'paid';
  const a = { actor: 'test' };
  if (status !== 'pending') await transitionReceipt(stack.deps.sql, receiptId, { kind: 'pay', txid: randomBytes(32).toString('hex'), accessUntil: expiresAt }, now, a);
  if (status === 'confirmed') await transitionReceipt(stack.deps.sql, receiptId, { kind: 'confirm' }, now, a);
  return receiptId;
}

