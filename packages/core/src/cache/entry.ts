/**
 * The L2 entry format and its version markers.
 *
 * An entry records, in `t`, the token of every version marker that guards it, as READ BEFORE the
 * value was loaded: its own key marker (`kver:<key>`) and one per tag (`tv:<tag>`). A read is
 * valid only if every marker still holds the recorded token. Invalidation writes a fresh random
 * token into the markers, so any fill that started earlier — even one that lands in Kv after the
 * invalidation — carries the old token and can never look valid again.
 */
import { Buffer } from 'node:buffer';
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { keyVersionKey, tagVersionKey } from './keys';

export interface Entry {
  /** The value; `null` is a cached "not found". */
  readonly v: unknown;
  /** freshUntil, staleUntil, graceUntil — epoch ms. */
  readonly f: number;
  readonly s: number;
  readonly g: number;
  /** marker key → token read before loading (null: marker absent at that time). */
  readonly t: Readonly<Record<string, string | null>>;
}

const EntrySchema = z.object({
  v: z.unknown(),
  f: z.number(),
  s: z.number(),
  g: z.number(),
  t: z.record(z.string(), z.string().nullable()),
});

/** Marker keys guarding `key` with `tags`, in mget order. */
export function markerKeys(key: string, tags: readonly string[]): string[] {
  return [keyVersionKey(key), ...tags.map(tagVersionKey)];
}

/**
 * Entries whose JSON is at least this long are stored gzip-compressed: `z1:` + base64 of the gzip
 * bytes. Large values (lineage graphs run to 100 KB and more of repetitive JSON) shrink 5–10×,
 * which is what a Kv round trip, Kv memory and Upstash's bandwidth bill are paid in; small ones
 * (catalog rows) stay plain JSON, where compression would cost more than it saves.
 *
 * Compression is node:zlib's synchronous API, native on every runtime Strata runs on (Node,
 * Lambda, and Workers with `nodejs_compat`). Measured on a 33 KB graph entry: gunzip 51 µs
 * native against 160 µs for fflate in JavaScript; the whole decode 240 → ~120 µs. The web
 * CompressionStream path measured slower still (stream and thread-pool hops on every read).
 */
export const COMPRESS_FROM_BYTES = 8 * 1024;
const COMPRESSED = 'z1:';

/** The stored form of an entry: JSON, or `z1:` + base64(gzip(JSON)) from COMPRESS_FROM_BYTES on. */
export async function encodeEntry(e: Entry): Promise<string> {
  const json = JSON.stringify(e);
  if (json.length < COMPRESS_FROM_BYTES) return json;
  return COMPRESSED + gzipSync(json, { level: 6 }).toString('base64');
}

/** Parses stored bytes (either form); anything unreadable counts as absent (a format change or a foreign writer). */
export async function decodeEntry(raw: string | null | undefined): Promise<Entry | null> {
  if (raw === null || raw === undefined) return null;
  try {
    const json = raw.startsWith(COMPRESSED) ? gunzipSync(Buffer.from(raw.slice(COMPRESSED.length), 'base64')).toString('utf8') : raw;
    const parsed = EntrySchema.safeParse(JSON.parse(json));
    return parsed.success ? (parsed.data as Entry) : null;
  } catch {
    return null;
  }
}

/** True when every marker the caller asks for was recorded with the token it holds now. */
export function markersMatch(entry: Entry, current: Readonly<Record<string, string | null>>): boolean {
  for (const [k, v] of Object.entries(current)) {
    if (!(k in entry.t) || entry.t[k] !== v) return false;
  }
  return true;
}

/**
 * Freezes a value deeply. Cached values are shared between requests (L1 and in-flight joiners),
 * so a caller that mutates one — e.g. writing live confirmations into a cached bundle — must
 * fail loudly instead of corrupting what the next request sees.
 */
export function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return value;
  Object.freeze(value);
  for (const v of Object.values(value as Record<string, unknown>)) deepFreeze(v);
  return value;
}
