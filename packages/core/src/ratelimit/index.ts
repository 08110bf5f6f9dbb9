/**
 * Rate limiters per Deps: one limiter per scope and isolate, kept beside (not inside) Deps so
 * the fail-open state survives across requests and /health can report it.
 */
import type { Deps } from '../deps';
import { createRateLimiter, type RateLimiter, type RateLimitHealth } from './sliding-window';

export * from './sliding-window';

const limiters = new WeakMap<object, Map<string, RateLimiter>>();

/** The limiter of `scope` for these deps (created on first use with `limit` per minute). */
export function rateLimiterFor(deps: Pick<Deps, 'kv' | 'clock'>, scope: string, limitPerMin: number): RateLimiter {
  let byScope = limiters.get(deps);
  if (!byScope) limiters.set(deps, (byScope = new Map()));
  let l = byScope.get(scope);
  if (!l) byScope.set(scope, (l = createRateLimiter({ kv: deps.kv, clock: deps.clock, limit: limitPerMin, scope })));
  return l;
}

/** Combined health of every limiter these deps have used: fail-open if any is. */
export function rateLimitHealth(deps: object): RateLimitHealth & { scopes: string[] } {
  const byScope = limiters.get(deps);
  let out: RateLimitHealth = { failOpen: false, lastFailureAt: null, lastSuccessAt: null, failures: 0 };
  const scopes: string[] = [];
  for (const [scope, l] of byScope ?? []) {
    scopes.push(scope);
    const h = l.health();
    out = {
      failOpen: out.failOpen || h.failOpen,
      lastFailureAt: Math.max(out.lastFailureAt ?? 0, h.lastFailureAt ?? 0) || null,
      lastSuccessAt: Math.max(out.lastSuccessAt ?? 0, h.lastSuccessAt ?? 0) || null,
      failures: out.failures + h.failures,
    };
  }
  return { ...out, scopes };
}
