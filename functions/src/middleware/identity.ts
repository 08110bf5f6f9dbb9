/**
 * Identity-signed requests (D19): `X-Identity-Key`, `X-Nonce`, `X-Signature` over
 * sha256(body + nonce) with the exact body text. The signature is checked BEFORE the nonce is
 * claimed, so unsigned junk cannot burn someone's nonces; the claim is `SET NX` in Kv.
 *
 * Kv unreachable → 503: without the nonce store a replay cannot be told from a first use, so
 * signed writes fail closed (reads and unsigned writes do not depend on Kv).
 *
 * The signed message carries no timestamp, so a nonce is kept for NONCE_TTL_SEC (7 days): a
 * capture can be replayed only after that, and every signed write is an idempotent upsert.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { ServiceCtx } from '@strata/core/catalog/service';
import { StrataError } from '@strata/core/errors';
import { claimNonce, verifyIdentity } from '@strata/core/identity/verify';
import type { AppVariables } from '../env';

export const NONCE_TTL_SEC = 7 * 86_400;

export interface IdentityEnv {
  Variables: AppVariables & { identityKey: string | null };
}

const HEADERS = ['x-identity-key', 'x-nonce', 'x-signature'] as const;

/** `required`: 401 without a valid signature; `optional`: unsigned passes as anonymous, a bad signature does not. */
export function identity(mode: 'required' | 'optional'): MiddlewareHandler<IdentityEnv> {
  return async (c, next) => {
    const [identityKey, nonce, signature] = HEADERS.map((h) => c.req.header(h));
    if (mode === 'optional' && identityKey === undefined && nonce === undefined && signature === undefined) {
      c.set('identityKey', null);
      return next();
    }
    const body = c.req.raw.body === null ? '' : await c.req.text();
    const r = verifyIdentity({ identityKey, nonce, signature, body });
    if (!r.ok) throw new StrataError('invalid-signature', 'The identity signature is missing or not valid.', { hint: r.reason });
    let fresh: boolean;
    try {
      fresh = await claimNonce(c.get('deps').kv, r.identityKey, nonce!, NONCE_TTL_SEC);
    } catch (e) {
      throw new StrataError('unavailable', 'Signed requests cannot be checked for replay right now; retry later.', { hint: 'nonce-store-unavailable', cause: e });
    }
    if (!fresh) throw new StrataError('nonce-replayed', 'This nonce was already used.', { hint: 'nonce-reused' });
    c.set('identityKey', r.identityKey);
    await next();
  };
}

/** The per-request context a catalog verb takes (actor from the verified identity, if any). */
export function serviceCtx(c: Context): ServiceCtx {
  const identityKey = (c.get('identityKey') as string | null | undefined) ?? null;
  return {
    waitUntil: c.get('waitUntil') as ServiceCtx['waitUntil'],
    requestId: c.get('requestId') as string,
    actor: identityKey ? `identity:${identityKey}` : 'anonymous',
    identityKey,
  };
}
