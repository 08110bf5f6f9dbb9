/**
 * Every Kv call the cache makes goes through this guard: a timeout, and a circuit breaker that
 * opens after K consecutive failures so a dead Kv costs nothing (no network call) until
 * `openMs` has passed; then one probe call is let through (half-open), and its outcome closes
 * or re-opens the breaker. The cache turns every guard failure into a miss, never an error.
 */
import type { Clock } from '../ports/clock';

export interface BreakerOptions {
  /** Consecutive failures (errors or timeouts) that open the breaker. Default 3. */
  readonly failureThreshold?: number;
  /** How long it stays open before one probe is allowed, in ms. Default 5000. */
  readonly openMs?: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/** Raised (internally) when a Kv call was skipped, failed or timed out. */
export class KvUnavailable extends Error {
  override readonly name = 'KvUnavailable';
  constructor(readonly reason: 'open' | 'timeout' | 'error', cause?: unknown) {
    super(`kv unavailable: ${reason}`, cause === undefined ? undefined : { cause });
  }
}

export interface KvGuardStats {
  calls: number;
  errors: number;
  timeouts: number;
  skipped: number;
  opened: number;
}

export interface KvGuard {
  /** Runs one Kv call under the timeout and breaker; throws KvUnavailable instead of the Kv's own error. */
  run<T>(call: () => Promise<T>): Promise<T>;
  /** Current breaker state (half-open once the open window has passed). */
  state(): BreakerState;
  /** Counters since creation. */
  stats(): Readonly<KvGuardStats>;
}

/** Builds a guard; `timeoutMs` ≤ 0 disables the timeout. */
export function createKvGuard(opts: { clock: Clock; timeoutMs: number; breaker?: BreakerOptions }): KvGuard {
  const threshold = Math.max(1, opts.breaker?.failureThreshold ?? 3);
  const openMs = Math.max(0, opts.breaker?.openMs ?? 5000);
  const counters: KvGuardStats = { calls: 0, errors: 0, timeouts: 0, skipped: 0, opened: 0 };
  let failures = 0;
  let openUntil = 0; // 0: closed
  let probing = false;

  const state = (): BreakerState => (openUntil === 0 ? 'closed' : opts.clock.now() < openUntil ? 'open' : 'half-open');

  const fail = (reason: 'timeout' | 'error'): void => {
    if (reason === 'timeout') counters.timeouts++;
    else counters.errors++;
    failures++;
    if (openUntil !== 0 || failures >= threshold) {
      // a failed probe re-opens at once; a closed breaker opens after K in a row
      if (openUntil === 0) counters.opened++;
      openUntil = opts.clock.now() + openMs;
    }
  };

  const withTimeout = <T>(p: Promise<T>): Promise<T> => {
    if (opts.timeoutMs <= 0) return p;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new KvUnavailable('timeout')), opts.timeoutMs);
    });
    // the losing call keeps running; swallow its late rejection
    p.catch(() => undefined);
    return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
  };

  return {
    async run<T>(call: () => Promise<T>): Promise<T> {
      const s = state();
      if (s === 'open' || (s === 'half-open' && probing)) {
        counters.skipped++;
        throw new KvUnavailable('open');
      }
      const isProbe = s === 'half-open';
      if (isProbe) probing = true;
      counters.calls++;
      try {
        const out = await withTimeout(Promise.resolve().then(call));
        failures = 0;
        openUntil = 0;
        return out;
      } catch (err) {
        const reason = err instanceof KvUnavailable ? 'timeout' : 'error';
        fail(reason);
        throw err instanceof KvUnavailable ? err : new KvUnavailable('error', err);
      } finally {
        if (isProbe) probing = false;
      }
    },
    state,
    stats: () => ({ ...counters }),
  };
}
