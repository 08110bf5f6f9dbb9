/**
 * Hash-size checks and double-SHA-256 helpers shared by the SPV modules (hex itself is
 * util/hex.ts). Display ("big-endian") hex is what the API speaks; hashing works on the little-endian wire bytes, hence the reversals.
 */
import { Hash } from '@bsv/sdk/primitives';
import { bytesToHex } from '../util/hex';

const HEX32 = /^[0-9a-fA-F]{64}$/;

/** True for exactly 32 bytes of hex (a txid, block hash or merkle node). */
export function isHash32(s: unknown): s is string {
  return typeof s === 'string' && HEX32.test(s);
}

/** Lower-cased 32-byte hash, or null when `s` is not one. */
export function normHash32(s: unknown): string | null {
  return isHash32(s) ? s.toLowerCase() : null;
}

/** Byte-reversed copy (wire order ↔ display order). */
export function reversed(bytes: Uint8Array | readonly number[]): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[bytes.length - 1 - i] as number;
  return out;
}

/** sha256(sha256(bytes)) in wire (little-endian) order. */
export function sha256d(bytes: Uint8Array): Uint8Array {
  return Uint8Array.from(Hash.hash256(bytes));
}

/** Display hex of sha256d(bytes): how txids and block hashes are written. */
export function sha256dDisplay(bytes: Uint8Array): string {
  return bytesToHex(reversed(sha256d(bytes)));
}

/**
 * Display hex of sha256d via WebCrypto (native on Node, Lambda and Workers). Used for raw
 * transactions, which can be megabytes: the library's pure-JS hash is ~20× slower there.
 */
export async function sha256dDisplayAsync(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const once = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  const twice = new Uint8Array(await crypto.subtle.digest('SHA-256', once));
  return bytesToHex(reversed(twice));
}
