/**
 * The payments API's request and response shapes at their boundaries: each refusal with the
 * message a client sees, each accepted value as the routes receive it (hex lower-cased), and the
 * responses' shapes with every member they keep.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { RAW_TX_MAX_HEX } from '@strata/core/catalog/raw-tx';
import {
  ArcCallbackBody,
  PayBody,
  PaymentDetail,
  PaymentProofBody,
  Price,
  PriceQuery,
  ProofResult,
  Quote,
  QuoteBody,
  QuoteOutputShape,
  Receipt,
  ReceiptId,
  ReceiptQuery,
  ReceiptStatus,
  Satoshis,
  SetPriceBody,
  SetPriceRuleBody,
  SubmitPaymentBody,
  SubmitPaymentResult,
} from '@strata/core/payments/schema';

const hex64 = 'ab'.repeat(32);
const mixed = 'aB'.repeat(32);
const rcpt = `rcpt_${'0f'.repeat(16)}`;

/** The messages of a refused input, by path. */
function refused(schema: z.ZodType, input: unknown): string[] {
  const r = schema.safeParse(input);
  expect(r.success, JSON.stringify(input)?.slice(0, 80)).toBe(false);
  return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('payments request shapes', () => {
  it('version ids: 64 hex characters, lower-cased', () => {
    expect(PriceQuery.parse({ versionId: mixed })).toEqual({ versionId: hex64 });
    expect(PriceQuery.parse({ versionId: '0123456789abcdefABCDEF'.padEnd(64, '9') })).toEqual({ versionId: '0123456789abcdefabcdef'.padEnd(64, '9') });
    for (const bad of [hex64.slice(1), `${hex64}a`, `x${hex64.slice(1)}`, `${hex64.slice(1)}x`, `g${hex64.slice(1)}`, ` ${hex64}`, `${hex64} `]) {
      expect(refused(PriceQuery, { versionId: bad })).toEqual(['versionId: must be 64 hex characters']);
    }
  });

  it('satoshis: a positive integer below 2^53', () => {
    expect(Satoshis.parse(1)).toBe(1);
    expect(Satoshis.parse(2 ** 53 - 1)).toBe(2 ** 53 - 1);
    expect(refused(Satoshis, 0)).toEqual([': must be greater than 0']);
    expect(refused(Satoshis, -5)).toEqual([': must be greater than 0']);
    expect(refused(Satoshis, 1.5)).toEqual([': must be an integer']);
    // 2^53 is no safe integer either: zod names both
    expect(refused(Satoshis, 2 ** 53)).toEqual([': must be an integer', ': must be below 2^53']);
  });

  it('receipt ids: rcpt_ and 32 lower-case hex', () => {
    expect(ReceiptId.parse(rcpt)).toBe(rcpt);
    expect(ReceiptQuery.parse({ receiptId: rcpt })).toEqual({ receiptId: rcpt });
    expect(QuoteBody.parse({ receiptId: rcpt })).toEqual({ receiptId: rcpt });
    for (const bad of [rcpt.toUpperCase(), `rcpt_${'0F'.repeat(16)}`, rcpt.slice(0, -1), `${rcpt}0`, `x${rcpt}`, `rcpt-${'0f'.repeat(16)}`, `rcpt_${'g'.repeat(32)}`]) {
      expect(refused(ReceiptQuery, { receiptId: bad })).toEqual(['receiptId: must be rcpt_ followed by 32 lower-case hex']);
    }
    expect(refused(QuoteBody, { receiptId: rcpt, extra: 1 }).length).toBe(1);
  });

  it('POST /price and /price/rules bodies', () => {
    expect(SetPriceBody.parse({ versionId: mixed, satoshis: 10 })).toEqual({ versionId: hex64, satoshis: 10 });
    expect(refused(SetPriceBody, { versionId: hex64, satoshis: 0 })).toEqual(['satoshis: must be greater than 0']);
    expect(refused(SetPriceBody, { versionId: hex64, satoshis: 1, note: 'x' }).length).toBe(1);
    expect(SetPriceRuleBody.parse({ scope: 'version', versionId: mixed, satoshis: 5 })).toEqual({ scope: 'version', versionId: hex64, satoshis: 5 });
    expect(SetPriceRuleBody.parse({ scope: 'producer', satoshis: 6 })).toEqual({ scope: 'producer', satoshis: 6 });
    expect(refused(SetPriceRuleBody, { scope: 'producer', versionId: hex64, satoshis: 6 }).length).toBe(1);
    expect(refused(SetPriceRuleBody, { scope: 'version', satoshis: 6 })).toEqual([expect.stringMatching(/^versionId: /)]);
    expect(refused(SetPriceRuleBody, { scope: 'global', satoshis: 6 })).toEqual([expect.stringMatching(/^scope: /)]);
    expect(refused(SetPriceRuleBody, { scope: 'producer', satoshis: 2 ** 53 })).toEqual(['satoshis: must be an integer', 'satoshis: must be below 2^53']);
  });

  it('POST /pay: quantity 1 to 1000000', () => {
    expect(PayBody.parse({ versionId: mixed, quantity: 1 })).toEqual({ versionId: hex64, quantity: 1 });
    expect(PayBody.parse({ versionId: hex64, quantity: 1_000_000 })).toEqual({ versionId: hex64, quantity: 1_000_000 });
    expect(refused(PayBody, { versionId: hex64, quantity: 0 })).toEqual(['quantity: must be at least 1']);
    expect(refused(PayBody, { versionId: hex64, quantity: 1_000_001 })).toEqual(['quantity: must be at most 1000000']);
    expect(refused(PayBody, { versionId: hex64, quantity: 2.5 })).toEqual(['quantity: must be an integer']);
    expect(refused(PayBody, { versionId: hex64, quantity: 1, x: 1 }).length).toBe(1);
  });

  it('POST /payments: even-length hex of 20 characters up to twice the raw-tx cap', () => {
    const ok = (rawTxHex: string) => SubmitPaymentBody.parse({ receiptId: rcpt, rawTxHex });
    expect(ok('0123456789abcdefABCD')).toEqual({ receiptId: rcpt, rawTxHex: '0123456789abcdefABCD' });
    expect(ok('ff'.repeat(RAW_TX_MAX_HEX)).rawTxHex).toHaveLength(RAW_TX_MAX_HEX * 2);
    expect(refused(SubmitPaymentBody, { receiptId: rcpt, rawTxHex: 'ab'.repeat(9) })).toEqual(['rawTxHex: is too short to be a transaction']);
    expect(refused(SubmitPaymentBody, { receiptId: rcpt, rawTxHex: 'ff'.repeat(RAW_TX_MAX_HEX + 1) })).toEqual([expect.stringMatching(/^rawTxHex: /)]);
    const evenHex = 'rawTxHex: must be an even-length hex string (raw, Extended Format or BEEF)';
    for (const bad of [`${'ab'.repeat(10)}c`, `zz${'ab'.repeat(10)}`, `${'ab'.repeat(10)}zz`, `${'ab'.repeat(5)}g0${'ab'.repeat(5)}`, `${'ab'.repeat(10)} `]) {
      expect(refused(SubmitPaymentBody, { receiptId: rcpt, rawTxHex: bad }), bad).toEqual([evenHex]);
    }
    expect(refused(SubmitPaymentBody, { receiptId: 'rcpt_x', rawTxHex: 'ab'.repeat(10) })).toEqual(['receiptId: must be rcpt_ followed by 32 lower-case hex']);
  });

  it('proof and ARC callback bodies', () => {
    expect(PaymentProofBody.parse({ envelope: { rawTx: 'ab', proof: 1 } })).toEqual({ envelope: { rawTx: 'ab', proof: 1 } });
    expect(refused(PaymentProofBody, { envelope: 'x' }).length).toBe(1);
    const cb = { txid: mixed, txStatus: 'MINED', blockHash: hex64, blockHeight: 2_147_483_647, merklePath: 'ab', timestamp: 't', extraInfo: 'e', competingTxs: ['x'] };
    expect(ArcCallbackBody.parse(cb)).toEqual({ ...cb, txid: hex64 });
    expect(ArcCallbackBody.parse({ txid: hex64 })).toEqual({ txid: hex64 });
    expect(refused(ArcCallbackBody, { txid: 'x' })).toEqual(['txid: must be 64 hex characters']);
    expect(refused(ArcCallbackBody, { txid: hex64, blockHeight: -1 }).length).toBe(1);
    expect(refused(ArcCallbackBody, { txid: hex64, blockHeight: 2 ** 31 }).length).toBe(1);
    expect(refused(ArcCallbackBody, { txid: hex64, txStatus: 'x'.repeat(65) }).length).toBe(1);
    expect(refused(ArcCallbackBody, { txid: hex64, blockHash: `${hex64}a` }).length).toBe(1);
    expect(ArcCallbackBody.parse({ txid: hex64, blockHash: 'ab', txStatus: 'x'.repeat(64) })).toEqual({ txid: hex64, blockHash: 'ab', txStatus: 'x'.repeat(64) });
  });
});

describe('payments response shapes', () => {
  const receipt = {
    receiptId: rcpt,
    versionId: hex64,
    contentHash: hex64,
    quantity: 2,
    amountSat: 10,
    status: 'paid',
    createdAt: '2026-01-01T00:00:00.000Z',
    expiresAt: 1,
    bytesLimit: 20,
    bytesUsed: 0,
    singleUse: false,
  };

  it('every receipt status and nothing else', () => {
    for (const s of ['pending', 'paid', 'confirmed', 'consumed', 'expired']) expect(ReceiptStatus.parse(s)).toBe(s);
    expect(ReceiptStatus.options).toEqual(['pending', 'paid', 'confirmed', 'consumed', 'expired']);
    expect(refused(ReceiptStatus, 'refunded').length).toBe(1);
  });

  it('keep every member they declare', () => {
    const price = { versionId: hex64, contentHash: hex64, satoshis: 5, expiresAt: 9 };
    expect(Price.parse(price)).toEqual(price);
    expect(Receipt.parse(receipt)).toEqual(receipt);
    const output = { scriptHex: '76a9', satoshis: 9 };
    expect(QuoteOutputShape.parse(output)).toEqual(output);
    const quote = { receiptId: rcpt, versionId: hex64, amountSat: 10, outputs: [output], feeRateHint: null, expiresAt: 5, templateHash: hex64 };
    expect(Quote.parse(quote)).toEqual(quote);
    expect(refused(Quote, { ...quote, feeRateHint: 1 }).length).toBe(1);
    const submit = { status: 'accepted', txid: hex64, receiptId: rcpt, receiptStatus: 'paid', broadcast: { mode: 'arc', txStatus: null }, note: 'idempotent-return' };
    expect(SubmitPaymentResult.parse(submit)).toEqual(submit);
    expect(SubmitPaymentResult.parse({ ...submit, broadcast: { mode: 'dryrun', txStatus: 'SEEN_ON_NETWORK' }, note: undefined })).toMatchObject({ broadcast: { mode: 'dryrun', txStatus: 'SEEN_ON_NETWORK' } });
    expect(refused(SubmitPaymentResult, { ...submit, status: 'rejected' }).length).toBe(1);
    expect(refused(SubmitPaymentResult, { ...submit, note: 'other' }).length).toBe(1);
    expect(refused(SubmitPaymentResult, { ...submit, broadcast: { mode: 'taal', txStatus: null } }).length).toBe(1);
    const payment = {
      txid: hex64,
      paidAt: '2026-01-01T00:00:00.000Z',
      confirmedAt: null,
      feeSat: null,
      outputs: [output],
      broadcaster: 'dryrun',
      txStatus: null,
      blockHash: null,
      blockHeight: null,
    };
    const detail = { receipt: { ...receipt, unitPriceSat: 5, quote: { templateHash: hex64, expiresAt: 3, outputs: [output] }, payment } };
    expect(PaymentDetail.parse(detail)).toEqual(detail);
    const viaArc = { receipt: { ...detail.receipt, payment: { ...payment, broadcaster: 'arc' } } };
    expect(PaymentDetail.parse(viaArc)).toEqual(viaArc);
    expect(refused(PaymentDetail, { receipt: { ...detail.receipt, payment: { ...payment, broadcaster: 'taal' } } }).length).toBe(1);
    expect(PaymentDetail.parse({ receipt: { ...detail.receipt, quote: null, payment: null } })).toEqual({ receipt: { ...detail.receipt, quote: null, payment: null } });
    const proof = { receiptId: rcpt, status: 'confirmed', txid: hex64, blockHash: hex64, blockHeight: 7, confirmations: 1 };
    expect(ProofResult.parse(proof)).toEqual(proof);
  });
});
