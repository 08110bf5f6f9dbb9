/** The Hono environment shared by every route: one Deps object and per-request values. */
import type { Deps } from '@strata/core/deps';

export interface AppVariables {
  deps: Deps;
  requestId: string;
  /** Runs work after the response: Workers' waitUntil, awaited on Lambda, tracked on Node. */
  waitUntil: (p: Promise<unknown>) => void;
}

export interface AppEnv {
  Variables: AppVariables;
}
