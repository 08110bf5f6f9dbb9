/**
 * Identity-signed requests, scheme v2 (docs/identity-signing.md): `X-Identity-Key`,
 * `X-Timestamp`, `X-Nonce`, `X-Signature` over the method, the path with query, the timestamp,
 * the nonce and the exact body. The timestamp must lie within IDENTITY_WINDOW_SEC of the
 * server's clock; the signature is checked BEFORE any nonce is claimed, so unsigned junk
 * cannot burn someone's nonces.
 *
 * Nonces are single-use in PostgreSQL (core identity/nonces.ts), never in Kv: a Redis restart,
 * outage or eviction cannot reopen a replay, and signed writes do not depend on Kv at all.
 * - `nonce: 'in-write'`: the route's verb commits through the catalog `write` / `commitWrite`
 *   with the nonce of the identity actor (`nonceOf(ctx)`), which claims the nonce in the same transaction as the write (a failed
 *   write does not use it). Should such a route answer 2xx without having claimed it, the
 *   nonce is claimed afterwards and the omission logged as an error.
 * - `nonce: 'before'` (default): claimed in its own statement before the handler runs — a
 *   replay is refused just as durably; only a failed write uses the nonce up too.
 * A valid signature makes the request's actor `{ kind: 'identity', key }` (core context.ts).
 */
import type { MiddlewareHandler } from 'hono';
import { StrataError } from '@strata/core/errors';
import { claimNonceNow, type NonceClaim } from '@strata/core/identity/nonces';
import { verifyIdentity } from '@strata/core/identity/verify';
import type { AppEnv } from '../env';
import { setActor } from './request-context';

const HEADERS = ['x-identity-key', 'x-nonce', 'x-signature', 'x-timestamp'] as const;

/** The request target as the client sent it: path plus `?query` (no scheme, host or fragment). */
export function requestTarget(url: string): string {
  const afterScheme = url.indexOf('//');
  const slash = url.indexOf('/', afterScheme < 0 ? 0 : afterScheme + 2);
  const target = slash < 0 ? '/' : url.slice(slash);
  const hash = target.indexOf('#');
  return hash < 0 ? target : target.slice(0, hash);
}

export interface IdentityOptions {
  /** Where the nonce is claimed; see the file comment. */
  readonly nonce?: 'in-write' | 'before';
}

/** `required`: 401 without a valid signature; `optional`: unsigned passes as anonymous, a bad signature does not. */
export function identity(mode: 'required' | 'optional', opts: IdentityOptions = {}): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const [identityKey, nonce, signature, timestamp] = HEADERS.map((h) => c.req.header(h));
    if (mode === 'optional' && identityKey === undefined && nonce === undefined && signature === undefined && timestamp === undefined) return next();
    const deps = c.get('deps');
    const body = c.req.raw.body === null ? '' : await c.req.text();
    const r = verifyIdentity({
      identityKey,
      nonce,
      signature,
      timestamp,
      method: c.req.method,
      path: requestTarget(c.req.url),
      body,
      nowMs: deps.clock.now(),
      windowSec: deps.config.IDENTITY_WINDOW_SEC,
    });
    if (!r.ok) throw new StrataError('invalid-signature', 'The identity signature is missing or not valid.', { hint: r.reason });
    const claim: NonceClaim = { identityKey: r.identityKey, nonce: r.nonce, signedAt: new Date(r.timestamp * 1000), claimed: false };
    if (opts.nonce !== 'in-write') await claimNonceNow(deps.sql, claim);
    setActor(c, { kind: 'identity', key: r.identityKey, nonce: claim });
    await next();
    if (!claim.claimed && c.res.status < 400) {
      deps.log.error('identity-signed route answered without claiming its nonce', { path: c.req.path, requestId: c.get('requestId') });
      await claimNonceNow(deps.sql, claim).catch(() => undefined);
    }
  };
}
