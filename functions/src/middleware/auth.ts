/** Bearer-token guards for admin and ingest operations and ARC's callback (constant-time comparison). */
import type { MiddlewareHandler } from 'hono';
import { StrataError } from '@strata/core/errors';
import type { AppEnv } from '../env';
import { setActor } from './request-context';

/** Constant-time string comparison for secrets (bearer and callback tokens). */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

/**
 * Requires `Authorization: Bearer <token>` matching the admin (or ingest) token, and sets the
 * request's actor to the token that matched: the admin token on an ingest route acts as `admin`.
 */
export function requireToken(which: 'admin' | 'ingest'): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new StrataError('unauthorized', `This operation needs the ${which} bearer token.`, { hint: 'Send Authorization: Bearer <token>.' });
    const tokens = c.get('deps').tokens;
    const expected = tokens[which].reveal();
    // the admin token may do everything the ingest token may (compared first: it names the actor)
    const admin = timingSafeEqual(m[1]!, tokens.admin.reveal());
    const ok = which === 'admin' ? admin : admin || timingSafeEqual(m[1]!, expected);
    if (!ok) throw new StrataError('unauthorized', `The ${which} token is not valid.`);
    setActor(c, { kind: admin ? 'admin' : 'ingest' });
    await next();
  };
}

/**
 * Requires `Authorization: Bearer <ARC_CALLBACK_TOKEN>`; without a configured token no callback is
 * trusted (proofs then come by the schedule). Sets the actor to `{ kind: 'callback', source: 'arc' }`.
 */
export function requireArcCallbackToken(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const expected = c.get('deps').config.ARC_CALLBACK_TOKEN?.reveal();
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!expected || !m || !timingSafeEqual(m[1]!, expected)) {
      throw new StrataError('unauthorized', 'ARC callbacks must carry the configured callback token.', { hint: 'Authorization: Bearer <ARC_CALLBACK_TOKEN>' });
    }
    setActor(c, { kind: 'callback', source: 'arc' });
    await next();
  };
}
