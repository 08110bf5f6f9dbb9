/** Receipts: POST /pay creates one; GET /receipt and GET /payments/:receiptId read it. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { PayBody, PaymentDetail, Receipt, ReceiptId, ReceiptQuery } from '@strata/core/payments/schema';
import { getPaymentDetail, getReceiptVerb, pay } from '@strata/core/payments/service';
import type { AppEnv } from '../env';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ Receipt, PayRequest: PayBody, PaymentDetail });

const noStore = { 'cache-control': 'no-store' };

const payRoute = createRoute({
  method: 'post',
  path: '/pay',
  tags: ['payments'],
  summary: 'Create a pending receipt for quantity units of a version at its current price',
  description:
    'Creates a new `pending` receipt (not idempotent: every call makes another one) for `quantity` (1–1000000) units of the published version `versionId`, at the unit price that applies now (see `GET /price`): `amountSat` = price × quantity, `bytesLimit` = the version’s size (or `RECEIPT_UNIT_BYTES` when it states none) × quantity, `singleUse` from `SINGLE_USE_RECEIPTS`. It waits for its payment until `expiresAt` (now + `RECEIPT_TTL_SEC`), then expires. Next: `POST /payments/quote`. The `receiptId` (128 random bits) is the only credential for the receipt: keep it secret. Public, within `RATE_LIMIT_SUBMIT_PER_MIN` per client; 404 when no version has this id, 400 `bad-request` when price × quantity passes 2^53.',
  security: SECURITY.public,
  middleware: [rateLimit('submit', (c) => c.get('deps').config.RATE_LIMIT_SUBMIT_PER_MIN)] as const,
  request: { body: { required: true, content: { 'application/json': { schema: PayBody } } } },
  responses: { 200: { description: 'The pending receipt', content: { 'application/json': { schema: Receipt } } }, ...errorResponses('not-found', 413, 429, 503) },
});

const receiptRoute = createRoute({
  method: 'get',
  path: '/receipt',
  tags: ['payments'],
  summary: 'A receipt (a lapsed one reads as expired)',
  description:
    'The receipt `receiptId`: `pending` (waiting for its payment until `expiresAt`), `paid` (the broadcaster accepted the payment; `expiresAt` is then the end of access, `RECEIPT_ACCESS_TTL_SEC` after payment), `confirmed` (an SPV proof of the payment verified with `MIN_CONFS`; back to `paid` if its block leaves the best chain) or `expired`. A receipt whose `expiresAt` has passed is moved to `expired` by this read, so every reader sees what the next writer will. Public: knowing the id is the credential. Never cached (`Cache-Control: no-store`); within `RATE_LIMIT_PER_MIN` per client.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { query: ReceiptQuery },
  responses: { 200: { description: 'The receipt', content: { 'application/json': { schema: Receipt } } }, ...errorResponses('not-found', 429, 503) },
});

const detailRoute = createRoute({
  method: 'get',
  path: '/payments/{receiptId}',
  tags: ['payments'],
  summary: 'A receipt with its quote and payment',
  description:
    'The receipt as `GET /receipt` reads it (a lapsed one moved to `expired` first), with its unit price, its current or last quote (`null` before `POST /payments/quote`) and its payment (`null` until the broadcaster accepted one): txid, when paid and confirmed, fee, outputs, broadcaster (`dryrun` or `arc`), the broadcaster’s last status and, once proven, the block. Public: knowing the id is the credential. Never cached; within `RATE_LIMIT_PER_MIN` per client.',
  security: SECURITY.public,
  middleware: [rateLimit('public')] as const,
  request: { params: z.object({ receiptId: ReceiptId }) },
  responses: {
    200: { description: 'The receipt, quote and payment', content: { 'application/json': { schema: PaymentDetail } } },
    ...errorResponses('not-found', 429, 503),
  },
});

export function registerReceipts(app: OpenAPIHono<AppEnv>): void {
  app.openapi(payRoute, async (c) => c.json(await pay({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('json') }), 200, noStore));
  app.openapi(receiptRoute, async (c) =>
    c.json(await getReceiptVerb({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('query') }), 200, noStore),
  );
  app.openapi(detailRoute, async (c) =>
    c.json(await getPaymentDetail({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('param') }), 200, noStore),
  );
}
