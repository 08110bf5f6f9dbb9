/**
 * Puts deps, a request id and a portable `waitUntil` on the context. On Workers background
 * work goes to the ExecutionContext; on Lambda it is awaited before the invocation ends (the
 * sandbox freezes after the response); on Node it is tracked so shutdown and tests can drain it.
 */
import type { MiddlewareHandler } from 'hono';
import type { Deps } from '@strata/core/deps';
import type { AppEnv } from '../env';

export const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
    c.set('waitUntil', (p: Promise<unknown>) => {
      const guarded = p.catch((e: unknown) => deps.log.warn('background task failed', { requestId, error: String(e) }));
      if (execCtx) execCtx.waitUntil(guarded);
      else if (deps.runtime === 'lambda') pending.push(guarded);
      else deps.background.track(guarded);
    });

    await next();
    if (pending.length > 0) await Promise.allSettled(pending);
  };
}
