/** POST /headers (admin) and GET /headers/tip — the block headers SPV verification trusts. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { storeHeaders } from '@strata/core/bundle/headers';
import { ServedTip, StoreHeadersResult } from '@strata/core/bundle/schema';
import { readTip } from '@strata/core/bundle/tip';
import { StrataError } from '@strata/core/errors';
import { MAX_HEADERS_PER_INSERT } from '@strata/core/spv/header-store';
import type { AppEnv } from '../env';
import { requireToken } from '../middleware/auth';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

/**
 * Heights live in `integer` columns (2^31 - 1). A checkpoint near that bound would make the next
 * header's height overflow the column (a database error, not an answer), so the checkpoint is
 * capped far below it: a billion blocks is ~19,000 years of ten-minute blocks.
 */
export const MAX_START_HEIGHT = 1_000_000_000;

const HeadersBody = z
  .object({
    headers: z
      .array(z.string().regex(/^[0-9a-fA-F]{160}$/, 'expected an 80-byte header as hex'))
      .min(1)
      .max(MAX_HEADERS_PER_INSERT)
      .openapi({ description: 'Headers in chain order; each must link to a known header (or be the checkpoint of an empty store).' }),
    startHeight: z
      .number()
      .int()
      .min(0)
      .max(MAX_START_HEIGHT)
      .optional()
      .openapi({ description: `Height of the first header when it is the checkpoint (default 0, at most ${MAX_START_HEIGHT}).` }),
  })
  .openapi('HeadersRequest');

components({ HeadersResult: StoreHeadersResult, HeadersTip: ServedTip });

const postRoute = createRoute({
  method: 'post',
  path: '/headers',
  tags: ['trust'],
  summary: 'Store block headers (admin); the heaviest chain becomes the best chain',
  description:
    'Stores 80-byte block headers (hex, in chain order) after checking each one’s proof of work and link to its predecessor. The chain with the most work is the best chain; a reorganisation is reported with the versions whose proofs it affects. Re-posting known headers changes nothing. The schedule can also load headers from `HEADERS_SOURCE`.',
  security: SECURITY.admin,
  middleware: [requireToken('admin')] as const,
  request: { body: { required: true, content: { 'application/json': { schema: HeadersBody } } } },
  responses: {
    200: { description: 'Stored (re-posting known headers is a no-op)', content: { 'application/json': { schema: StoreHeadersResult } } },
    ...errorResponses('unauthorized', 413, 503),
  },
});

const tipRoute = createRoute({
  method: 'get',
  path: '/headers/tip',
  tags: ['trust'],
  summary: 'The best chain tip (cached for seconds)',
  description: 'Height, hash and cumulative work of the best chain’s tip; 404 before any header is stored.',
  security: SECURITY.public,
  responses: {
    200: { description: 'The tip', content: { 'application/json': { schema: ServedTip } } },
    ...errorResponses('not-found', 503),
  },
});

export function registerHeaders(app: OpenAPIHono<AppEnv>): void {
  app.openapi(postRoute, async (c) => {
    const body = c.req.valid('json');
    return c.json(await storeHeaders({ deps: c.get('deps'), ctx: c.get('ctx'), input: body }), 200);
  });
  app.openapi(tipRoute, async (c) => {
    const tip = await readTip({ deps: c.get('deps'), ctx: c.get('ctx'), input: {} });
    if (tip === null) throw new StrataError('not-found', 'No block headers are stored yet.', { hint: 'no-headers' });
    return c.json(tip, 200, { 'cache-control': 'no-cache' });
  });
}
