/**
 * Payments: POST /payments/quote, /payments/submit, /payments/:receiptId/proof (a self-verifying
 * SPV envelope) and /payments/arc-callback (ARC's status callback, with its bearer token).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { StrataError } from '@strata/core/errors';
import { parseTxStatus } from '@strata/core/payments/broadcast';
import { applyTxStatus, attachPaymentProof } from '@strata/core/payments/confirm';
import { ArcCallbackBody, PaymentProofBody, ProofResult, Quote, QuoteBody, ReceiptId, SubmitPaymentBody, SubmitPaymentResult } from '@strata/core/payments/schema';
import { quote, submitPayment } from '@strata/core/payments/service';
import type { AppEnv } from '../env';
import { serviceCtx } from '../middleware/identity';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';

const noStore = { 'cache-control': 'no-store' };
const submitLimit = rateLimit('submit', (c) => c.get('deps').config.RATE_LIMIT_SUBMIT_PER_MIN);

const quoteRoute = createRoute({
  method: 'post',
  path: '/payments/quote',
  tags: ['payments'],
  summary: "The receipt's payment template (deterministic; the same until it expires)",
  middleware: [submitLimit] as const,
  request: { body: { required: true, content: { 'application/json': { schema: QuoteBody.openapi('QuoteRequest') } } } },
  responses: { 200: { description: 'The template', content: { 'application/json': { schema: Quote.openapi('Quote') } } }, ...errorResponses(404, 409, 503) },
});

const submitRoute = createRoute({
  method: 'post',
  path: '/payments/submit',
  tags: ['payments'],
  summary: 'Submit the payment transaction (raw, Extended Format or BEEF hex); idempotent for the same txid',
  middleware: [submitLimit] as const,
  request: { body: { required: true, content: { 'application/json': { schema: SubmitPaymentBody.openapi('SubmitPaymentRequest') } } } },
  responses: {
    200: { description: 'Accepted; the receipt is paid', content: { 'application/json': { schema: SubmitPaymentResult.openapi('SubmitPaymentResult') } } },
    ...errorResponses(404, 409, 410, 413, 422, 503),
  },
});

const proofRoute = createRoute({
  method: 'post',
  path: '/payments/{receiptId}/proof',
  tags: ['payments'],
  summary: "Attach an SPV envelope of the receipt's payment; confirmed once it verifies with MIN_CONFS",
  middleware: [submitLimit] as const,
  request: {
    params: z.object({ receiptId: ReceiptId }),
    body: { required: true, content: { 'application/json': { schema: PaymentProofBody.openapi('PaymentProofRequest') } } },
  },
  responses: { 200: { description: 'Verified', content: { 'application/json': { schema: ProofResult.openapi('PaymentProofResult') } } }, ...errorResponses(404, 409, 503) },
});

const callbackRoute = createRoute({
  method: 'post',
  path: '/payments/arc-callback',
  tags: ['payments'],
  summary: "ARC's transaction status callback (Authorization: Bearer ARC_CALLBACK_TOKEN)",
  request: { body: { required: true, content: { 'application/json': { schema: ArcCallbackBody.openapi('ArcCallback') } } } },
  responses: {
    200: { description: 'Taken', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), applied: z.boolean(), receiptStatus: z.string().nullable() }) } } },
    ...errorResponses(401, 503),
  },
});

function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}

export function registerPayments(app: OpenAPIHono<AppEnv>): void {
  app.openapi(quoteRoute, async (c) => c.json(await quote({ deps: c.get('deps'), ctx: serviceCtx(c), input: c.req.valid('json') }), 200, noStore));
  app.openapi(submitRoute, async (c) =>
    c.json(await submitPayment({ deps: c.get('deps'), ctx: serviceCtx(c), input: c.req.valid('json') }), 200, noStore),
  );
  app.openapi(proofRoute, async (c) => {
    const input = { receiptId: c.req.valid('param').receiptId, envelope: c.req.valid('json').envelope };
    return c.json(await attachPaymentProof({ deps: c.get('deps'), ctx: serviceCtx(c), input }), 200, noStore);
  });
  app.openapi(callbackRoute, async (c) => {
    const deps = c.get('deps');
    const expected = deps.config.ARC_CALLBACK_TOKEN?.reveal();
    const m = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    // without a configured token no callback is trusted: proofs then come by the schedule
    if (!expected || !m || !timingSafeEqual(m[1]!, expected)) {
      throw new StrataError('unauthorized', 'ARC callbacks must carry the configured callback token.', { hint: 'Authorization: Bearer <ARC_CALLBACK_TOKEN>' });
    }
    const st = parseTxStatus(c.req.valid('json'));
    if (st === null) throw new StrataError('bad-request', 'The callback names no valid txid.', { hint: 'txid' });
    const ctx = { ...serviceCtx(c), actor: 'system:arc-callback' };
    const r = await applyTxStatus(deps, ctx, st);
    return c.json({ status: 'ok' as const, applied: r.applied, receiptStatus: r.status }, 200);
  });
}
