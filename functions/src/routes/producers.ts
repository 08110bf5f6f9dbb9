/** Producers: identity-signed registration, public cached profiles. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { Producer, ProducerByDatasetQuery, ProducerParam, ProducerRegistration } from '@strata/core/catalog/schema';
import { getProducerByDatasetCached, getProducerCached, registerProducerVerb } from '@strata/core/catalog/service';
import type { AppEnv } from '../env';
import { sendCached } from '../http/cache-headers';
import { identity } from '../middleware/identity';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ ProducerRegistration, Producer });

const identityHeaders = z.object({
  'x-identity-key': z.string().openapi({ description: 'Compressed secp256k1 public key, hex' }),
  'x-timestamp': z.string().openapi({ description: 'Unix seconds; refused outside IDENTITY_WINDOW_SEC of the server clock' }),
  'x-nonce': z.string().openapi({ description: 'Single-use, 8..128 characters' }),
  'x-signature': z.string().openapi({ description: 'DER or compact hex over sha256 of the v2 message (docs/identity-signing.md)' }),
});

const registerRoute = createRoute({
  method: 'post',
  path: '/producers/register',
  tags: ['catalog'],
  summary: 'Register or update the producer of the signing identity (idempotent per key)',
  description:
    'Creates or updates the producer whose identity key signed the request; its id (`prod_<16 hex>`) is derived from the key, so retries and updates keep it. The body is optional (name, website, payout script). Identity-signed (v2: method, path, timestamp, nonce and the exact body; docs/identity-signing.md); limited to `RATE_LIMIT_REGISTER_PER_MIN` per client.',
  security: SECURITY.identity,
  middleware: [rateLimit('register', (c) => c.get('deps').config.RATE_LIMIT_REGISTER_PER_MIN), identity('required', { nonce: 'in-write' })] as const,
  request: { headers: identityHeaders, body: { required: false, content: { 'application/json': { schema: ProducerRegistration } } } },
  responses: {
    200: { description: 'Registered', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), producerId: z.string() }) } } },
    ...errorResponses('invalid-signature', 'nonce-replayed', 401, 413, 429, 503),
  },
});

const getRoute = createRoute({
  method: 'get',
  path: '/producers/{id}',
  tags: ['catalog'],
  summary: 'A producer profile (cached)',
  description: 'One producer by its id (`prod_<16 hex>`). Cached with `ETag`.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { params: ProducerParam },
  responses: {
    200: { description: 'The profile', content: { 'application/json': { schema: Producer } } },
    304: { description: 'Not modified' },
    ...errorResponses('not-found', 429, 503),
  },
});

const byDatasetRoute = createRoute({
  method: 'get',
  path: '/producers',
  tags: ['catalog'],
  summary: "The producer of a dataset's latest version (cached)",
  description: 'The producer who published the newest version of `datasetId`; 404 when no version of it names a producer.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { query: ProducerByDatasetQuery },
  responses: {
    200: { description: 'The profile', content: { 'application/json': { schema: Producer } } },
    304: { description: 'Not modified' },
    ...errorResponses('not-found', 429, 503),
  },
});

export function registerProducers(app: OpenAPIHono<AppEnv>): void {
  app.openapi(registerRoute, async (c) => {
    const body: unknown = c.req.valid('json') ?? {};
    return c.json(await registerProducerVerb({ deps: c.get('deps'), ctx: c.get('ctx'), input: { body } }), 200);
  });
  app.openapi(getRoute, async (c) => {
    const r = await getProducerCached({ deps: c.get('deps'), ctx: c.get('ctx'), input: { producerId: c.req.valid('param').id } });
    return await sendCached(c, r, 'producers', { detail: 'No producer has this id.', hint: 'producer not found' });
  });
  app.openapi(byDatasetRoute, async (c) => {
    const r = await getProducerByDatasetCached({ deps: c.get('deps'), ctx: c.get('ctx'), input: { datasetId: c.req.valid('query').datasetId } });
    return await sendCached(c, r, 'producers', { detail: 'No producer has published this dataset.', hint: 'producer not found' });
  });
}
