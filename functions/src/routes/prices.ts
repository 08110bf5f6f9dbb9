/** Prices: GET /price (public, cached), POST /price and POST /price/rules (identity-signed by the version's producer). */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { Price, PriceQuery, SetPriceBody, SetPriceRuleBody } from '@strata/core/payments/schema';
import { getPrice, setPrice, setPriceRule } from '@strata/core/payments/prices';
import type { AppEnv } from '../env';
import { identity } from '../middleware/identity';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ Price, SetPrice: SetPriceBody, SetPriceRule: SetPriceRuleBody });

const identityHeaders = z.object({
  'x-identity-key': z.string().openapi({ description: 'Compressed secp256k1 public key, hex' }),
  'x-timestamp': z.string().openapi({ description: 'Unix seconds; refused outside IDENTITY_WINDOW_SEC of the server clock' }),
  'x-nonce': z.string().openapi({ description: 'Single-use, 8..128 characters' }),
  'x-signature': z.string().openapi({ description: 'DER or compact hex over sha256 of the v2 message (docs/identity-signing.md)' }),
});
const Ok = z.object({ status: z.literal('ok') });

const getRoute = createRoute({
  method: 'get',
  path: '/price',
  tags: ['payments'],
  summary: 'The price of a version (version rule > version override > producer rule > default); cached',
  description:
    'The unit price in satoshis of the published version `versionId`: its version rule if set, else the producer’s override for it, else the producer’s rule, else `PRICE_DEFAULT_SATS`. `expiresAt` is now + `PRICE_QUOTE_TTL_SEC` (epoch seconds); it is indicative only: `POST /pay` charges the price that applies when the receipt is created. Cached (`X-Cache`), invalidated when a price or rule changes; answered with `Cache-Control: no-store` since `expiresAt` moves with the clock. Public, within `RATE_LIMIT_PER_MIN` per client. 404 when no version has this id.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { query: PriceQuery },
  responses: {
    200: {
      description: 'The price, quoted until expiresAt (epoch seconds)',
      headers: z.object({ 'x-cache': z.enum(['hit', 'miss', 'stale']) }),
      content: { 'application/json': { schema: Price } },
    },
    ...errorResponses('not-found', 429, 503),
  },
});

const setRoute = createRoute({
  method: 'post',
  path: '/price',
  tags: ['payments'],
  summary: "Set the producer's price of one of its versions (identity-signed by that producer)",
  description:
    'Stores the version override: the price of `versionId` when no version rule is set (a version rule beats it; it beats the producer rule and the default). Only the registered producer whose identity key signed the request may price its version: another key answers 403 `forbidden`, an unknown version 404. Setting it again replaces it. Identity-signed (v2; docs/identity-signing.md); the nonce is claimed before the write, so after a failure sign again with a fresh nonce. The cached price is invalidated with the write.',
  security: SECURITY.identity,
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, body: { required: true, content: { 'application/json': { schema: SetPriceBody } } } },
  responses: { 200: { description: 'Stored', content: { 'application/json': { schema: Ok } } }, ...errorResponses('invalid-signature', 'nonce-replayed', 'forbidden', 'not-found', 413, 503) },
});

const ruleRoute = createRoute({
  method: 'post',
  path: '/price/rules',
  tags: ['payments'],
  summary: "Set a price rule: for one of the caller's versions (beats its override) or for all of the caller's versions",
  description:
    '`scope: "version"` sets the version rule of `versionId`, the highest-ranked price (it beats the override of `POST /price`); only the version’s producer may set it (403 `forbidden` otherwise, 404 for an unknown version). `scope: "producer"` sets the rule for every version of the producer derived from the signing key, used where a version has neither rule nor override; it does not check that the producer is registered or has versions. Setting a rule again replaces it. Identity-signed (v2; docs/identity-signing.md); the nonce is claimed before the write. A version rule invalidates that version’s cached price, a producer rule every cached price.',
  security: SECURITY.identity,
  middleware: [identity('required')] as const,
  request: { headers: identityHeaders, body: { required: true, content: { 'application/json': { schema: SetPriceRuleBody } } } },
  responses: { 200: { description: 'Stored', content: { 'application/json': { schema: Ok } } }, ...errorResponses('invalid-signature', 'nonce-replayed', 'forbidden', 'not-found', 413, 503) },
});

export function registerPrices(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getRoute, async (c) => {
    const { price, cache } = await getPrice({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('query') });
    const xCache = cache.status === 'hit' ? 'hit' : cache.status === 'miss' ? 'miss' : 'stale';
    // expiresAt moves with the clock, so the body is never the same twice: no ETag, no shared caching
    return c.json(price, 200, { 'x-cache': xCache, 'cache-control': 'no-store' });
  });
  app.openapi(setRoute, async (c) => c.json(await setPrice({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('json') }), 200));
  app.openapi(ruleRoute, async (c) => c.json(await setPriceRule({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('json') }), 200));
}
