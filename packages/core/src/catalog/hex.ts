/** 64-hex identifiers of the catalog (versionId, txid): the check and the `bad-request` naming the field. */
import { StrataError, type InputAt } from '../errors';

const HEX64 = /^[0-9a-fA-F]{64}$/;

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
