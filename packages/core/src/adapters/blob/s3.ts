/**
 * S3BlobStore — the production BlobStore. Integrity rides on S3's own additional checksums:
 * puts carry `x-amz-checksum-sha256`, and presigned PUTs sign that header so S3 itself rejects
 * any other bytes (BadDigest). The header must stay a header: S3 ignores a checksum hoisted
 * into the query string, so it is listed as unhoistable.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  UploadPartCommand,
  type Part,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
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
  validateRange,
  validateSha256Hex,
  validatePartNumber,
  validateUploadId,
} from './key';
import { S3Credentials, S3Location } from './s3-options';

/** Without credentials the SDK's default chain applies (the Lambda role). */
export const S3BlobStoreOptions = S3Location.extend({ credentials: S3Credentials.optional() });
export type S3BlobStoreOptions = z.infer<typeof S3BlobStoreOptions> & {
  /** A preconfigured client (its checksum settings are then the caller's business). */
  client?: S3Client;
  /** Only the presign timestamp follows this clock; requests are signed with real time. */
  clock?: Clock;
};

/** The header names the client must send with a presigned PUT. */
const CHECKSUM_HEADER = 'x-amz-checksum-sha256';
const ALGORITHM_HEADER = 'x-amz-sdk-checksum-algorithm';

interface AwsError {
  name?: string;
  Code?: string;
  $metadata?: { httpStatusCode?: number };
}

function status(e: unknown): number | undefined {
  return (e as AwsError | null)?.$metadata?.httpStatusCode;
}
function code(e: unknown): string | undefined {
  const err = e as AwsError | null;
  return err?.Code ?? err?.name;
}
function isNotFound(e: unknown): boolean {
  return status(e) === 404 || code(e) === 'NoSuchKey' || code(e) === 'NotFound';
}

/** Creates an S3 BlobStore; works against AWS S3 and S3-compatible servers (path style). */
export function createS3BlobStore(options: S3BlobStoreOptions): BlobStore & { readonly client: S3Client; readonly bucket: string } {
  const { bucket, region, endpoint, forcePathStyle, credentials } = S3BlobStoreOptions.parse(options);
  const clock = options.clock ?? systemClock;
  const client =
    options.client ??
    new S3Client({
      region,
      ...(endpoint ? { endpoint } : {}),
      ...(forcePathStyle !== undefined ? { forcePathStyle } : {}),
      ...(credentials ? { credentials } : {}),
      // Since 3.729 the SDK adds CRC32 checksums (aws-chunked for streams) to every upload by
      // default; S3-compatible servers often reject that, and we send our own SHA-256 anyway.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });

  const unavailable = (op: string, e: unknown) =>
    e instanceof StrataError ? e : fail.unavailable(`Blob store ${op} failed (${code(e) ?? 'unknown error'}).`, e);

  return {
    kind: 's3',
    client,
    bucket,

    /** PutObject with `ChecksumSHA256`, so S3 refuses bytes that do not match. */
    async put(key, body, opts = {}) {
      validateBlobKey(key);
      const sha = opts.sha256Hex === undefined ? undefined : validateSha256Hex(opts.sha256Hex);
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentLength: body.byteLength,
            ...(opts.contentType ? { ContentType: opts.contentType } : {}),
            ...(sha ? { ChecksumSHA256: hexToBase64(sha) } : {}),
          }),
        );
      } catch (e) {
        if (code(e) === 'BadDigest' || code(e) === 'XAmzContentChecksumMismatch') throw contentMismatch(key);
        throw unavailable('put', e);
      }
    },

    /** HeadObject with checksum mode enabled so the stored SHA-256 comes back. */
    async head(key): Promise<BlobHead | null> {
      validateBlobKey(key);
      try {
        const r = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
        return { size: r.ContentLength ?? 0, contentType: r.ContentType ?? null, etag: r.ETag ?? null, checksumSha256: r.ChecksumSHA256 ?? null };
      } catch (e) {
        if (isNotFound(e)) return null;
        throw unavailable('head', e);
      }
    },

    /** GetObject, with `Range` when asked; `size` is the whole object's size (from Content-Range). */
    async get(key, range?: ByteRange): Promise<BlobObject | null> {
      validateBlobKey(key);
      if (range) validateRange(range);
      try {
        const r = await client.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            // S3 returns no whole-object checksum for ranged reads, so only ask on full reads.
            ...(range ? { Range: `bytes=${range.start}-${range.end ?? ''}` } : { ChecksumMode: 'ENABLED' }),
          }),
        );
        const body = r.Body ? await r.Body.transformToByteArray() : new Uint8Array(0);
        const total = r.ContentRange ? Number(r.ContentRange.split('/')[1]) : (r.ContentLength ?? body.byteLength);
        return {
          size: Number.isFinite(total) ? total : body.byteLength,
          contentType: r.ContentType ?? null,
          etag: r.ETag ?? null,
          checksumSha256: r.ChecksumSHA256 ?? null,
          body,
        };
      } catch (e) {
        if (isNotFound(e)) return null;
        if (status(e) === 416 || code(e) === 'InvalidRange') throw rangeNotSatisfiable(key);
        throw unavailable('get', e);
      }
    },

    /** DeleteObject; S3 answers 204 for absent keys too. */
    async delete(key) {
      validateBlobKey(key);
      try {
        await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (e) {
        if (isNotFound(e)) return;
        throw unavailable('delete', e);
      }
    },

    /** SigV4 query-signed GET URL; response-content-disposition (default `attachment`) and -type are signed query parameters. */
    async presignGet(key, { expiresInSec, contentDisposition, contentType }): Promise<PresignedRequest> {
      validateBlobKey(key);
      const expiresIn = validateExpiresIn(expiresInSec);
      const signingDate = new Date(clock.now());
      // served bytes are inert (inert.ts): S3 cannot add nosniff or a CSP, but it can make every
      // presigned download an attachment, which a browser never renders
      const command = new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        ResponseContentDisposition: validateHeaderValue(contentDisposition ?? 'attachment'),
        ...(contentType ? { ResponseContentType: validateHeaderValue(contentType) } : {}),
      });
      const url = await getSignedUrl(client, command, { expiresIn, signingDate });
      return { url, method: 'GET', headers: {}, expiresAt: Math.floor(signingDate.getTime() / 1000) + expiresIn };
    },

    /** SigV4 PUT URL whose signature covers the SHA-256 header; send `headers` verbatim. */
    async presignPut(key, { expiresInSec, sha256Hex, contentType }): Promise<PresignedRequest> {
      validateBlobKey(key);
      const expiresIn = validateExpiresIn(expiresInSec);
      const checksum = hexToBase64(validateSha256Hex(sha256Hex));
      const signingDate = new Date(clock.now());
      const command = new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        ChecksumSHA256: checksum,
        ChecksumAlgorithm: 'SHA256',
        ...(contentType ? { ContentType: contentType } : {}),
      });
      const signed = new Set([CHECKSUM_HEADER, ALGORITHM_HEADER, ...(contentType ? ['content-type'] : [])]);
      const url = await getSignedUrl(client, command, {
        expiresIn,
        signingDate,
        signableHeaders: signed,
        unhoistableHeaders: new Set([CHECKSUM_HEADER, ALGORITHM_HEADER]),
      });
      const headers: Record<string, string> = { [CHECKSUM_HEADER]: checksum, [ALGORITHM_HEADER]: 'SHA256' };
      if (contentType) headers['content-type'] = contentType;
      return { url, method: 'PUT', headers, expiresAt: Math.floor(signingDate.getTime() / 1000) + expiresIn };
    },

    multipart: {
      /** CreateMultipartUpload with SHA-256 part checksums, so every part must carry its own. */
      async create(key, opts = {}) {
        validateBlobKey(key);
        try {
          const r = await client.send(
            new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ChecksumAlgorithm: 'SHA256', ...(opts.contentType ? { ContentType: opts.contentType } : {}) }),
          );
          return { uploadId: validateUploadId(r.UploadId) };
        } catch (e) {
          throw unavailable('multipart create', e);
        }
      },

      /** SigV4 URL for UploadPart; the part's SHA-256 header is signed, as for presignPut. */
      async presignPart(key, uploadId, partNumber, { expiresInSec, sha256Hex }) {
        validateBlobKey(key);
        const expiresIn = validateExpiresIn(expiresInSec);
        const checksum = hexToBase64(validateSha256Hex(sha256Hex));
        const signingDate = new Date(clock.now());
        const command = new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: validateUploadId(uploadId),
          PartNumber: validatePartNumber(partNumber),
          ChecksumSHA256: checksum,
          ChecksumAlgorithm: 'SHA256',
        });
        const url = await getSignedUrl(client, command, {
          expiresIn,
          signingDate,
          signableHeaders: new Set([CHECKSUM_HEADER, ALGORITHM_HEADER]),
          unhoistableHeaders: new Set([CHECKSUM_HEADER, ALGORITHM_HEADER]),
        });
        const headers = { [CHECKSUM_HEADER]: checksum, [ALGORITHM_HEADER]: 'SHA256' };
        return { url, method: 'PUT', headers, expiresAt: Math.floor(signingDate.getTime() / 1000) + expiresIn };
      },

      async putPart(key, uploadId, partNumber, body, { sha256Hex }) {
        validateBlobKey(key);
        const checksum = hexToBase64(validateSha256Hex(sha256Hex));
        try {
          const r = await client.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: validateUploadId(uploadId),
              PartNumber: validatePartNumber(partNumber),
              Body: body,
              ContentLength: body.byteLength,
              ChecksumSHA256: checksum,
            }),
          );
          return { partNumber, size: body.byteLength, etag: r.ETag ?? '', checksumSha256: r.ChecksumSHA256 ?? checksum };
        } catch (e) {
          if (code(e) === 'BadDigest' || code(e) === 'XAmzContentChecksumMismatch') throw contentMismatch(key);
          throw unavailable('multipart put', e);
        }
      },

      /** ListParts, following its pages; NoSuchUpload → null. */
      async listParts(key, uploadId) {
        validateBlobKey(key);
        const parts: BlobPart[] = [];
        let marker: string | undefined;
        try {
          for (;;) {
            const r = await client.send(
              new ListPartsCommand({ Bucket: bucket, Key: key, UploadId: validateUploadId(uploadId), ...(marker ? { PartNumberMarker: marker } : {}) }),
            );
            for (const p of r.Parts ?? []) {
              parts.push({ partNumber: p.PartNumber ?? 0, size: p.Size ?? 0, etag: p.ETag ?? '', checksumSha256: p.ChecksumSHA256 ?? null });
            }
            if (!r.IsTruncated || !r.NextPartNumberMarker) break;
            marker = r.NextPartNumberMarker;
          }
        } catch (e) {
          if (status(e) === 404 || code(e) === 'NoSuchUpload') return null;
          throw unavailable('multipart list', e);
        }
        return parts.sort((a, b) => a.partNumber - b.partNumber);
      },

      async complete(key, uploadId, parts) {
        validateBlobKey(key);
        const list: Part[] = [...parts]
          .sort((a, b) => a.partNumber - b.partNumber)
          .map((p) => ({ PartNumber: p.partNumber, ETag: p.etag, ...(p.checksumSha256 ? { ChecksumSHA256: p.checksumSha256 } : {}) }));
        try {
          await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: validateUploadId(uploadId), MultipartUpload: { Parts: list } }));
        } catch (e) {
          if (code(e) === 'InvalidPart' || code(e) === 'InvalidPartOrder' || code(e) === 'EntityTooSmall') {
            throw new StrataError('conflict', `The parts of ${key} cannot be joined (${code(e)}).`);
          }
          throw unavailable('multipart complete', e);
        }
      },

      async abort(key, uploadId) {
        validateBlobKey(key);
        try {
          await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: validateUploadId(uploadId) }));
        } catch (e) {
          if (status(e) === 404 || code(e) === 'NoSuchUpload') return;
          throw unavailable('multipart abort', e);
        }
      },
    },

    /** HeadBucket: proves credentials, network and bucket in one cheap call. */
    async ping() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }));
      } catch (e) {
        throw unavailable('ping', e);
      }
    },
  };
}
