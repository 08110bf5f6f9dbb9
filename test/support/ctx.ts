/** A request context for tests that call a verb directly (anonymous unless an actor is given). */
import { ANONYMOUS, type Actor, type RequestCtx } from '@strata/core/context';

export function testCtx(actor: Actor = ANONYMOUS, requestId = 'test'): RequestCtx {
  return { requestId, actor, waitUntil: (p) => void p.catch(() => undefined) };
}
