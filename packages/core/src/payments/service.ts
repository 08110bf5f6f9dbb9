/**
 * Payments verbs (`verb({ deps, ctx, input })`): receipts, quotes and submitting a payment
 * (prices are in prices.ts, confirmation in confirm.ts). PostgreSQL is the truth for all of them.
 *
 * Submitting is claim → broadcast → mark paid: the receipt's one payment slot is claimed before
 * the transaction leaves (so N racing submits yield one payment), a definite broadcast refusal
 * frees the slot, and an unknown outcome keeps it for a retry of the same transaction.
 */
import { auditOf, type Call } from '../context';
import type { Deps } from '../deps';
import { StrataError } from '../errors';
import { commitWrite } from '../outbox/outbox';
import { DEFAULT_SPLITS } from './config';
import { hexToBytes } from '../util/hex';
import { decodePaymentTx } from './tx';
import { claimPayment, getPayment, releaseClaim } from './payment-repo';
import { getSaleVersion } from './price-repo';
import { resolvePrice } from './prices';
import { getReceipt, insertReceiptStatement, setQuoteStatement, toReceipt, transitionReceipt, transitionStatement, type ReceiptRecord } from './repo';
import type { PayBody, PaymentDetail, Quote, Receipt, SubmitPaymentBody, SubmitPaymentResult } from './schema';
import { buildTemplate, producerScript, unpaidOutput } from './template';

/** What the payments verbs use. */
export type PaymentsDeps = Pick<Deps, 'sql' | 'cache' | 'clock' | 'config' | 'broadcaster'>;

const nowOf = (deps: Pick<Deps, 'clock'>) => new Date(deps.clock.now());
const epoch = (d: Date) => Math.floor(d.getTime() / 1000);

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** A receipt id is a bearer credential for the bytes: 128 random bits. */
export const newReceiptId = () => `rcpt_${randomHex(16)}`;

// ---------------------------------------------------------------------------------------------
// Receipts

/** The wire form of a receipt. */
export function receiptView(r: ReceiptRecord): Receipt {
  return {
    receiptId: r.receiptId,
    versionId: r.versionId,
    contentHash: r.contentHash,
    quantity: r.quantity,
    amountSat: r.amountSat,
    status: r.status,
    createdAt: r.createdAt.toISOString(),
    expiresAt: epoch(r.expiresAt),
    bytesLimit: r.bytesLimit,
    bytesUsed: r.bytesUsed,
    singleUse: r.singleUse,
  };
}

/** POST /pay: a pending receipt for `quantity` units at the version's current price. */
export async function pay(call: Call<PaymentsDeps, PayBody>): Promise<Receipt> {
  const { deps, input } = call;
  const sale = await getSaleVersion(deps.sql, input.versionId);
  if (!sale) throw new StrataError('not-found', 'No published version has this id.', { hint: 'manifest missing' });
  const unitPriceSat = resolvePrice(sale, deps.config.PRICE_DEFAULT_SATS);
  const unitBytes = sale.sizeBytes !== null && sale.sizeBytes > 0 ? sale.sizeBytes : deps.config.RECEIPT_UNIT_BYTES;
  if (!Number.isSafeInteger(unitPriceSat * input.quantity) || !Number.isSafeInteger(unitBytes * input.quantity)) {
    throw new StrataError('bad-request', 'quantity × price exceeds 2^53 satoshis.', { hint: 'quantity' });
  }
  const now = nowOf(deps);
  const receiptId = newReceiptId();
  const { ctx } = call;
  const { results } = await commitWrite(
    { sql: deps.sql, cache: deps.cache, waitUntil: ctx.waitUntil },
    {
      statements: [
        insertReceiptStatement({
          receiptId,
          versionId: sale.versionId,
          contentHash: sale.contentHash,
          producerId: sale.producerId,
          quantity: input.quantity,
          unitPriceSat,
          unitBytes,
          singleUse: deps.config.SINGLE_USE_RECEIPTS,
          expiresAt: new Date(now.getTime() + deps.config.RECEIPT_TTL_SEC * 1000),
          now,
        }),
      ],
      invalidate: { keys: [], tags: [] },
      audit: {
        ...auditOf(ctx),
        action: 'payments.receipt.pending',
        resource: `receipt:${receiptId}`,
        after: { versionId: sale.versionId, quantity: input.quantity, amountSat: unitPriceSat * input.quantity },
      },
    },
  );
  return receiptView(toReceipt(results[0]![0]!));
}

/**
 * The receipt, with a lapsed one moved to `expired` first (so every reader sees the same
 * status the next writer will) — unless it is pending with its payment in flight, which stays
 * pending until that payment is settled (repo.ts). `not-found` when unknown.
 */
export async function loadReceipt(call: Call<Pick<Deps, 'sql' | 'clock'>, { receiptId: string }>): Promise<ReceiptRecord> {
  const { deps, ctx, input: { receiptId } } = call;
  const r = await getReceipt(deps.sql, receiptId);
  if (!r) throw new StrataError('not-found', 'No receipt has this id.', { hint: 'receipt not found' });
  const now = nowOf(deps);
  if ((r.status === 'pending' || r.status === 'paid' || r.status === 'confirmed') && r.expiresAt.getTime() <= now.getTime()) {
    const moved = await transitionReceipt(deps.sql, receiptId, { kind: 'expire' }, now, auditOf(ctx));
    return moved?.receipt ?? ((await getReceipt(deps.sql, receiptId)) as ReceiptRecord);
  }
  return r;
}

/** GET /receipt. */
export async function getReceiptVerb(call: Call<PaymentsDeps, { receiptId: string }>): Promise<Receipt> {
  return receiptView(await loadReceipt(call));
}

/** GET /payments/:receiptId — the receipt with its quote and payment. */
export async function getPaymentDetail(call: Call<PaymentsDeps, { receiptId: string }>): Promise<PaymentDetail> {
  const { deps, ctx, input } = call;
  const r = await loadReceipt({ deps, ctx, input: { receiptId: input.receiptId } });
  const p = await getPayment(deps.sql, r.receiptId);
  const paid = p !== null && p.state === 'accepted' && r.paymentTxid === p.txid;
  return {
    receipt: {
      ...receiptView(r),
      unitPriceSat: r.unitPriceSat,
      quote:
        r.quoteTemplateHash && r.quoteExpiresAt && r.quoteOutputs
          ? { templateHash: r.quoteTemplateHash, expiresAt: epoch(r.quoteExpiresAt), outputs: r.quoteOutputs }
          : null,
      payment: paid
        ? {
            txid: p.txid,
            paidAt: r.paidAt?.toISOString() ?? null,
            confirmedAt: r.confirmedAt?.toISOString() ?? null,
            feeSat: p.feeSat,
            outputs: p.outputs,
            broadcaster: p.broadcaster,
            txStatus: p.txStatus,
            blockHash: p.blockHash,
            blockHeight: p.blockHeight,
          }
        : null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Quotes

function quoteView(r: ReceiptRecord): Quote {
  return {
    receiptId: r.receiptId,
    versionId: r.versionId,
    amountSat: r.amountSat,
    outputs: r.quoteOutputs ?? [],
    feeRateHint: null,
    expiresAt: epoch(r.quoteExpiresAt as Date),
    templateHash: r.quoteTemplateHash as string,
  };
}

const notPending = (r: ReceiptRecord) =>
  new StrataError('invalid-state', `The receipt is ${r.status}; only a pending receipt can be quoted or paid.`, { hint: `status:${r.status}` });

/**
 * POST /payments/quote: the receipt's payment template. An unexpired quote is returned as is;
 * a lapsed one is re-issued (same outputs unless the configuration or payout changed).
 */
export async function quote(call: Call<PaymentsDeps, { receiptId: string }>): Promise<Quote> {
  const { deps, ctx, input } = call;
  const r = await loadReceipt({ deps, ctx, input: { receiptId: input.receiptId } });
  if (r.status !== 'pending') throw notPending(r);
  const now = nowOf(deps);
  if (r.quoteTemplateHash && r.quoteExpiresAt && r.quoteExpiresAt.getTime() > now.getTime()) return quoteView(r);
  const sale = await getSaleVersion(deps.sql, r.versionId);
  if (!sale) throw new StrataError('not-found', 'The version of this receipt is gone.', { hint: 'manifest missing' });
  const t = buildTemplate({
    versionId: r.versionId,
    amountSat: r.amountSat,
    producerScriptHex: producerScript(sale),
    splits: deps.config.PAY_SPLITS_JSON ?? DEFAULT_SPLITS,
    scripts: deps.config.PAY_SCRIPTS_JSON ?? {},
  });
  const expiresAt = new Date(Math.min(now.getTime() + deps.config.QUOTE_TTL_SEC * 1000, r.expiresAt.getTime()));
  const s = setQuoteStatement(r.receiptId, { outputs: t.outputs, templateHash: t.templateHash, expiresAt }, now);
  const rows = await deps.sql.query(s.text, s.params);
  if (rows[0]) return quoteView(toReceipt(rows[0]));
  // another request quoted (or moved the receipt) first: answer with what stands
  const again = await loadReceipt({ deps, ctx, input: { receiptId: r.receiptId } });
  if (again.status !== 'pending') throw notPending(again);
  if (!again.quoteTemplateHash || !again.quoteExpiresAt || again.quoteExpiresAt.getTime() <= now.getTime()) {
    throw new StrataError('conflict', 'The quote changed while it was issued; ask again.', { hint: 'retry' });
  }
  return quoteView(again);
}

// ---------------------------------------------------------------------------------------------
// Submitting

function idempotent(deps: Pick<Deps, 'broadcaster'>, r: ReceiptRecord, txid: string, txStatus: string | null): SubmitPaymentResult {
  return {
    status: 'accepted',
    txid,
    receiptId: r.receiptId,
    receiptStatus: r.status,
    broadcast: { mode: deps.broadcaster.kind, txStatus },
    note: 'idempotent-return',
  };
}

const otherTx = () =>
  new StrataError('conflict', 'This receipt is already paid (or being paid) by another transaction.', { hint: 'receipt-already-paid' });

/**
 * POST /payments/submit. Parses the transaction itself, checks the quote and the template,
 * claims the receipt's payment slot, broadcasts, and moves the receipt to `paid` together with
 * the payment's acceptance (one batch). Idempotent for the same txid; 409 for another.
 */
export async function submitPayment(call: Call<PaymentsDeps, SubmitPaymentBody>): Promise<SubmitPaymentResult> {
  const { deps, ctx, input } = call;
  const tx = decodePaymentTx(input.rawTxHex);
  const r = await loadReceipt({ deps, ctx, input: { receiptId: input.receiptId } });
  if (r.paymentTxid !== null) {
    if (r.paymentTxid === tx.txid) return idempotent(deps, r, tx.txid, (await getPayment(deps.sql, r.receiptId))?.txStatus ?? null);
    throw otherTx();
  }
  if (r.status !== 'pending') throw notPending(r);
  const now = nowOf(deps);
  if (!r.quoteOutputs || !r.quoteExpiresAt) {
    throw new StrataError('invalid-state', 'The receipt has no quote yet; POST /payments/quote first.', { hint: 'no-quote' });
  }
  // the same transaction again after its quote lapsed: its claim was made under the quote, so it
  // is re-sent (its broadcast is in flight or its outcome unknown); any other is refused
  if (r.quoteExpiresAt.getTime() <= now.getTime() && (await getPayment(deps.sql, r.receiptId))?.txid !== tx.txid) {
    throw new StrataError('quote-expired', 'The quote for this receipt has expired; ask for a new one.', { hint: `expiredAt=${epoch(r.quoteExpiresAt)}` });
  }
  const missing = unpaidOutput(r.quoteOutputs, tx.outputs);
  if (missing) {
    throw new StrataError('template-mismatch', 'The transaction does not pay every output of the quote.', {
      hint: `missing output: ${missing.satoshis} sat to ${missing.scriptHex.slice(0, 64)}`,
    });
  }

  const claim = await claimPayment(deps.sql, {
    receiptId: r.receiptId,
    txid: tx.txid,
    rawTx: tx.raw,
    broadcaster: deps.broadcaster.kind,
    outputs: tx.outputs,
    feeSat: tx.feeSat,
    submitted: hexToBytes(tx.submittedHex),
    now,
  });
  if (claim.payment === null) {
    throw new StrataError('conflict', 'This transaction already pays another receipt.', { hint: 'txid-already-used' });
  }
  if (claim.payment.txid !== tx.txid) throw otherTx();

  const sent = await deps.broadcaster.broadcast({ txid: tx.txid, hex: tx.submittedHex });
  if (!sent.ok) {
    if (sent.kind === 'rejected') {
      // definitely refused: free the slot so the buyer can send a corrected transaction
      if (claim.claimed) await releaseClaim(deps.sql, r.receiptId, tx.txid);
      throw new StrataError('broadcast-rejected', `The network refused the transaction: ${sent.detail}`, {
        hint: `arc-${sent.status}:${sent.code}`,
      });
    }
    throw new StrataError('unavailable', 'The transaction could not be broadcast; submit the same transaction again.', {
      hint: 'broadcaster-unavailable',
    });
  }

  const paid = await markPaid({ deps, ctx, input: { receiptId: r.receiptId, txid: tx.txid, txStatus: sent.txStatus } });
  if (paid) return { status: 'accepted', txid: tx.txid, receiptId: r.receiptId, receiptStatus: paid.status, broadcast: { mode: deps.broadcaster.kind, txStatus: sent.txStatus } };
  // a concurrent submit of the same transaction moved it first
  const after = await getReceipt(deps.sql, r.receiptId);
  if (after?.paymentTxid === tx.txid) return idempotent(deps, after, tx.txid, sent.txStatus);
  throw notPending(after ?? r);
}

/**
 * After the broadcaster accepted `txid`: the payment is `accepted` and the receipt moves
 * pending → paid (with its audit row), in one batch. Null when the receipt had already moved.
 */
export async function markPaid(call: Call<Pick<Deps, 'sql' | 'clock' | 'config'>, { receiptId: string; txid: string; txStatus: string }>): Promise<ReceiptRecord | null> {
  const { deps, ctx, input: { receiptId, txid, txStatus } } = call;
  const now = nowOf(deps);
  const moved = await deps.sql.batch([
    {
      text: `UPDATE payments SET state = 'accepted', tx_status = $3, updated_at = $4 WHERE receipt_id = $1 AND txid = $2`,
      params: [receiptId, txid, txStatus, now],
    },
    transitionStatement(
      receiptId,
      { kind: 'pay', txid, accessUntil: new Date(now.getTime() + deps.config.RECEIPT_ACCESS_TTL_SEC * 1000) },
      now,
      auditOf(ctx),
    ),
  ]);
  const row = moved[1]?.[0];
  return row ? toReceipt(row) : null;
}

