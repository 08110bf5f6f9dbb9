/**
 * The URL a buyer fetches, by CDN_MODE: `off` — the blob store's presigned GET (S3 SigV4, or
 * the /blobs route's HMAC on the embedded default); `direct` — CDN_BASE_URL/<key>, unsigned (a
 * CDN that serves the bucket publicly); `signed` — a CloudFront signed URL (canned policy, RSA
 * key pair) for CDN_BASE_URL/<key>, from the platform's signer (cloudfront.ts). All of them are
 * computed locally: no request leaves.
 */
import type { Config } from '../config/index';
import type { BlobStore, PresignedRequest } from '../ports/blob';

export interface CdnSignInput {
  readonly url: string;
  readonly keyPairId: string;
  readonly privateKeyPem: string;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

/** Signs a CloudFront URL (Platform.signCdnUrl). */
export type CdnSigner = (i: CdnSignInput) => string | Promise<string>;

export interface Issue {
  readonly key: string;
  readonly expiresInSec: number;
  readonly nowMs: number;
  readonly contentDisposition: string;
  readonly contentType: string;
}

const cdnUrl = (base: string, key: string, disposition: string) =>
  `${base.replace(/\/+$/, '')}/${key}?response-content-disposition=${encodeURIComponent(disposition)}`;

export async function issueUrl(config: Config, blobs: BlobStore, signer: CdnSigner | null, i: Issue): Promise<PresignedRequest> {
  const expiresAt = Math.floor(i.nowMs / 1000) + i.expiresInSec;
  if (config.CDN_MODE === 'direct') {
    return { url: cdnUrl(config.CDN_BASE_URL!, i.key, i.contentDisposition), method: 'GET', headers: {}, expiresAt };
  }
  if (config.CDN_MODE === 'signed') {
    // createDeps refuses CDN_MODE=signed on a platform without a signer, so this is a bug if hit
    if (!signer) throw new Error('CDN_MODE=signed without a CloudFront signer');
    const url = await signer({ url: cdnUrl(config.CDN_BASE_URL!, i.key, i.contentDisposition), keyPairId: config.CDN_KEY_PAIR_ID!, privateKeyPem: config.CDN_PRIVATE_KEY!.reveal(), expiresAt });
    return { url, method: 'GET', headers: {}, expiresAt };
  }
  return blobs.presignGet(i.key, { expiresInSec: i.expiresInSec, contentDisposition: i.contentDisposition, contentType: i.contentType });
}
