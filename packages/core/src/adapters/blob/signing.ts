/**
 * HMAC-signed blob URLs for the filesystem store, served by Strata's own blob route:
 * `<base>/blobs/<key>?method=GET|PUT&expires=<epoch s>[&sha256=<hex>][&contentType=..]&sig=<hex>`.
 * Web Crypto only (no node:*), so the route can verify on any runtime.
 */
import { BlobKey, Sha256Hex } from './key';

export interface BlobSignatureParams {
  readonly method: 'GET' | 'PUT';
  readonly key: string;
  /** Epoch seconds. */
  readonly expires: number;
  /** PUT only: the only bytes the URL accepts. */
  readonly sha256Hex?: string;
  /** PUT only: the content type the object will be stored with. */
  readonly contentType?: string;
  /** PUT of one part of a multipart upload: which upload and which part. */
  readonly uploadId?: string;
  readonly partNumber?: number;
  /** GET only: the Content-Disposition the response carries (S3's response-content-disposition). */
  readonly disposition?: string;
}

export type BlobSignatureCheck =
  | ({ readonly ok: true } & BlobSignatureParams)
  | { readonly ok: false; readonly reason: 'malformed' | 'method-mismatch' | 'expired' | 'bad-signature' };

const enc = new TextEncoder();

function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

/**
 * Newline-joined so no field can bleed into another (none may contain a newline). The fields
 * added later are tagged and only present when set, so URLs signed before them still verify.
 */
function canonical(p: BlobSignatureParams): Uint8Array<ArrayBuffer> {
  const fields = ['strata-blob-v1', p.method, p.key, String(p.expires), p.sha256Hex ?? '', p.contentType ?? ''];
  if (p.uploadId !== undefined) fields.push('part', p.uploadId, String(p.partNumber ?? ''));
  if (p.disposition !== undefined) fields.push('disposition', p.disposition);
  return enc.encode(fields.join('\n'));
}

function toHex(buf: ArrayBuffer): string {
  return [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Hex HMAC-SHA256 over the canonical form of the parameters. */
export async function signBlobParams(secret: string, p: BlobSignatureParams): Promise<string> {
  return toHex(await crypto.subtle.sign('HMAC', await hmacKey(secret, 'sign'), canonical(p)));
}

/** A full signed URL for the blob route. */
export async function buildSignedBlobUrl(publicBaseUrl: string, secret: string, p: BlobSignatureParams): Promise<string> {
  const q = new URLSearchParams({ method: p.method, expires: String(p.expires) });
  if (p.sha256Hex !== undefined) q.set('sha256', p.sha256Hex);
  if (p.contentType !== undefined) q.set('contentType', p.contentType);
  if (p.uploadId !== undefined) q.set('uploadId', p.uploadId);
  if (p.partNumber !== undefined) q.set('partNumber', String(p.partNumber));
  if (p.disposition !== undefined) q.set('disposition', p.disposition);
  q.set('sig', await signBlobParams(secret, p));
  return `${publicBaseUrl.replace(/\/+$/, '')}/blobs/${p.key}?${q.toString()}`;
}

type QueryLike = URLSearchParams | Readonly<Record<string, string | undefined>>;

function param(query: QueryLike, name: string): string | undefined {
  return query instanceof URLSearchParams ? (query.get(name) ?? undefined) : query[name];
}

/**
 * Checks a signed blob URL: `method` is the HTTP method of the request, `key` the path after
 * `/blobs/`, `now` epoch milliseconds. HMAC comparison is constant time (Web Crypto verify).
 */
export async function verifyBlobSignature(input: {
  secret: string;
  method: string;
  key: string;
  query: QueryLike;
  now: number;
}): Promise<BlobSignatureCheck> {
  const method = param(input.query, 'method');
  const expiresRaw = param(input.query, 'expires');
  const sig = param(input.query, 'sig');
  const sha = param(input.query, 'sha256');
  const contentType = param(input.query, 'contentType');
  const uploadId = param(input.query, 'uploadId');
  const partRaw = param(input.query, 'partNumber');
  const disposition = param(input.query, 'disposition');
  if ((uploadId === undefined) !== (partRaw === undefined)) return { ok: false, reason: 'malformed' };
  if (uploadId !== undefined && (method !== 'PUT' || !/^[0-9a-f]{32}$/.test(uploadId) || !/^[1-9]\d{0,4}$/.test(partRaw!))) {
    return { ok: false, reason: 'malformed' };
  }
  if (disposition !== undefined && (method !== 'GET' || /[\r\n]/.test(disposition))) return { ok: false, reason: 'malformed' };
  if ((method !== 'GET' && method !== 'PUT') || !expiresRaw || !/^\d{1,12}$/.test(expiresRaw) || !sig) {
    return { ok: false, reason: 'malformed' };
  }
  if (!BlobKey.safeParse(input.key).success) return { ok: false, reason: 'malformed' };
  if (method === 'PUT' && (sha === undefined || !Sha256Hex.safeParse(sha).success || sha !== sha.toLowerCase())) {
    return { ok: false, reason: 'malformed' };
  }
  if (contentType !== undefined && /[\r\n]/.test(contentType)) return { ok: false, reason: 'malformed' };
  const sigBytes = fromHex(sig);
  if (!sigBytes) return { ok: false, reason: 'bad-signature' };
  const params: BlobSignatureParams = {
    method,
    key: input.key,
    expires: Number(expiresRaw),
    ...(method === 'PUT' ? { sha256Hex: sha } : {}),
    ...(contentType !== undefined ? { contentType } : {}),
    ...(uploadId !== undefined ? { uploadId, partNumber: Number(partRaw) } : {}),
    ...(disposition !== undefined ? { disposition } : {}),
  };
  // Verify the signature before looking at anything else so tampered URLs never learn more.
  const valid = await crypto.subtle.verify('HMAC', await hmacKey(input.secret, 'verify'), sigBytes, canonical(params));
  if (!valid) return { ok: false, reason: 'bad-signature' };
  if (input.method.toUpperCase() !== method) return { ok: false, reason: 'method-mismatch' };
  if (input.now >= params.expires * 1000) return { ok: false, reason: 'expired' };
  return { ok: true, ...params };
}
