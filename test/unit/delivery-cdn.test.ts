/**
 * The download URL by CDN_MODE (delivery/cdn.ts) and the CloudFront signer (delivery/cloudfront.ts),
 * server-free: each URL is checked the way whoever serves it checks it — the /blobs route's HMAC
 * for the filesystem store, S3's SigV4 (the s3-server harness's verifier) for the S3 store, and
 * for CloudFront the canned policy rebuilt from the URL and verified with the key pair's public
 * key, as the CDN does. Nothing is sent anywhere.
 */
import { createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFsBlobStore } from '@strata/core/adapters/blob/fs';
import { createS3BlobStore } from '@strata/core/adapters/blob/s3';
import { verifyBlobSignature } from '@strata/core/adapters/blob/signing';
import { parseConfig } from '@strata/core/config/index';
import { issueUrl } from '@strata/core/delivery/cdn';
import { signCloudFrontUrl } from '@strata/core/delivery/cloudfront';
import { manualClock } from '@strata/core/ports/clock';
import type { BlobStore } from '@strata/core/ports/index';
import { verifySigV4 } from '../support/s3-server';

/** 999 ms past a second: flooring, rounding and ceiling all differ. */
const NOW_MS = Date.UTC(2026, 5, 1, 8, 30, 0, 999);
const NOW_S = Math.floor(NOW_MS / 1000);
const KEY = `warm/${'0a'.repeat(32)}`;
const DISPOSITION = `attachment; filename="${'0a'.repeat(32)}"`;
const SECRET = 'cdn-unit-signing-secret-0123456789';
const issue = { key: KEY, expiresInSec: 300, nowMs: NOW_MS, contentDisposition: DISPOSITION, contentType: 'text/csv' };

function keyPair(): { pem: string; publicKey: KeyObject } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { pem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(), publicKey };
}

/** What CloudFront checks: the canned policy for the URL without its signing parameters, under the public key. */
function cloudFrontVerifies(url: string, publicKey: KeyObject): { resource: string; expires: number; keyPairId: string | null; valid: boolean } {
  const at = url.indexOf('&Expires=') >= 0 ? url.indexOf('&Expires=') : url.indexOf('?Expires=');
  const resource = url.slice(0, at);
  const q = new URL(url).searchParams;
  const expires = Number(q.get('Expires'));
  const sig = Buffer.from(q.get('Signature')!.replace(/-/g, '+').replace(/_/g, '=').replace(/~/g, '/'), 'base64');
  const policy = JSON.stringify({ Statement: [{ Resource: resource, Condition: { DateLessThan: { 'AWS:EpochTime': expires } } }] });
  return { resource, expires, keyPairId: q.get('Key-Pair-Id'), valid: createVerify('RSA-SHA1').update(policy).verify(publicKey, sig) };
}

const cdnResource = (base: string) => `${base}/${KEY}?response-content-disposition=${encodeURIComponent(DISPOSITION)}`;

let dir: string;
let fsStore: BlobStore;
/** Two key pairs, made once (RSA key generation is the slow part of this file). */
let A: ReturnType<typeof keyPair>;
let B: ReturnType<typeof keyPair>;
const clock = manualClock(NOW_MS);
beforeAll(async () => {
  A = keyPair();
  B = keyPair();
  dir = await mkdtemp(join(tmpdir(), 'strata-cdn-'));
  fsStore = createFsBlobStore({ root: dir, publicBaseUrl: 'http://strata.test', signingSecret: SECRET, clock });
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('signCloudFrontUrl', () => {
  it('signs the canned policy of the URL until expiresAt with the given key and key pair id', () => {
    const k = A;
    const url = signCloudFrontUrl({ url: 'https://cdn.example.test/hot/abc?x=1', keyPairId: 'KAAAAAAAAAAAA1', privateKeyPem: k.pem, expiresAt: 1_900_000_123 });
    expect(cloudFrontVerifies(url, k.publicKey)).toEqual({ resource: 'https://cdn.example.test/hot/abc?x=1', expires: 1_900_000_123, keyPairId: 'KAAAAAAAAAAAA1', valid: true });
    expect(cloudFrontVerifies(url, B.publicKey).valid).toBe(false);
  });

  it('each PEM signs with its own key, also after another was used (and again after that)', () => {
    const [a, b] = [B, A];
    const sign = (pem: string) => signCloudFrontUrl({ url: 'https://cdn.example.test/k', keyPairId: 'KBBBBBBBBBBBB2', privateKeyPem: pem, expiresAt: 1_900_000_000 });
    const ua = sign(a.pem);
    const ub = sign(b.pem);
    const ua2 = sign(a.pem);
    expect([cloudFrontVerifies(ua, a.publicKey).valid, cloudFrontVerifies(ub, b.publicKey).valid, cloudFrontVerifies(ua2, a.publicKey).valid]).toEqual([true, true, true]);
    expect(cloudFrontVerifies(ub, a.publicKey).valid).toBe(false);
  });
});

describe('issueUrl', () => {
  it('direct: the CDN URL of the key with the disposition, unsigned, trailing slashes of the base dropped; expiry from nowMs', async () => {
    const config = parseConfig({ CDN_MODE: 'direct', CDN_BASE_URL: 'https://cdn.example.test/files///' });
    expect(await issueUrl(config, fsStore, null, issue)).toEqual({ url: cdnResource('https://cdn.example.test/files'), method: 'GET', headers: {}, expiresAt: NOW_S + 300 });
    const single = parseConfig({ CDN_MODE: 'direct', CDN_BASE_URL: 'https://cdn.example.test' });
    expect((await issueUrl(single, fsStore, null, { ...issue, expiresInSec: 60 })).url).toBe(cdnResource('https://cdn.example.test'));
  });

  it('signed: the CloudFront URL of the key, signed with the configured key pair until nowMs + expiresInSec', async () => {
    const k = B;
    const config = parseConfig({ CDN_MODE: 'signed', CDN_BASE_URL: 'https://cdn.example.test/', CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', CDN_PRIVATE_KEY: k.pem });
    const got = await issueUrl(config, fsStore, signCloudFrontUrl, issue);
    expect({ ...got, url: undefined }).toEqual({ url: undefined, method: 'GET', headers: {}, expiresAt: NOW_S + 300 });
    expect(cloudFrontVerifies(got.url, k.publicKey)).toEqual({ resource: cdnResource('https://cdn.example.test'), expires: NOW_S + 300, keyPairId: 'K2JCJMDEHXQW5F', valid: true });
  });

  it('signed without a signer is a bug, said so', async () => {
    const config = parseConfig({ CDN_MODE: 'signed', CDN_BASE_URL: 'https://cdn.example.test', CDN_KEY_PAIR_ID: 'K2JCJMDEHXQW5F', CDN_PRIVATE_KEY: A.pem });
    await expect(issueUrl(config, fsStore, null, issue)).rejects.toThrow(new Error('CDN_MODE=signed without a CloudFront signer'));
  });

  it('off, filesystem store: the /blobs URL the route accepts, with the disposition, for expiresInSec', async () => {
    const got = await issueUrl(parseConfig({}), fsStore, null, issue);
    expect({ ...got, url: undefined }).toEqual({ url: undefined, method: 'GET', headers: {}, expiresAt: NOW_S + 300 });
    const u = new URL(got.url);
    expect(u.pathname).toBe(`/blobs/${KEY}`);
    const check = await verifyBlobSignature({ secret: SECRET, method: 'GET', key: KEY, query: u.searchParams, now: NOW_MS });
    expect(check).toMatchObject({ ok: true, expires: NOW_S + 300, disposition: DISPOSITION });
  });

  it('off, S3 store: a SigV4 URL that signs the disposition and the content type for expiresInSec', async () => {
    const s3 = createS3BlobStore({ bucket: 'strata-cdn', region: 'us-east-1', endpoint: 'http://127.0.0.1:9', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, clock });
    const got = await issueUrl(parseConfig({}), s3, null, issue);
    const u = new URL(got.url);
    expect(u.pathname).toBe(`/strata-cdn/${KEY}`);
    expect(u.searchParams.get('response-content-disposition')).toBe(DISPOSITION);
    expect(u.searchParams.get('response-content-type')).toBe('text/csv');
    expect(u.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(verifySigV4({ method: 'GET', url: `${u.pathname}${u.search}`, get: (h: string) => (h === 'host' ? u.host : '') })).toBeNull();
  });
});
