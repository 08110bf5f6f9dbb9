/**
 * Hex identifiers and hashing shared by the catalog. Pure and synchronous: core runs in
 * Workers, so hashing goes through @bsv/sdk rather than node:crypto.
 */
import { Hash, Utils } from '@bsv/sdk';
import { StrataError, type InputAt } from '../errors';

const HEX64 = /^[0-9a-fA-F]{64}$/;
const HEX = /^(?:[0-9a-fA-F]{2})*$/;

/** True when `s` is 64 hex characters (any case). */
export function isHex64(s: unknown): s is string {
  return typeof s === 'string' && HEX64.test(s);
}

/**
 * Lower-cased 64-hex value, or a `bad-request` whose hint names the field. `at` is where the
 * value sits in the request (`['path', 'txid']`), given by callers that take it from one; a
 * guard in front of SQL with no request in sight names the value alone.
 */
export function parseHex64(field: string, s: unknown, at?: InputAt): string {
  if (!isHex64(s)) {
    throw new StrataError('bad-request', `${field} must be 64 hex characters.`, { hint: `Provide ${field}=64-hex`, issues: [{ path: at ? at.join('.') : field, message: 'must be 64 hex characters' }] });
  }
  return s.toLowerCase();
}

/** Lower-cased versionId, or a `bad-request` naming `versionId` (at `at`, see parseHex64). */
export function parseVersionId(s: unknown, at?: InputAt): string {
  return parseHex64('versionId', s, at);
}

/** True when `s` is an even-length hex string. */
export function isHex(s: string): boolean {
  return HEX.test(s);
}

/** Bytes of an even-length hex string (validate with isHex first). */
export function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(Utils.toArray(hex, 'hex'));
}

/** Lower-case hex of bytes. */
export function bytesToHex(bytes: Uint8Array | readonly number[]): string {
  return Utils.toHex(Array.from(bytes));
}

/** SHA-256 of a UTF-8 string, lower-case hex. */
export function sha256HexUtf8(s: string): string {
  return Utils.toHex(Hash.sha256(s, 'utf8'));
}
