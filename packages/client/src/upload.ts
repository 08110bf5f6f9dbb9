/**
 * Uploading a version's content through /v1/uploads: one presigned PUT, or (above the server's
 * multipart threshold) one presigned PUT per part, each bound to its SHA-256; then `complete`,
 * and for a multipart upload a wait while the server hashes the joined object.
 *
 * Resumable: POST /v1/uploads hands an upload in flight back to its producer, and for a multipart
 * upload GET /v1/uploads/{id}/parts names the parts still missing, so running the same upload
 * again (or `resumeUpload(uploadId)`) sends only what the store does not hold yet.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';

/** The content: bytes in memory, or a reader of byte ranges (a file). */
export type UploadSource = Uint8Array | { readonly sizeBytes: number; read(offset: number, length: number): Promise<Uint8Array> };

export interface UploadProgress {
  /** Bytes the store holds (parts stored before a resume count at once). */
  readonly uploadedBytes: number;
  readonly totalBytes: number;
  /** multipart: the part just stored. */
  readonly partNumber?: number;
  readonly phase: 'uploading' | 'verifying' | 'verified';
}

export interface UploadOptions {
  readonly contentHash: string;
  readonly sizeBytes: number;
  readonly mimeType: string;
  readonly versionId?: string;
  readonly source: UploadSource;
  readonly onProgress?: (p: UploadProgress) => void;
  /** Wait for the server's check of a multipart upload (default true; at most `waitMs`, default 10 min). */
  readonly wait?: boolean;
  readonly waitMs?: number;
  readonly signal?: AbortSignal;
}

export const readRange = async (src: UploadSource, offset: number, length: number): Promise<Uint8Array> =>
  src instanceof Uint8Array ? src.subarray(offset, offset + length) : src.read(offset, length);

export const sha256HexOf = (b: Uint8Array): string => bytesToHex(sha256(b));
