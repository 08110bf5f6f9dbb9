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
  /** A URL that serves the object until `expiresInSec` have passed. */
  presignGet(key: string, opts: { expiresInSec: number }): Promise<PresignedRequest>;
  /** A URL that accepts exactly the bytes whose SHA-256 is `sha256Hex`, until expiry. */
  presignPut(key: string, opts: { expiresInSec: number; sha256Hex: string; contentType?: string }): Promise<PresignedRequest>;
  /** Cheap reachability check. */
  ping(): Promise<void>;
}
