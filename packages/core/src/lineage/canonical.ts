/**
 * RFC 8785 canonical JSON and its SHA-256, the identity of a raw OpenLineage event: a retry of
 * the same event hashes the same whatever the key order or whitespace it was sent with.
 * WebCrypto only, so the same code runs on Node, Lambda and Workers.
 */
import canonicalize from 'canonicalize';

/** RFC 8785 (JCS) serialization of a JSON value. */
export function canonicalJson(value: unknown): string {
  const s = canonicalize(value);
  if (s === undefined) throw new TypeError('value has no JSON representation');
  return s;
}

/** Lower-case hex SHA-256 of a string's UTF-8 bytes. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The event hash: SHA-256 hex of the RFC 8785 canonical JSON of the event as received. */
export function eventHash(raw: unknown): Promise<string> {
  return sha256Hex(canonicalJson(raw));
}
