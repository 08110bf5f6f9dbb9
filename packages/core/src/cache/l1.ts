/**
 * L1: a bounded LRU in the isolate. It trusts an entry only for its short `l1Until` window (other
 * isolates cannot tell it about writes), but keeps it until its grace horizon so it can still
 * serve stale-if-error while Kv and the origin are both down.
 *
 * `epoch` increases on every local invalidation. A write into L1 passes the epoch it observed
 * before its Kv read or origin load began; if an invalidation happened in between, the write is
 * dropped, so a read racing this isolate's own write can never plant the old value back in L1.
 */
import { LRUCache } from 'lru-cache';

export interface L1Entry {
  readonly value: unknown;
  readonly f: number;
  readonly s: number;
  readonly g: number;
  readonly l1Until: number;
  readonly tags: readonly string[];
}

export interface L1 {
  /** The entry if not past its grace horizon (expired ones are dropped). */
  get(key: string, now: number): L1Entry | undefined;
  /** Stores the entry unless an invalidation happened since `epoch` was read. */
  set(key: string, entry: L1Entry, epoch: number): boolean;
  /** Current invalidation epoch. */
  epoch(): number;
  /** Drops the keys and every entry carrying one of the tags; advances the epoch. */
  invalidate(keys: readonly string[], tags: readonly string[]): number;
  /** Drops everything; advances the epoch. */
  clear(): void;
  size(): number;
}

/** Creates an L1 holding at most `maxEntries` entries. */
export function createL1(maxEntries: number): L1 {
  const lru = new LRUCache<string, L1Entry>({ max: Math.max(1, maxEntries) });
  let epoch = 0;
  return {
    get(key, now) {
      const e = lru.get(key);
      if (e && now >= e.g) {
        lru.delete(key);
        return undefined;
      }
      return e;
    },
    set(key, entry, seen) {
      if (seen !== epoch) return false;
      lru.set(key, entry);
      return true;
    },
    epoch: () => epoch,
    invalidate(keys, tags) {
      epoch++;
      let dropped = 0;
      for (const k of keys) if (lru.delete(k)) dropped++;
      if (tags.length > 0) {
        const bumped = new Set(tags);
        // invalidations are rare and L1 is bounded, so a scan beats keeping a tag index in sync with evictions
        const doomed: string[] = [];
        for (const [k, e] of lru.entries()) if (e.tags.some((t) => bumped.has(t))) doomed.push(k);
        for (const k of doomed) if (lru.delete(k)) dropped++;
      }
      return dropped;
    },
    clear() {
      epoch++;
      lru.clear();
    },
    size: () => lru.size,
  };
}
