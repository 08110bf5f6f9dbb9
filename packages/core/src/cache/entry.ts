/**
 * The L2 entry format and its version markers.
 *
 * An entry records, in `t`, the token of every version marker that guards it, as READ BEFORE the
 * value was loaded: its own key marker (`kver:<key>`) and one per tag (`tv:<tag>`). A read is
 * valid only if every marker still holds the recorded token. Invalidation writes a fresh random
 * token into the markers, so any fill that started earlier — even one that lands in Kv after the
 * invalidation — carries the old token and can never look valid again.
 */
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

/** Parses stored bytes; anything unreadable counts as absent (a format change or a foreign writer). */
export function decodeEntry(raw: string | null | undefined): Entry | null {
  if (raw === null || raw === undefined) return null;
  try {
    const parsed = EntrySchema.safeParse(JSON.parse(raw));
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
