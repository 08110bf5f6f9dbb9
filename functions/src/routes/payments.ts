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
import { requireArcCallbackToken } from '../middleware/auth';
import { rateLimit } from '../middleware/rate-limit';
import { errorResponses } from '../problem';
import { components } from '../openapi/components';
import { SECURITY } from '../openapi/security';

components({ QuoteRequest: QuoteBody, Quote, SubmitPaymentRequest: SubmitPaymentBody, SubmitPaymentResult, PaymentProofRequest: PaymentProofBody, PaymentProofResult: ProofResult, ArcCallback: ArcCallbackBody });

const noStore = { 'cache-control': 'no-store' };
const submitLimit = rateLimit('submit', (c) => c.get('deps').config.RATE_LIMIT_SUBMIT_PER_MIN);

const quoteRoute = createRoute({
  method: 'post',
  path: '/payments/quote',
  tags: ['payments'],
  summary: "The receipt's payment template (deterministic; the same until it expires)",
  description:
    'The outputs a transaction must pay for the `pending` receipt `receiptId`: each party’s share of `amountSat` (`PAY_SPLITS_JSON`, default producer 95 %, overlay 5 %) to its script in `PAY_SCRIPTS_JSON`, and the rest (also the share of a party without a script) to the producer’s payout script (the registered one, else P2PKH to its identity key); `templateHash` is the SHA-256 of the canonical template. An unexpired quote is returned unchanged; a lapsed one is re-issued (the same outputs unless the configuration or payout changed). It holds for `QUOTE_TTL_SEC` (default 120 s), never past the receipt’s own expiry. A receipt that is not pending (paid, confirmed or expired) answers 409 `invalid-state`; a version with no producer to pay, or a quote changed by a concurrent request, 409 `conflict`. Public: knowing the id is the credential; within `RATE_LIMIT_SUBMIT_PER_MIN` per client.',
  security: SECURITY.public,
  middleware: [submitLimit] as const,
  request: { body: { required: true, content: { 'application/json': { schema: QuoteBody } } } },
  responses: { 200: { description: 'The template', content: { 'application/json': { schema: Quote } } }, ...errorResponses('not-found', 'invalid-state', 'conflict', 413, 429, 503) },
});

const submitRoute = createRoute({
  method: 'post',
  path: '/payments/submit',
  tags: ['payments'],
  summary: 'Submit the payment transaction (raw, Extended Format or BEEF hex); idempotent for the same txid',
  description:
    'Checks and broadcasts the transaction paying the receipt `receiptId`: the receipt must be `pending` with an unexpired quote (no quote yet or not pending: 409 `invalid-state`; quote lapsed: 410 `quote-expired`, ask for a new one), and the transaction must pay every output of the quote, each with its script and at least its amount (409 `template-mismatch`); an undecodable transaction answers 400 `bad-request`. The receipt’s one payment slot is claimed before the broadcast, so concurrent submits yield one payment: another transaction for the same receipt, or this transaction already paying another receipt, answers 409 `conflict`. When the broadcaster (`dryrun`, or ARC) accepts it the receipt becomes `paid` and `expiresAt` the end of access (`RECEIPT_ACCESS_TTL_SEC`). A definite refusal answers 422 `broadcast-rejected` and frees the slot for a corrected transaction; an unknown outcome answers 503 `unavailable` and keeps the slot: submit the same transaction again (the `receipt-reconcile` schedule also re-sends it). Sending the same transaction again after success answers 200 with `note: "idempotent-return"`. Public; within `RATE_LIMIT_SUBMIT_PER_MIN` per client.',
  security: SECURITY.public,
  middleware: [submitLimit] as const,
  request: { body: { required: true, content: { 'application/json': { schema: SubmitPaymentBody } } } },
  responses: {
    200: { description: 'Accepted; the receipt is paid', content: { 'application/json': { schema: SubmitPaymentResult } } },
    ...errorResponses('not-found', 'invalid-state', 'template-mismatch', 'conflict', 'quote-expired', 'payload-too-large', 'broadcast-rejected', 429, 503),
  },
});

const proofRoute = createRoute({
  method: 'post',
  path: '/payments/{receiptId}/proof',
  tags: ['payments'],
  summary: "Attach an SPV envelope of the receipt's payment; confirmed once it verifies with MIN_CONFS",
  description:
    'Verifies an SPV envelope (path, BUMP or BEEF form; `rawTx` may be left out, the stored payment stands in) of the payment of the `paid` or `confirmed` receipt `receiptId` against the server’s block headers, and stores the proof. With at least `MIN_CONFS` confirmations a paid receipt becomes `confirmed`; with fewer it stays `paid` (the `receipt-reconcile` schedule confirms it later). An envelope that does not verify, or proves another transaction, answers 409 `invalid-envelope`; a receipt that is not paid or confirmed 409 `invalid-state`; no headers to verify against 503 `unavailable`. Public; within `RATE_LIMIT_SUBMIT_PER_MIN` per client.',
  security: SECURITY.public,
  middleware: [submitLimit] as const,
  request: {
    params: z.object({ receiptId: ReceiptId }),
    body: { required: true, content: { 'application/json': { schema: PaymentProofBody } } },
  },
  responses: { 200: { description: 'Verified', content: { 'application/json': { schema: ProofResult } } }, ...errorResponses('not-found', 'invalid-state', 'invalid-envelope', 413, 429, 503) },
});

const callbackRoute = createRoute({
  method: 'post',
  path: '/payments/arc-callback',
  tags: ['payments'],
  summary: "ARC's transaction status callback (Authorization: Bearer ARC_CALLBACK_TOKEN)",
  description:
    'Where ARC posts the status of a broadcast payment (its transaction status object; unknown members are ignored). Needs `Authorization: Bearer <ARC_CALLBACK_TOKEN>`; without a configured token every callback is refused (401) and proofs come only through `POST /payments/{receiptId}/proof` and the `receipt-reconcile` schedule. The status is stored on the payment; with a merkle path whose block is known the proof is verified and applied as in the proof route. `applied` says whether a proof was applied, `receiptStatus` is the receipt’s status (null when no payment has this txid). A proof that does not verify is not an error here: it answers 200 with `applied: false`. Not rate limited.',
  security: SECURITY.arcCallback,
  middleware: [requireArcCallbackToken()] as const,
  request: { body: { required: true, content: { 'application/json': { schema: ArcCallbackBody } } } },
  responses: {
    200: { description: 'Taken', content: { 'application/json': { schema: z.object({ status: z.literal('ok'), applied: z.boolean(), receiptStatus: z.string().nullable() }) } } },
    ...errorResponses('unauthorized', 413, 503),
  },
});

export function registerPayments(app: OpenAPIHono<AppEnv>): void {
  app.openapi(quoteRoute, async (c) => c.json(await quote({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('json') }), 200, noStore));
  app.openapi(submitRoute, async (c) =>
    c.json(await submitPayment({ deps: c.get('deps'), ctx: c.get('ctx'), input: c.req.valid('json') }), 200, noStore),
  );
  app.openapi(proofRoute, async (c) => {
    const input = { receiptId: c.req.valid('param').receiptId, envelope: c.req.valid('json').envelope };
    return c.json(await attachPaymentProof({ deps: c.get('deps'), ctx: c.get('ctx'), input }), 200, noStore);
  });
  app.openapi(callbackRoute, async (c) => {
    const st = parseTxStatus(c.req.valid('json'));
    if (st === null) throw new StrataError('bad-request', 'The callback names no valid txid.', { hint: 'txid' });
    const r = await applyTxStatus({ deps: c.get('deps'), ctx: c.get('ctx'), input: st });
    return c.json({ status: 'ok' as const, applied: r.applied, receiptStatus: r.status }, 200);
  });
}
