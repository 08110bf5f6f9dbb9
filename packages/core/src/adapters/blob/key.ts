/**
 * Blob keys and content hashes, validated the same way for every store so a key that works on
 * the filesystem works on S3 and no key can name a path outside the store.
 */
import { z } from 'zod';
import { StrataError } from '../../errors';

/** One path segment: safe characters only, never starting with a dot (so no `.`/`..`). */
const SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._=-]*$/;

export const BlobKey = z
  .string()
  .min(1)
  .max(1024)
  .refine((k) => k.split('/').every((s) => SEGMENT.test(s)), {
    message: 'key must be slash-separated segments of [A-Za-z0-9._=-], not starting with a dot',
  });
export type BlobKey = z.infer<typeof BlobKey>;

/** Lowercase hex SHA-256 (uppercase input is normalised). */
export const Sha256Hex = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex characters')
  .transform((s) => s.toLowerCase());

export const ExpiresInSec = z.number().int().min(1).max(604_800);

/** Returns the key when it is safe, otherwise throws a `bad-request` StrataError. */
export function validateBlobKey(key: unknown): string {
  const r = BlobKey.safeParse(key);
  if (!r.success) throw new StrataError('bad-request', 'Invalid blob key.', { hint: r.error.issues[0]?.message });
  return r.data;
}

/** Returns the normalised hex digest or throws a `bad-request` StrataError. */
export function validateSha256Hex(hex: unknown): string {
  const r = Sha256Hex.safeParse(hex);
  if (!r.success) throw new StrataError('bad-request', 'Invalid SHA-256.', { hint: r.error.issues[0]?.message });
  return r.data;
}

/** Validates a presign lifetime (S3 caps presigned URLs at one week). */
export function validateExpiresIn(sec: unknown): number {
  const r = ExpiresInSec.safeParse(sec);
  if (!r.success) throw new StrataError('bad-request', 'Invalid presign lifetime.', { hint: 'expiresInSec must be 1..604800' });
  return r.data;
}

/** Hex → base64, the form S3 uses for `x-amz-checksum-sha256`. */
export function hexToBase64(hex: string): string {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/** The error both stores raise when bytes do not match the declared SHA-256. */
export function contentMismatch(key: string): StrataError {
  return new StrataError('content-mismatch', `The body of ${key} does not match the declared SHA-256.`, {
    hint: 'send exactly the bytes whose SHA-256 was declared',
  });
}

/** The error both stores raise for a range that starts past the end of the object. */
export function rangeNotSatisfiable(key: string): StrataError {
  return new StrataError('bad-request', `The requested range of ${key} is not satisfiable.`);
}

/** Validates a byte range's shape (start ≥ 0, end ≥ start). */
export function validateRange(range: { start: number; end?: number }): void {
  const ok =
    Number.isSafeInteger(range.start) &&
    range.start >= 0 &&
    (range.end === undefined || (Number.isSafeInteger(range.end) && range.end >= range.start));
  if (!ok) throw new StrataError('bad-request', 'Invalid byte range.', { hint: 'start ≥ 0 and end ≥ start, both integers' });
}

/** An upload id as stores hand them out (S3's are long URL-safe strings; ours are hex). */
export function validateUploadId(id: unknown): string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9._~-]{1,1024}$/.test(id)) throw new StrataError('bad-request', 'Invalid multipart upload id.');
  return id;
}

/** S3's part numbers: 1..10000. */
export function validatePartNumber(n: unknown): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10_000) throw new StrataError('bad-request', 'Invalid part number.', { hint: '1..10000' });
  return n;
}

/** A value that goes into a response header: printable, one line, bounded. */
export function validateHeaderValue(v: string): string {
  if (v.length > 512 || !/^[\x20-\x7e]*$/.test(v)) throw new StrataError('bad-request', 'Invalid header value.');
  return v;
}
