/** BlobStore — content bytes (S3 in production, the filesystem locally). Keys are validated paths. */
export interface BlobHead {
  readonly size: number;
  readonly contentType: string | null;
  readonly etag: string | null;
  /** Base64 SHA-256 when the store recorded one. */
  readonly checksumSha256: string | null;
}

export interface BlobObject extends BlobHead {
  readonly body: Uint8Array;
}

export interface ByteRange {
  /** First byte, inclusive. */
  readonly start: number;
  /** Last byte, inclusive; absent → to the end. */
  readonly end?: number;
}

export interface PresignedRequest {
  readonly url: string;
  readonly method: 'GET' | 'PUT';
  /** Headers the client must send with the request for the signature to hold. */
  readonly headers: Readonly<Record<string, string>>;
  /** Epoch seconds. */
  readonly expiresAt: number;
}

export interface BlobStore {
  readonly kind: 's3' | 'fs';
  /** Stores bytes; with `sha256Hex` the store rejects bytes whose hash differs. */
  put(key: string, body: Uint8Array, opts?: { contentType?: string; sha256Hex?: string }): Promise<void>;
  /** Metadata, or null when absent. */
  head(key: string): Promise<BlobHead | null>;
  /** Bytes (optionally a range), or null when absent. */
  get(key: string, range?: ByteRange): Promise<BlobObject | null>;
  /** Removes an object; absent objects are not an error. */
  delete(key: string): Promise<void>;
  /**
   * A URL that serves the object until `expiresInSec` have passed. `contentDisposition` and
   * `contentType` become the response's headers (S3's response-* parameters, signed into the URL).
   */
  presignGet(key: string, opts: { expiresInSec: number; contentDisposition?: string; contentType?: string }): Promise<PresignedRequest>;
  /** A URL that accepts exactly the bytes whose SHA-256 is `sha256Hex`, until expiry. */
  presignPut(key: string, opts: { expiresInSec: number; sha256Hex: string; contentType?: string }): Promise<PresignedRequest>;
  /** Cheap reachability check. */
  ping(): Promise<void>;
  /** Multipart uploads (large objects), each part bound to its own SHA-256 like `presignPut`. */
  readonly multipart: BlobMultipart;
}

/** A part already stored for an unfinished multipart upload. */
export interface BlobPart {
  readonly partNumber: number;
  readonly size: number;
  readonly etag: string;
  /** Base64 SHA-256 of the part, when the store recorded one. */
  readonly checksumSha256: string | null;
}

/**
 * Multipart uploads. Every part is bound to the SHA-256 its uploader declared, the same way as
 * a presigned PUT; the whole object's SHA-256 is not something S3 records for a multipart
 * object (its checksum is a checksum of the part checksums), so callers verify it by reading.
 */
export interface BlobMultipart {
  /** Starts an upload of `key`; the id names it in every later call. */
  create(key: string, opts?: { contentType?: string }): Promise<{ uploadId: string }>;
  /** A URL that accepts exactly the part whose SHA-256 is `sha256Hex` as part `partNumber` (1..10000). */
  presignPart(key: string, uploadId: string, partNumber: number, opts: { expiresInSec: number; sha256Hex: string }): Promise<PresignedRequest>;
  /** Stores a part directly (the fs store's blob route; tests). Rejects with `content-mismatch` for other bytes. */
  putPart(key: string, uploadId: string, partNumber: number, body: Uint8Array, opts: { sha256Hex: string }): Promise<BlobPart>;
  /** The parts stored so far, by part number; null when no such upload is open. */
  listParts(key: string, uploadId: string): Promise<BlobPart[] | null>;
  /** Joins the listed parts, in part-number order, into the object. */
  complete(key: string, uploadId: string, parts: readonly BlobPart[]): Promise<void>;
  /** Discards the upload and its parts; an unknown upload is not an error. */
  abort(key: string, uploadId: string): Promise<void>;
}
