/**
 * Public-read rate limiting: sliding window in Kv (packages/core/src/ratelimit), one Kv round
 * trip per request, `RateLimit-Limit/Remaining/Reset` on every answer, 429 problem+json with
 * `Retry-After` when exceeded. Fails open when Kv is unreachable (see /health `rateLimit`).
 */
import type { Context, MiddlewareHandler } from 'hono';
import { rateLimiterFor } from '@strata/core/ratelimit/index';
import type { AppEnv } from '../env';
import { problem } from '../problem';

interface PlatformEnv {
  incoming?: { socket?: { remoteAddress?: string } };
  requestContext?: { http?: { sourceIp?: string }; identity?: { sourceIp?: string } };
}

/**
 * The client address as the platform saw it — never a client-supplied header, except
 * Cloudflare's `cf-connecting-ip`, which only Cloudflare's edge can set on Workers.
 */
export function clientAddress(c: Context<AppEnv>): string {
  const env = (c.env ?? {}) as PlatformEnv;
  if (c.get('deps').runtime === 'worker') return c.req.header('cf-connecting-ip') ?? 'anonymous';
  return env.requestContext?.http?.sourceIp ?? env.requestContext?.identity?.sourceIp ?? env.incoming?.socket?.remoteAddress ?? 'anonymous';
}

/** Limits requests per client address within `scope` to RATE_LIMIT_PER_MIN (0 = off). */
export function rateLimit(scope = 'public', limitOf: (c: Context<AppEnv>) => number = (c) => c.get('deps').config.RATE_LIMIT_PER_MIN): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const limit = limitOf(c);
    if (limit <= 0) return next();
    const d = await rateLimiterFor(c.get('deps'), scope, limit).check(clientAddress(c));
    // Set before the handler: headers added afterwards make Hono rebuild the response.
    c.header('ratelimit-limit', String(d.limit));
    c.header('ratelimit-remaining', String(d.remaining));
    c.header('ratelimit-reset', String(d.resetSec));
    if (!d.allowed) {
      return problem(c, {
        code: 'rate-limited',
        detail: `More than ${d.limit} requests per minute from this client.`,
        hint: 'Wait for Retry-After seconds.',
        retryAfterSec: d.retryAfterSec,
      });
    }
    await next();
  };
}
