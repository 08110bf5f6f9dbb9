/** Receipts: POST /pay creates one; GET /receipt and GET /payments/:receiptId read it. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { PayBody, PaymentDetail, Receipt, ReceiptId, ReceiptQuery } from '@strata/core/payments/schema';
import { getPaymentDetail, getReceiptVerb, pay } from '@strata/core/payments/service';
import type { AppEnv } from '../env';
import { serviceCtx } from '../middleware/identity';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';

const ReceiptSchema = Receipt.openapi('Receipt');
const noStore = { 'cache-control': 'no-store' };

const payRoute = createRoute({
  method: 'post',
  path: '/pay',
  tags: ['payments'],
  summary: 'Create a pending receipt for quantity units of a version at its current price',
  middleware: [rateLimit('submit', (c) => c.get('deps').config.RATE_LIMIT_SUBMIT_PER_MIN)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: PayBody.openapi('PayRequest') } } } },
  responses: { 200: { description: 'The pending receipt', content: { 'application/json': { schema: ReceiptSchema } } }, ...errorResponses(404, 503) },
});

const receiptRoute = createRoute({
  method: 'get',
  path: '/receipt',
  tags: ['payments'],
  summary: 'A receipt (a lapsed one reads as expired)',
  middleware: [rateLimit('public')] as const,
  request: { query: ReceiptQuery },
  responses: { 200: { description: 'The receipt', content: { 'application/json': { schema: ReceiptSchema } } }, ...errorResponses(404, 503) },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/payments/{receiptId}',
  tags: ['payments'],
  summary: 'A receipt with its quote and payment',
  middleware: [rateLimit('public')] as const,
  request: { params: z.object({ receiptId: ReceiptId }) },
  responses: {
    200: { description: 'The receipt, quote and payment', content: { 'application/json': { schema: PaymentDetail.openapi('PaymentDetail') } } },
    ...errorResponses(404, 503),
  },
});

export function registerReceipts(app: OpenAPIHono<AppEnv>): void {
  app.openapi(payRoute, async (c) => c.json(await pay({ deps: c.get('deps'), ctx: serviceCtx(c), input: c.req.valid('json') }), 200, noStore));
  app.openapi(receiptRoute, async (c) =>
    c.json(await getReceiptVerb({ deps: c.get('deps'), ctx: serviceCtx(c), input: c.req.valid('query') }), 200, noStore),
  );
  app.openapi(detailRoute, async (c) =>
    c.json(await getPaymentDetail({ deps: c.get('deps'), ctx: serviceCtx(c), input: c.req.valid('param') }), 200, noStore),
  );
}
