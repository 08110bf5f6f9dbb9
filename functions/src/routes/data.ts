/**
 * GET /v1/data — a buyer's download: the receipt's checks and bytes quota in one PostgreSQL
 * statement, then a presigned (or CDN-signed) URL, as a 302 or as JSON
 * (packages/core/src/delivery/service.ts).
 */
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { deliver } from '@strata/core/delivery/service';
import { DataQuery, DeliveryResult } from '@strata/core/delivery/schema';
import type { AppEnv } from '../env';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';
import { errorResponses } from '../problem';

components({ DataDelivery: DeliveryResult });

const route = createRoute({
  method: 'get',
  path: '/v1/data',
  tags: ['delivery'],
  summary: "Download a paid version's content: checks and quota in one statement, then a presigned URL (302 with redirect=true)",
  description:
    'No credential but the receipt: `receiptId` (a random id handed to the buyer) authorises the download of `contentHash`. One PostgreSQL statement checks, in this order, that the receipt exists (404 `not-found`), has not expired (403 `expired`; an expired receipt is marked so), was not consumed (409 `already-consumed`), is paid or confirmed (403 `forbidden`), is for this content (409 `content-mismatch`), that the content is uploaded and verified (404 `not-found`) and that the receipt has bytes left for the whole object (409 `quota-exceeded`) — and counts the object\'s size against the receipt\'s bytes limit (consuming a single-use receipt) in the same statement. Then a URL valid for `PRESIGN_TTL_SEC` is signed locally: a presigned store URL (`CDN_MODE=off`, sent as an attachment), `CDN_BASE_URL/<key>` (`direct`) or a CloudFront signed URL (`signed`). Ranges through the URL are not counted again. The answer is `Cache-Control: no-store`: the URL is a bearer credential until it expires. 409 `conflict` when concurrent downloads kept changing the receipt three times in a row: retry.',
  security: SECURITY.public,
  request: { query: DataQuery },
  responses: {
    200: { description: 'The URL to fetch (Content-Disposition: attachment; ranges work)', content: { 'application/json': { schema: DeliveryResult } } },
    302: { description: 'Redirect to the URL' },
    ...errorResponses('expired', 'forbidden', 'not-found', 'already-consumed', 'content-mismatch', 'quota-exceeded', 'conflict', 'unavailable'),
  },
});

export function registerData(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { redirect, ...body } = await deliver({ deps: c.get('deps'), ctx: c.get('ctx'), input: { query: c.req.query() } });
    // the URL is a bearer credential for PRESIGN_TTL_SEC: never cache this answer anywhere
    c.header('cache-control', 'no-store');
    c.header('x-content-type-options', 'nosniff');
    if (redirect) return c.redirect(body.delivery.url, 302);
    return c.json(body, 200);
  });
}
