/**
 * Sliding-window rate limiting on the Kv port, without Lua: two fixed-window counters (the
 * current and the previous window) and a weighted estimate
 *
 *   estimate = previous × (1 − elapsed / window) + current
 *
 * One Kv round trip per check: `exec([incr current (px = 2 windows), get previous])`. The
 * counter is incremented before the decision, so a client that keeps hammering while limited
 * keeps itself limited (it pays for rejected calls too).
 *
 * Kv failures never fail a request: the check fails OPEN (allowed) and the limiter remembers
 * when that last happened, so /health can say truthfully that limits are not enforced.
 */
import type { Clock } from '../ports/clock';
import type { Kv } from '../ports/kv';

export interface RateLimitOptions {
  readonly kv: Kv;
  readonly clock: Clock;
  /** Requests allowed per window; 0 disables the limiter (every check allowed, no Kv call). */
  readonly limit: number;
  /** Window length, ms (default 60000). */
  readonly windowMs?: number;
  /** Key prefix naming the limited family, e.g. `public`. */
  readonly scope: string;
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  readonly limit: number;
  /** Requests left in the current sliding window (0 when limited). */
  readonly remaining: number;
  /** Seconds until the current fixed window ends (the `RateLimit-Reset` value). */
  readonly resetSec: number;
  /** Seconds after which a retry can succeed; only when not allowed. */
  readonly retryAfterSec?: number;
  /** True when Kv could not be asked and the request was let through. */
  readonly failOpen: boolean;
}

export interface RateLimitHealth {
  /** True when the most recent Kv check failed (limits are not being enforced right now). */
  readonly failOpen: boolean;
  readonly lastFailureAt: number | null;
  readonly lastSuccessAt: number | null;
  readonly failures: number;
}

export interface RateLimiter {
  /** Counts one request of `id` and decides; never throws. */
  check(id: string): Promise<RateLimitDecision>;
  /** The limiter's own view of whether it is enforcing limits. */
  health(): RateLimitHealth;
  readonly limit: number;
}

// identifiers end up in Kv keys: keep a safe charset and a bounded length
const ID = /^[A-Za-z0-9_.:~@-]{1,128}$/;

/** A Kv-safe rendering of a client identifier (an IP, a key id): anything else is hashed down. */
export function rateLimitId(raw: string): string {
  if (ID.test(raw)) return raw;
  let h = 0x811c9dc5;
  for (let i = 0; i < raw.length; i++) h = Math.imul(h ^ raw.charCodeAt(i), 0x01000193) >>> 0;
  return `h.${h.toString(16)}.${raw.length}`;
}

/** Seconds (≥ 1 when positive) from milliseconds. */
const secs = (ms: number) => Math.max(0, Math.ceil(ms / 1000));

/**
 * When, from now, the next request would fit: first inside the current window while the
 * previous window's weight decays, otherwise in the next window as this one's weight decays.
 */
export function retryAfterMs(o: { prev: number; cur: number; limit: number; elapsedMs: number; windowMs: number }): number {
  const { prev, cur, limit, elapsedMs, windowMs } = o;
  const left = windowMs - elapsedMs;
  if (cur + 1 <= limit && prev > 0) {
    // prev × (1 − (e + t)/W) + cur + 1 ≤ limit
    const t = windowMs * (1 - (limit - cur - 1) / prev) - elapsedMs;
    if (t < left) return Math.max(1, t);
  }
  // next window: cur × (1 − t2/W) + 1 ≤ limit
  const t2 = cur > 0 ? Math.max(0, windowMs * (1 - (limit - 1) / cur)) : 0;
  return left + t2;
}

/** Builds a limiter; one per isolate and scope (it holds the fail-open state). */
export function createRateLimiter(opts: RateLimitOptions): RateLimiter {
  const windowMs = opts.windowMs ?? 60_000;
  const { kv, clock, limit } = opts;
  const state = { lastFailureAt: null as number | null, lastSuccessAt: null as number | null, failures: 0, lastFailed: false };

  return {
    limit,
    async check(rawId) {
      const now = clock.now();
      const w = Math.floor(now / windowMs);
      const elapsedMs = now - w * windowMs;
      const resetSec = secs(windowMs - elapsedMs);
      if (limit <= 0) return { allowed: true, limit, remaining: 0, resetSec, failOpen: false };
      const id = rateLimitId(rawId);
      const key = (n: number) => `rl:${opts.scope}:${id}:${n}`;
      let cur: number;
      let prev: number;
      try {
        const [c, p] = await kv.exec([
          { op: 'incr', key: key(w), px: 2 * windowMs },
          { op: 'get', key: key(w - 1) },
        ]);
        cur = Number(c);
        prev = p === null || p === undefined ? 0 : Number(p);
        if (!Number.isFinite(cur) || !Number.isFinite(prev)) throw new Error('non-numeric counter');
        state.lastSuccessAt = now;
        state.lastFailed = false;
      } catch {
        state.lastFailureAt = now;
        state.failures++;
        state.lastFailed = true;
        return { allowed: true, limit, remaining: limit, resetSec, failOpen: true };
      }
      const estimate = prev * (1 - elapsedMs / windowMs) + cur;
      const allowed = estimate <= limit;
      const remaining = Math.max(0, Math.floor(limit - estimate));
      if (allowed) return { allowed, limit, remaining, resetSec, failOpen: false };
      const retry = retryAfterMs({ prev, cur, limit, elapsedMs, windowMs });
      return { allowed, limit, remaining: 0, resetSec, retryAfterSec: Math.max(1, secs(retry)), failOpen: false };
    },
    health() {
      return { failOpen: state.lastFailed, lastFailureAt: state.lastFailureAt, lastSuccessAt: state.lastSuccessAt, failures: state.failures };
    },
  };
}
