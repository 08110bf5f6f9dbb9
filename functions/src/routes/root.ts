/**
 * GET / — where a newcomer lands: what this server is and where to go next (the API reference,
 * the OpenAPI document, health, metrics). JSON by default; a small HTML page for a browser.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../env';
import { SECURITY } from '../openapi/security';

const Root = z
  .object({
    name: z.literal('Strata'),
    description: z.string(),
    links: z.object({ docs: z.string().optional(), openapi: z.string(), health: z.string(), metrics: z.string() }),
  })
  .openapi('Root');

const route = createRoute({
  method: 'get',
  path: '/',
  tags: ['operations'],
  summary: 'Where to start: links to the API reference, the OpenAPI document, health and metrics',
  description: 'Public, no token. JSON `{name, description, links}` by default; a small HTML page with the same links when the `Accept` header prefers `text/html` (a browser). `links.docs` is absent when the docs feature flag is off.',
  security: SECURITY.public,
  responses: {
    200: {
      description: 'JSON, or HTML when the client prefers text/html',
      content: { 'application/json': { schema: Root }, 'text/html': { schema: z.string() } },
    },
  },
});

export function registerRoot(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => {
    const docs = c.get('deps').config.FEATURE_FLAGS_JSON?.docs !== false;
    const links = { ...(docs ? { docs: '/docs' } : {}), openapi: '/openapi.json', health: '/health', metrics: '/metrics' };
    const description = 'Catalog, lineage, trust, payments and delivery API of a governed data marketplace.';
    if ((c.req.header('accept') ?? '').includes('text/html')) {
      const items = Object.entries(links)
        .map(([k, v]) => `<li><a href="${v}">${v}</a> — ${k}</li>`)
        .join('');
      return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Strata</title></head><body><h1>Strata</h1><p>${description}</p><ul>${items}</ul></body></html>`);
    }
    return c.json({ name: 'Strata' as const, description, links }, 200);
  });
}
