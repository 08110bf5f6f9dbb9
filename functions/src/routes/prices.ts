/** Prices: GET /price (public, cached), POST /price and POST /price/rules (identity-signed by the version's producer). */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { Price, PriceQuery, SetPriceBody, SetPriceRuleBody } from '@strata/core/payments/schema';
import { getPrice, setPrice, setPriceRule } from '@strata/core/payments/prices';
import type { AppEnv } from '../env';
import { identity, serviceCtx } from '../middleware/identity';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';

const identityHeaders = z.object({
  'x-identity-key': z.string().openapi({ description: 'Compressed secp256k1 public key, hex' }),
  'x-nonce': z.string().openapi({ description: 'Single-use, 8..128 characters' }),
  'x-signature': z.string().openapi({ description: 'DER or compact hex signature (see the identity scheme)' }),
});
const Ok = z.object({ status: z.literal('ok') });

const getRoute = createRoute({
  method: 'get',
  path: '/price',
  tags: ['payments'],
  summary: 'The price of a version (version rule > version override > producer rule > default); cached',
  middleware: [rateLimit('public')] as const,
  request: { query: PriceQuery },
  responses: {
    200: {
      description: 'The price, quoted until expiresAt (epoch seconds)',
      headers: z.object({ 'x-cache': z.enum(['hit', 'miss', 'stale']) }),
      content: { 'application/json': { schema: Price.openapi('Price') } },
    },
    ...errorResponses(404, 503),
  },
});

const setRoute = createRoute({
  method: 'post',
  path: '/price',
  tags: ['payments'],
  summary: "Set the producer's price of one of its versions (identity-signed by that producer)",
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, body: { required: true, content: { 'application/json': { schema: SetPriceBody.openapi('SetPrice') } } } },
  responses: { 200: { description: 'Stored', content: { 'application/json': { schema: Ok } } }, ...errorResponses(401, 403, 404, 503) },
});

const ruleRoute = createRoute({
  method: 'post',
  path: '/price/rules',
  tags: ['payments'],
  summary: "Set a price rule: for one of the caller's versions (beats its override) or for all of the caller's versions",
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, body: { required: true, content: { 'application/json': { schema: SetPriceRuleBody.openapi('SetPriceRule') } } } },
  responses: { 200: { description: 'Stored', content: { 'application/json': { schema: Ok } } }, ...errorResponses(401, 403, 404, 503) },
});

export function registerPrices(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getRoute, async (c) => {
    const { price, cache } = await getPrice({ deps: c.get('deps'), ctx: serviceCtx(c), input: c.req.valid('query') });
    const xCache = cache.status === 'hit' ? 'hit' : cache.status === 'miss' ? 'miss' : 'stale';
    // expiresAt moves with the clock, so the body is never the same twice: no ETag, no shared caching
    return c.json(price, 200, { 'x-cache': xCache, 'cache-control': 'no-store' });
  });
  app.openapi(setRoute, async (c) => c.json(await setPrice({ deps: c.get('deps'), ctx: serviceCtx(c), input: c.req.valid('json') }), 200));
  app.openapi(ruleRoute, async (c) => c.json(await setPriceRule({ deps: c.get('deps'), ctx: serviceCtx(c), input: c.req.valid('json') }), 200));
}
