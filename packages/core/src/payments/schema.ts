/**
 * Request and response shapes of the payments API (CONTRACTS.md "Payments"; the seed's §3.8).
 * The routes validate with these and answer with these; OpenAPI is generated from them.
 */
import { z } from 'zod';
import { RAW_TX_MAX_HEX } from '../catalog/raw-tx';

const Hex64 = z
  .string()
  .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters')
  .transform((s) => s.toLowerCase());
/** Satoshis: a positive integer below 2^53 (a JSON number that every client reads exactly). */
export const Satoshis = z.number().int('must be an integer').positive('must be greater than 0').max(Number.MAX_SAFE_INTEGER, 'must be below 2^53');
export const ReceiptId = z.string().regex(/^rcpt_[0-9a-f]{32}$/, 'must be rcpt_ followed by 32 lower-case hex');

export const PriceQuery = z.object({ versionId: Hex64 });
export type PriceQuery = z.output<typeof PriceQuery>;

export const SetPriceBody = z.strictObject({ versionId: Hex64, satoshis: Satoshis });
export type SetPriceBody = z.output<typeof SetPriceBody>;

/** A price rule: for one version (`scope: version`, the version's producer only) or for all of the caller's versions. */
export const SetPriceRuleBody = z.discriminatedUnion('scope', [
  z.strictObject({ scope: z.literal('version'), versionId: Hex64, satoshis: Satoshis }),
  z.strictObject({ scope: z.literal('producer'), satoshis: Satoshis }),
]);
export type SetPriceRuleBody = z.output<typeof SetPriceRuleBody>;

export const Price = z.object({
  versionId: z.string(),
  contentHash: z.string(),
  satoshis: z.number().int(),
  /** Epoch seconds until which this price is quoted. */
  expiresAt: z.number().int(),
});
export type Price = z.infer<typeof Price>;

export const PayBody = z.strictObject({
  versionId: Hex64,
  quantity: z.number().int('must be an integer').min(1, 'must be at least 1').max(1_000_000, 'must be at most 1000000'),
});
export type PayBody = z.output<typeof PayBody>;

export const ReceiptStatus = z.enum(['pending', 'paid', 'confirmed', 'consumed', 'expired']);

export const Receipt = z.object({
  receiptId: z.string(),
  versionId: z.string(),
  contentHash: z.string(),
  quantity: z.number().int(),
  amountSat: z.number().int(),
  status: ReceiptStatus,
  createdAt: z.string(),
  /** Epoch seconds: while pending, when the offer lapses; once paid, when access ends. */
  expiresAt: z.number().int(),
  bytesLimit: z.number().int(),
  bytesUsed: z.number().int(),
  singleUse: z.boolean(),
});
export type Receipt = z.infer<typeof Receipt>;

export const ReceiptQuery = z.object({ receiptId: ReceiptId });

export const QuoteOutputShape = z.object({ scriptHex: z.string(), satoshis: z.number().int() });

export const QuoteBody = z.strictObject({ receiptId: ReceiptId });

export const Quote = z.object({
  receiptId: z.string(),
  versionId: z.string(),
  amountSat: z.number().int(),
  outputs: z.array(QuoteOutputShape),
  /** The wallet picks the fee (the seed's field, always null). */
  feeRateHint: z.null(),
  /** Epoch seconds. */
  expiresAt: z.number().int(),
  templateHash: z.string(),
});
export type Quote = z.infer<typeof Quote>;

export const SubmitPaymentBody = z.strictObject({
  receiptId: ReceiptId,
  rawTxHex: z
    .string()
    .min(20, 'is too short to be a transaction')
    .max(RAW_TX_MAX_HEX * 2)
    .regex(/^(?:[0-9a-fA-F]{2})+$/, 'must be an even-length hex string (raw, Extended Format or BEEF)'),
});
export type SubmitPaymentBody = z.output<typeof SubmitPaymentBody>;

export const SubmitPaymentResult = z.object({
  status: z.literal('accepted'),
  txid: z.string(),
  receiptId: z.string(),
  receiptStatus: ReceiptStatus,
  broadcast: z.object({ mode: z.enum(['dryrun', 'arc']), txStatus: z.string().nullable() }),
  note: z.literal('idempotent-return').optional(),
});
export type SubmitPaymentResult = z.infer<typeof SubmitPaymentResult>;

export const PaymentDetail = z.object({
  receipt: Receipt.extend({
    unitPriceSat: z.number().int(),
    quote: z.object({ templateHash: z.string(), expiresAt: z.number().int(), outputs: z.array(QuoteOutputShape) }).nullable(),
    payment: z
      .object({
        txid: z.string(),
        paidAt: z.string().nullable(),
        confirmedAt: z.string().nullable(),
        feeSat: z.number().int().nullable(),
        outputs: z.array(QuoteOutputShape),
        broadcaster: z.enum(['dryrun', 'arc']),
        txStatus: z.string().nullable(),
        blockHash: z.string().nullable(),
        blockHeight: z.number().int().nullable(),
      })
      .nullable(),
  }),
});
export type PaymentDetail = z.infer<typeof PaymentDetail>;

/** POST /payments/:receiptId/proof: an SPV envelope for the payment (path, BUMP or BEEF form). */
export const PaymentProofBody = z.strictObject({ envelope: z.record(z.string(), z.unknown()) });

/** ARC's callback body (its transaction status object); unknown members are ignored. */
export const ArcCallbackBody = z.looseObject({
  txid: Hex64,
  txStatus: z.string().max(64).optional(),
  blockHash: z.string().max(64).optional(),
  blockHeight: z.number().int().min(0).optional(),
  merklePath: z.string().max(64 * 1024).optional(),
  timestamp: z.string().max(64).optional(),
  extraInfo: z.string().max(4096).optional(),
});

export const ProofResult = z.object({
  receiptId: z.string(),
  status: ReceiptStatus,
  txid: z.string(),
  blockHash: z.string(),
  blockHeight: z.number().int(),
  confirmations: z.number().int(),
});
export type ProofResult = z.infer<typeof ProofResult>;
