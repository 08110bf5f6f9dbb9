/**
 * Applying an invalidation to Kv — the primitive behind `cache.invalidate` and the outbox
 * sweeper. One atomic round trip: DEL the keys (frees the bytes at once) and write a new random
 * token into every key marker (`kver:<key>`) and tag marker (`tv:<tag>`).
 *
 * Why tokens written with SET rather than INCR counters: markers must expire (one per
 * invalidated key would otherwise grow forever), and an expired counter restarts at 0, 1, 2 …
 * — values that old entries may have recorded, which would resurrect them. A random token is
 * never reused, and a marker lives longer than any entry can (`markerTtlMs` ≥ the longest L2
 * horizon plus an hour for slow loads), so by the time a marker expires back to "absent", every
 * entry that recorded "absent" before the bump is gone. SET is also safe to retry.
 */
import { z } from 'zod';
import type { Clock } from '../ports/clock';
import type { Kv, KvCommand } from '../ports/kv';
import { isCacheKey, isCacheTag, keyVersionKey, tagVersionKey } from './keys';
import { DEFAULT_NAMESPACES, maxHorizonMs, type NamespaceTable } from './namespaces';

/**
 * What one write invalidates; the JSON an outbox row stores. Elements that are not valid keys or
 * tags are dropped rather than failing the whole batch: `cache.get` refuses such keys and tags,
 * so nothing can be cached under them and there is nothing to invalidate.
 */
export const CacheInvalidation = z.object({
  keys: z.array(z.string()).default([]),
  tags: z.array(z.string()).default([]),
});
export type CacheInvalidation = z.input<typeof CacheInvalidation>;

export interface InvalidationResult {
  /** True once Kv acknowledged every delete and bump. */
  readonly applied: boolean;
  /** Why not: Kv unreachable/failed, or the input was malformed (retrying will not help). */
  readonly reason?: 'kv-unavailable' | 'invalid';
}

const HOUR_MS = 3_600_000;

/** Marker lifetime for a namespace table: the longest entry horizon plus an hour, at least a day. */
export function markerTtlMs(table: NamespaceTable = DEFAULT_NAMESPACES): number {
  return Math.max(maxHorizonMs(table) + HOUR_MS, 24 * HOUR_MS);
}

/** A token no marker has held before. */
export function newMarkerToken(clock: Clock): string {
  const bytes = new Uint8Array(8);
  crypto.getRandomValues(bytes);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${clock.now().toString(36)}.${hex}`;
}

/** The Kv commands for one invalidation (deduplicated), or none when there is nothing to do. */
export function invalidationCommands(inv: { keys: readonly string[]; tags: readonly string[] }, token: string, ttlMs: number): KvCommand[] {
  const keys = [...new Set(inv.keys)];
  const tags = [...new Set(inv.tags)];
  // one DEL can carry every key; marker SETs are one command each (no MSET PX in Redis)
  const px = Math.max(1, Math.ceil(ttlMs));
  const commands: KvCommand[] = [];
  if (keys.length > 0) commands.push({ op: 'del', keys });
  for (const k of keys) commands.push({ op: 'set', key: keyVersionKey(k), value: token, px });
  for (const t of tags) commands.push({ op: 'set', key: tagVersionKey(t), value: token, px });
  return commands;
}

/** Parses an invalidation (deduplicated, invalid elements dropped); null when the shape is wrong. */
export function parseInvalidation(input: unknown): { keys: string[]; tags: string[] } | null {
  const parsed = CacheInvalidation.safeParse(input);
  if (!parsed.success) return null;
  return {
    keys: [...new Set(parsed.data.keys.filter(isCacheKey))],
    tags: [...new Set(parsed.data.tags.filter(isCacheTag))],
  };
}

/**
 * Applies an invalidation straight to Kv (no L1, no breaker) — for processes without a cache
 * instance. Never throws; `applied: false` means "retry later" unless `reason` is 'invalid'.
 */
export async function applyInvalidation(
  kv: Kv,
  input: unknown,
  opts: { clock: Clock; markerTtlMs?: number },
): Promise<InvalidationResult> {
  const inv = parseInvalidation(input);
  if (!inv) return { applied: false, reason: 'invalid' };
  const commands = invalidationCommands(inv, newMarkerToken(opts.clock), opts.markerTtlMs ?? markerTtlMs());
  if (commands.length === 0) return { applied: true };
  try {
    await kv.exec(commands, { atomic: true });
    return { applied: true };
  } catch {
    return { applied: false, reason: 'kv-unavailable' };
  }
}
