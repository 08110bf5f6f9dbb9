/**
 * Puts deps, a request id and a portable `waitUntil` on the context. On Workers background
 * work goes to the ExecutionContext; on Lambda it is awaited before the invocation ends (the
 * sandbox freezes after the response); on Node it is tracked so shutdown and tests can drain it.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { ANONYMOUS, type Actor } from '@strata/core/context';
import type { Deps } from '@strata/core/deps';
import { StrataError } from '@strata/core/errors';
import type { AppEnv, AppVariables } from '../env';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(deps: Deps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId = incoming && REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
    c.set('deps', deps);
    c.set('requestId', requestId);
    // Set before the handler: a header added afterwards makes Hono rebuild the response.
    c.header('x-request-id', requestId);

    // Only Workers have an ExecutionContext (elsewhere the getter throws, which is not free).
    const execCtx: { waitUntil(p: Promise<unknown>): void } | undefined = deps.runtime === 'worker' ? c.executionCtx : undefined;
    const pending: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => {
      const guarded = p.catch((e: unknown) => deps.log.warn('background task failed', { requestId, error: String(e) }));
      if (execCtx) execCtx.waitUntil(guarded);
      else if (deps.runtime === 'lambda') pending.push(guarded);
      else deps.background.track(guarded);
    };
    c.set('waitUntil', waitUntil);
    c.set('ctx', { requestId, waitUntil, actor: ANONYMOUS });

    await next();
    if (pending.length > 0) await Promise.allSettled(pending);
  };
}

/**
 * Sets the request's actor: called by the middleware that authenticated the caller (bearer
 * token, identity signature, a provider's callback token) and only once per request — a second
 * call is a wiring mistake and fails rather than silently re-attributing the request.
 */
export function setActor(c: Context<{ Variables: AppVariables }>, actor: Actor): void {
  const ctx = c.get('ctx');
  if (ctx.actor.kind !== 'anonymous') throw new StrataError('internal', `The request's actor was already set (${ctx.actor.kind}).`);
  c.set('ctx', { ...ctx, actor });
}
