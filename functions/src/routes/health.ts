/** GET /health, GET /health/db and GET /metrics. Each tier is named; a failing one makes it 503. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { checkHealth, HealthResponse } from '@strata/core/health/health';
import { rateLimitHealth } from '@strata/core/ratelimit/index';
import type { AppEnv } from '../env';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ Health: HealthResponse });

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['operations'],
  summary: 'Liveness of every tier',
  description: 'Pings the database, cache, blob store and queue and names each one’s adapter (tier) and latency; 503 when any fails, naming it in `failing`. Also says whether rate limits are enforced or failing open, and reports the backlog of post-commit work (unapplied cache invalidations, their age, pending dead letters), which alone never makes it 503.',
  security: SECURITY.public,
  responses: {
    200: { description: 'All tiers reachable', content: { 'application/json': { schema: HealthResponse } } },
    503: { description: 'At least one tier failing (named in `failing`)', content: { 'application/json': { schema: HealthResponse } } },
  },
});

const dbRoute = createRoute({
  method: 'get',
  path: '/health/db',
  tags: ['operations'],
  summary: 'Postgres SELECT 1 and Kv ping',
  description: 'The database and cache checks of `/health` only.',
  security: SECURITY.public,
  responses: {
    200: { description: 'Both reachable', content: { 'application/json': { schema: HealthResponse.pick({ status: true, timestamp: true, failing: true, database: true, cache: true }) } } },
    503: { description: 'Degraded', content: { 'application/json': { schema: HealthResponse.pick({ status: true, timestamp: true, failing: true, database: true, cache: true }) } } },
  },
});

export function registerHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(healthRoute, async (c) => {
    const h = await checkHealth(c.get('deps'), ['database', 'cache', 'storage', 'queue'], { backlog: true });
    // fail-open when Kv does not answer now, or the limiter's own last check could not reach it
    const failOpen = h.cache.ok === false || rateLimitHealth(c.get('deps')).failOpen;
    const body = { ...h, rateLimit: { failOpen, detail: failOpen ? 'Kv unreachable: rate limits fail open' : 'rate limits enforced through Kv' } };
    return c.json(body, h.failing.length === 0 ? 200 : 503);
  });
  app.openapi(dbRoute, async (c) => {
    const h = await checkHealth(c.get('deps'), ['database', 'cache']);
    return c.json({ status: h.status, timestamp: h.timestamp, failing: h.failing, database: h.database, cache: h.cache }, h.failing.length === 0 ? 200 : 503);
  });
  app.openAPIRegistry.registerPath({
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    description: 'Counters and gauges in the Prometheus text format (0.0.4), for a scraper.',
    security: SECURITY.public,
    responses: { 200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: z.string() } } } },
  });
  app.get('/metrics', async (c) => {
    const text = await c.get('deps').metrics.render();
    return c.text(text, 200, { 'content-type': 'text/plain; version=0.0.4' });
  });
}
