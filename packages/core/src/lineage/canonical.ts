/**
 * RFC 8785 canonical JSON and its SHA-256, the identity of a raw OpenLineage event: a retry of
 * the same event hashes the same whatever the key order or whitespace it was sent with.
 * Hashing is node:crypto's synchronous `createHash` (native on Node and Lambda, and on Workers
 * with `nodejs_compat`): 500 small events hash in ~0.6 ms, against ~3 ms for @noble/hashes in
 * JavaScript and ~13 ms for WebCrypto's per-call hop to a worker thread (docs/adr/0015).
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** RFC 8785 (JCS) serialization of a JSON value. */
export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError('value has no JSON representation');
  return s;
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The event hash: SHA-256 hex of the RFC 8785 canonical JSON of the event as received. */
export function eventHash(raw: unknown): string {
  return sha256Hex(canonicalJson(raw));
}
