/**
 * S3FetchBlobStore — the same BlobStore contract as `s3.ts`, over `fetch` with SigV4 from
 * aws4fetch instead of the AWS SDK. The Worker uses it: the SDK resolves its Node runtime
 * (node:https, credential files) under a Node-platform bundle and adds ~100 KB gzipped, while
 * this is a few KB and only needs `fetch` and WebCrypto (docs/adr/0006). Integrity is the same:
 * puts carry `x-amz-checksum-sha256`, presigned PUTs sign it as a header (never hoisted).
 */
import { AwsClient } from 'aws4fetch';
import { z } from 'zod';
import type { BlobHead, BlobObject, BlobPart, BlobStore, ByteRange, PresignedRequest } from '../../ports/blob';
import { systemClock, type Clock } from '../../ports/clock';
import { StrataError, fail } from '../../errors';
import {
  contentMismatch,
  hexToBase64,
  rangeNotSatisfiable,
  validateBlobKey,
  validateExpiresIn,
  validateHeaderValue,
  validatePartNumber,
  validateRange,
  validateSha256Hex,
  validateUploadId,
} from './key';
import { S3Credentials, S3Location } from './s3-options';

/** Workers have no credential chain: keys are required. */
export const S3FetchOptions = S3Location.extend({ credentials: S3Credentials });
export type S3FetchOptions = z.infer<typeof S3FetchOptions> & { clock?: Clock };

const CHECKSUM_HEADER = 'x-amz-checksum-sha256';
const ALGORITHM_HEADER = 'x-amz-sdk-checksum-algorithm';

/** `20250101T000000Z`, the form SigV4 signs. */
const amzDate = (ms: number) => new Date(ms).toISOString().replace(/[:-]|\.\d{3}/g, '');

/** S3's error code from an XML error body (HEAD answers have none). */
async function errorCode(res: Response): Promise<string> {
  const text = await res.text().catch(() => '');
  return /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `HTTP ${res.status}`;
}

/** The text of every `<tag>…</tag>` (S3's XML is flat enough for this; values are unescaped by the caller). */
function xmlValues(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (let m = re.exec(xml); m; m = re.exec(xml)) out.push(m[1]!);
  return out;
}

const unescapeXml = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function headOf(res: Response, size: number): BlobHead {
  return {
    size,
    contentType: res.headers.get('content-type'),
    etag: res.headers.get('etag'),
    checksumSha256: res.headers.get(CHECKSUM_HEADER),
  };
}

/** Creates an S3 BlobStore on fetch; path-style when `endpoint` or `forcePathStyle` is set. */
export function createS3FetchBlobStore(options: S3FetchOptions): BlobStore & { readonly bucket: string } {
  const { bucket, region, endpoint, forcePathStyle, credentials } = S3FetchOptions.parse(options);
  const clock = options.clock ?? systemClock;
  // retries: 0 — the callers (cache, jobs) own retry policy; aws4fetch would retry 10 times
  const aws = new AwsClient({ ...credentials, service: 's3', region, retries: 0 });
  const base = endpoint
    ? forcePathStyle === false
      ? `${new URL(endpoint).protocol}//${bucket}.${new URL(endpoint).host}`
      : `${endpoint.replace(/\/$/, '')}/${bucket}`
    : forcePathStyle
      ? `https://s3.${region}.amazonaws.com/${bucket}`
      : `https://${bucket}.s3.${region}.amazonaws.com`;
  const urlOf = (key: string) => `${base}/${key}`;

  async function send(op: string, url: string, init: RequestInit): Promise<Response> {
    try {
      return await aws.fetch(url, init);
    } catch (e) {
      throw fail.unavailable(`Blob store ${op} failed (${(e as Error).message}).`, e);
    }
  }
  const unavailable = async (op: string, res: Response) =>
    fail.unavailable(`Blob store ${op} failed (${await errorCode(res)}).`);

  async function presign(
    method: 'GET' | 'PUT',
    key: string,
    expiresIn: number,
    headers: Record<string, string>,
    query: Record<string, string> = {},
  ): Promise<PresignedRequest> {
    const now = clock.now();
    const url = new URL(urlOf(key));
    for (const [k, v] of Object.entries(query)) url.searchParams.set(k, v);
    url.searchParams.set('X-Amz-Expires', String(expiresIn));
    const signed = await aws.sign(url.toString(), { method, headers, aws: { signQuery: true, datetime: amzDate(now) } });
    return { url: signed.url, method, headers, expiresAt: Math.floor(now / 1000) + expiresIn };
  }

  return {
    kind: 's3',
    bucket,

    /** PUT with `x-amz-checksum-sha256`, so S3 refuses bytes that do not match. */
    async put(key, body, opts = {}) {
      validateBlobKey(key);
      const sha = opts.sha256Hex === undefined ? undefined : validateSha256Hex(opts.sha256Hex);
      const headers: Record<string, string> = {};
      if (opts.contentType) headers['content-type'] = opts.contentType;
      if (sha) headers[CHECKSUM_HEADER] = hexToBase64(sha);
      const res = await send('put', urlOf(key), { method: 'PUT', headers, body: body as Uint8Array<ArrayBuffer> });
      if (res.ok) return void (await res.body?.cancel());
      const code = await errorCode(res);
      if (code === 'BadDigest' || code === 'XAmzContentChecksumMismatch') throw contentMismatch(key);
      throw fail.unavailable(`Blob store put failed (${code}).`);
    },

    /** HEAD with checksum mode enabled so the stored SHA-256 comes back. */
    async head(key): Promise<BlobHead | null> {
      validateBlobKey(key);
      const res = await send('head', urlOf(key), { method: 'HEAD', headers: { 'x-amz-checksum-mode': 'ENABLED' } });
      if (res.status === 404) return null;
      if (!res.ok) throw await unavailable('head', res);
      return headOf(res, Number(res.headers.get('content-length') ?? 0));
    },

    /** GET, with `Range` when asked; `size` is the whole object's size (from Content-Range). */
    async get(key, range?: ByteRange): Promise<BlobObject | null> {
      validateBlobKey(key);
      if (range) validateRange(range);
      // S3 returns no whole-object checksum for ranged reads, so only ask on full reads
      const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : { 'x-amz-checksum-mode': 'ENABLED' };
      const res = await send('get', urlOf(key), { method: 'GET', headers });
      if (res.status === 404) return (await res.body?.cancel(), null);
      if (res.status === 416) throw rangeNotSatisfiable(key);
      if (!res.ok) throw await unavailable('get', res);
      const body = new Uint8Array(await res.arrayBuffer());
      const total = Number(res.headers.get('content-range')?.split('/')[1] ?? body.byteLength);
      return { ...headOf(res, Number.isFinite(total) ? total : body.byteLength), body };
    },

    /** DELETE; S3 answers 204 for absent keys too. */
    async delete(key) {
      validateBlobKey(key);
      const res = await send('delete', urlOf(key), { method: 'DELETE' });
      if (res.ok || res.status === 404) return void (await res.body?.cancel());
      throw await unavailable('delete', res);
    },

    /** SigV4 query-signed GET URL; response-content-disposition (default `attachment`: S3 cannot add nosniff or a CSP) and -type are signed query parameters. */
    async presignGet(key, { expiresInSec, contentDisposition, contentType }) {
      validateBlobKey(key);
      const query: Record<string, string> = {};
      query['response-content-disposition'] = validateHeaderValue(contentDisposition ?? 'attachment');
      if (contentType) query['response-content-type'] = validateHeaderValue(contentType);
      return presign('GET', key, validateExpiresIn(expiresInSec), {}, query);
    },

    /** SigV4 PUT URL whose signature covers the SHA-256 header; send `headers` verbatim. */
    async presignPut(key, { expiresInSec, sha256Hex, contentType }) {
      validateBlobKey(key);
      const expiresIn = validateExpiresIn(expiresInSec);
      const headers: Record<string, string> = { [CHECKSUM_HEADER]: hexToBase64(validateSha256Hex(sha256Hex)), [ALGORITHM_HEADER]: 'SHA256' };
      if (contentType) headers['content-type'] = contentType;
      return presign('PUT', key, expiresIn, headers);
    },

    multipart: {
      /** POST ?uploads with SHA-256 part checksums, so every part must carry its own. */
      async create(key, opts = {}) {
        validateBlobKey(key);
        const headers: Record<string, string> = { 'x-amz-checksum-algorithm': 'SHA256' };
        if (opts.contentType) headers['content-type'] = validateHeaderValue(opts.contentType);
        const res = await send('multipart create', `${urlOf(key)}?uploads`, { method: 'POST', headers });
        if (!res.ok) throw await unavailable('multipart create', res);
        return { uploadId: validateUploadId(xmlValues(await res.text(), 'UploadId')[0]) };
      },

      /** SigV4 URL for UploadPart; the part's SHA-256 header is signed, as for presignPut. */
      async presignPart(key, uploadId, partNumber, { expiresInSec, sha256Hex }) {
        validateBlobKey(key);
        const headers = { [CHECKSUM_HEADER]: hexToBase64(validateSha256Hex(sha256Hex)), [ALGORITHM_HEADER]: 'SHA256' };
        const query = { partNumber: String(validatePartNumber(partNumber)), uploadId: validateUploadId(uploadId) };
        return presign('PUT', key, validateExpiresIn(expiresInSec), headers, query);
      },

      async putPart(key, uploadId, partNumber, body, { sha256Hex }) {
        validateBlobKey(key);
        const checksum = hexToBase64(validateSha256Hex(sha256Hex));
        const q = new URLSearchParams({ partNumber: String(validatePartNumber(partNumber)), uploadId: validateUploadId(uploadId) });
        const res = await send('multipart put', `${urlOf(key)}?${q}`, { method: 'PUT', headers: { [CHECKSUM_HEADER]: checksum }, body: body as Uint8Array<ArrayBuffer> });
        if (!res.ok) {
          const code = await errorCode(res);
          if (code === 'BadDigest' || code === 'XAmzContentChecksumMismatch') throw contentMismatch(key);
          throw fail.unavailable(`Blob store multipart put failed (${code}).`);
        }
        await res.body?.cancel();
        return { partNumber, size: body.byteLength, etag: res.headers.get('etag') ?? '', checksumSha256: res.headers.get(CHECKSUM_HEADER) ?? checksum };
      },

      /** GET ?uploadId (ListParts), following its pages; NoSuchUpload → null. */
      async listParts(key, uploadId) {
        validateBlobKey(key);
        const parts: BlobPart[] = [];
        let marker = '';
        for (;;) {
          const q = new URLSearchParams({ uploadId: validateUploadId(uploadId), ...(marker ? { 'part-number-marker': marker } : {}) });
          const res = await send('multipart list', `${urlOf(key)}?${q}`, { method: 'GET' });
          if (res.status === 404) return (await res.body?.cancel(), null);
          if (!res.ok) throw await unavailable('multipart list', res);
          const xml = await res.text();
          for (const block of xmlValues(xml, 'Part')) {
            parts.push({
              partNumber: Number(xmlValues(block, 'PartNumber')[0]),
              size: Number(xmlValues(block, 'Size')[0]),
              etag: unescapeXml(xmlValues(block, 'ETag')[0] ?? ''),
              checksumSha256: xmlValues(block, 'ChecksumSHA256')[0] ?? null,
            });
          }
          const next = xmlValues(xml, 'NextPartNumberMarker')[0];
          if (xmlValues(xml, 'IsTruncated')[0] !== 'true' || !next) break;
          marker = next;
        }
        return parts.sort((a, b) => a.partNumber - b.partNumber);
      },

      async complete(key, uploadId, list) {
        validateBlobKey(key);
        const body =
          '<CompleteMultipartUpload>' +
          [...list]
            .sort((a, b) => a.partNumber - b.partNumber)
            .map(
              (p) =>
                `<Part><PartNumber>${validatePartNumber(p.partNumber)}</PartNumber><ETag>${escapeXml(p.etag)}</ETag>` +
                (p.checksumSha256 ? `<ChecksumSHA256>${escapeXml(p.checksumSha256)}</ChecksumSHA256>` : '') +
                '</Part>',
            )
            .join('') +
          '</CompleteMultipartUpload>';
        const q = new URLSearchParams({ uploadId: validateUploadId(uploadId) });
        const res = await send('multipart complete', `${urlOf(key)}?${q}`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body });
        // S3 can answer 200 with an <Error> body when the join fails late
        const text = await res.text();
        const code = /<Error>[\s\S]*<Code>([^<]+)<\/Code>/.exec(text)?.[1];
        if (res.ok && !code) return;
        if (code === 'InvalidPart' || code === 'InvalidPartOrder' || code === 'EntityTooSmall') {
          throw new StrataError('conflict', `The parts of ${key} cannot be joined (${code}).`);
        }
        throw fail.unavailable(`Blob store multipart complete failed (${code ?? `HTTP ${res.status}`}).`);
      },

      async abort(key, uploadId) {
        validateBlobKey(key);
        const q = new URLSearchParams({ uploadId: validateUploadId(uploadId) });
        const res = await send('multipart abort', `${urlOf(key)}?${q}`, { method: 'DELETE' });
        if (res.ok || res.status === 404) return void (await res.body?.cancel());
        throw await unavailable('multipart abort', res);
      },
    },

    /** HEAD on the bucket: proves credentials, network and bucket in one cheap call. */
    async ping() {
      const res = await send('ping', `${base}/`, { method: 'HEAD' });
      if (!res.ok) throw await unavailable('ping', res);
    },
  };
}
