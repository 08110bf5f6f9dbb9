/** The Hono environment shared by every route: one Deps object and per-request values. */
import type { RequestCtx } from '@strata/core/context';
import type { Deps } from '@strata/core/deps';

export interface AppVariables {
  deps: Deps;
  requestId: string;
  /** Runs work after the response: Workers' waitUntil, awaited on Lambda, tracked on Node. */
  waitUntil: (p: Promise<unknown>) => void;
  /**
   * What every verb takes: request id, waitUntil and the actor. Starts anonymous; the auth or
   * identity middleware sets the actor once (`setActor`), routes pass `c.get('ctx')` on as it is.
   */
  ctx: RequestCtx;
}

export interface AppEnv {
  Variables: AppVariables;
}
