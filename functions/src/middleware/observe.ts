/**
 * The first middleware: times every request, counts it by route template, method and status
 * (core observability/http.ts) and writes one access-log line. The line holds the method, the
 * route TEMPLATE (never the raw path or query, which can carry ids or secrets), the status, the
 * duration and the request id — never a header, a token, a signature or a body.
 *
 * Nothing is set on the response after `next()` (docs/adr/0014): it only reads the status.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Deps } from '@strata/core/deps';
import { createRequestRecorder, UNMATCHED_ROUTE } from '@strata/core/observability/http';
import type { AppEnv } from '../env';

/**
 * The template of the route that answered. `app.use` middleware is registered for method ALL;
 * the answering route is the one at `routeIndex` — or, when a `*` middleware answered early
 * (body limit), the first real route the request matched. None → `unmatched`.
 */
export function routeTemplate(c: Context): string {
  const routes = matchedRoutes(c);
  const at = routes[c.req.routeIndex];
  if (at && at.method !== 'ALL') return at.path;
  for (let i = c.req.routeIndex + 1; i < routes.length; i++) if (routes[i]!.method !== 'ALL') return routes[i]!.path;
  return UNMATCHED_ROUTE;
}

export function observe(deps: Deps): MiddlewareHandler<AppEnv> {
  const record = createRequestRecorder(deps.metrics);
  const log = deps.log;
  const done = (c: Context<AppEnv>, status: number, started: number): void => {
    const ms = performance.now() - started;
    const route = routeTemplate(c);
    const method = c.req.method;
    record(route, method, status, ms);
    const line = { method, route, status, durationMs: Math.round(ms * 100) / 100, requestId: c.get('requestId') };
    if (status >= 500) log.warn('request', line);
    else log.info('request', line);
  };
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (e) {
      // only a non-Error throw gets past Hono's onError; the app's fallback answers it with a 500
      done(c, 500, started);
      throw e;
    }
    done(c, c.res.status, started);
  };
}
