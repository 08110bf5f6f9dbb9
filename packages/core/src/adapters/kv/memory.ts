/**
 * MemoryKv — the port's semantics in one isolate: TTL in ms, NX, atomic INCR, ordered `exec`.
 * It is the L1 tier and the embedded default, not a Redis emulator. No timers: entries expire
 * when touched, and the size bound (least recently used first) keeps stale leftovers finite.
 */
import { z } from 'zod';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { Kv, KvCommand, KvResult, KvSetOptions } from '../../ports/kv';
import { assertPx, checkCommands, KvCommandError, NOT_AN_INTEGER, OVERFLOW } from './shared';

interface Entry {
  value: string;
  /** Absolute expiry in clock ms; null means no expiry. */
  expiresAt: number | null;
}

const MemoryKvOptions = z.object({
  maxEntries: z.number().int().positive().default(10_000),
  clock: z.custom<Clock>((c) => typeof (c as Clock | undefined)?.now === 'function').optional(),
});

export type MemoryKvOptions = z.input<typeof MemoryKvOptions>;

/** Redis accepts only canonical base-10 signed 64-bit integers ("007", " 5" and "-0" are refused). */
const INTEGER = /^(0|-?[1-9]\d{0,18})$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Parses a stored value the way Redis's INCR does, or throws its error. */
function toInt64(value: string): bigint {
  const n = INTEGER.test(value) ? BigInt(value) : undefined;
  if (n === undefined || n > INT64_MAX || n < INT64_MIN) throw new KvCommandError(NOT_AN_INTEGER);
  return n;
}

/** How many of the oldest entries each write inspects for expiry, so dead keys do not linger. */
const SWEEP_PER_WRITE = 2;

/** Creates an in-memory Kv bounded to `maxEntries` keys (default 10 000). */
export function createMemoryKv(options: MemoryKvOptions = {}): Kv {
  const opts = MemoryKvOptions.parse(options);
  const clock = opts.clock ?? systemClock;
  const maxEntries = opts.maxEntries;
  // Map iteration order is insertion order: re-inserting on use makes the first key the least recently used.
  const entries = new Map<string, Entry>();

  const live = (key: string, now: number): Entry | undefined => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== null && e.expiresAt <= now) {
      entries.delete(key);
      return undefined;
    }
    entries.delete(key);
    entries.set(key, e);
    return e;
  };

  const store = (key: string, e: Entry, now: number): void => {
    entries.delete(key);
    entries.set(key, e);
    let inspected = 0;
    for (const [k, old] of entries) {
      if (inspected++ >= SWEEP_PER_WRITE || k === key) break;
      if (old.expiresAt !== null && old.expiresAt <= now) entries.delete(k);
    }
    while (entries.size > maxEntries) {
      const oldest = entries.keys().next().value as string;
      entries.delete(oldest);
    }
  };

  const get = (key: string, now: number): string | null => live(key, now)?.value ?? null;

  const set = (key: string, value: string, o: KvSetOptions, now: number): boolean => {
    if (o.nx && live(key, now)) return false;
    // A plain SET drops any previous expiry, as in Redis.
    store(key, { value, expiresAt: o.px === undefined ? null : now + o.px }, now);
    return true;
  };

  const del = (keys: readonly string[], now: number): number => {
    let n = 0;
    for (const k of keys) {
      if (live(k, now)) {
        entries.delete(k);
        n++;
      }
    }
    return n;
  };

  const incr = (key: string, px: number | undefined, now: number): number => {
    const e = live(key, now);
    const current = e ? toInt64(e.value) : 0n;
    const next = current + 1n;
    if (next > INT64_MAX || next < INT64_MIN) throw new KvCommandError(OVERFLOW);
    // INCR keeps an existing expiry; PEXPIRE … NX only adds one where there was none.
    const expiresAt = e?.expiresAt ?? (px === undefined ? null : now + px);
    store(key, { value: next.toString(), expiresAt }, now);
    return Number(next);
  };

  const run = (c: KvCommand, now: number): KvResult => {
    switch (c.op) {
      case 'get':
        return get(c.key, now);
      case 'set':
        return set(c.key, c.value, c, now);
      case 'del':
        return del(c.keys, now);
      case 'incr':
        return incr(c.key, c.px, now);
    }
  };

  return {
    kind: 'memory',
    /** Values of the keys, null where absent or expired. */
    async mget(keys) {
      const now = clock.now();
      return keys.map((k) => get(k, now));
    },
    /** Sets a value; false when `nx` was given and the key exists. */
    async set(key, value, o = {}) {
      assertPx(o.px, 'set');
      return set(key, value, o, clock.now());
    },
    /** Deletes keys; returns how many existed. */
    async del(keys) {
      return del(keys, clock.now());
    },
    /** Increments atomically (single-threaded isolate); `px` applies only to a key without expiry. */
    async incr(key, o = {}) {
      assertPx(o.px, 'pexpire');
      return incr(key, o.px, clock.now());
    },
    /** Runs every command in order; like Redis, a failing command does not stop the rest, then the first error is thrown. */
    async exec(commands) {
      checkCommands(commands);
      const now = clock.now();
      const results: KvResult[] = [];
      let firstError: unknown;
      for (const c of commands) {
        try {
          results.push(run(c, now));
        } catch (e) {
          firstError ??= e;
          results.push(null);
        }
      }
      if (firstError !== undefined) throw firstError;
      return results;
    },
    /** Always reachable. */
    async ping() {},
    /** Drops every entry. */
    async close() {
      entries.clear();
    },
  };
}
