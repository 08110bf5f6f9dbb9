/**
 * RFC 8785 canonical JSON and its SHA-256, the identity of a raw OpenLineage event: a retry of
 * the same event hashes the same whatever the key order or whitespace it was sent with.
 * Hashing is synchronous pure JS (@noble/hashes), so the same code runs on Node, Lambda and
 * Workers: a batch of 500 small events hashes in ~3 ms, where WebCrypto's per-call hop to a
 * worker thread cost ~13 ms (docs/adr/0015).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';

/** RFC 8785 (JCS) serialization of a JSON value. */
export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError('value has no JSON representation');
  return s;
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/** The event hash: SHA-256 hex of the RFC 8785 canonical JSON of the event as received. */
export function eventHash(raw: unknown): string {
  return sha256Hex(canonicalJson(raw));
}
