/**
 * Receipts and their quotes in PostgreSQL (migrations/0050_payments.sql; payments are in
 * payment-repo.ts, prices in price-repo.ts). Plain, parameterised SQL; time is always passed
 * in (the caller's Clock), never `now()`, so expiry is decided by the same clock everywhere and
 * tests can move it.
 *
 * Invariant: a receipt's status only moves by `transitionReceipt`, one statement that locks the
 * row, re-checks the expected `from` status, updates it and writes the audit row — so a
 * transition commits exactly once however many requests race for it, and can never skip a step.
 */
import type { Row, SqlParam, SqlSession, Statement } from '../ports/sql';
import { stmt } from '../ports/sql';

export type ReceiptStatus = 'pending' | 'paid' | 'confirmed' | 'consumed' | 'expired';

/** A receipt row as the domain sees it (satoshi and byte counts as numbers: all < 2^53). */
export interface ReceiptRecord {
  readonly receiptId: string;
  readonly versionId: string;
  readonly contentHash: string;
  readonly producerId: string | null;
  readonly status: ReceiptStatus;
  readonly quantity: number;
  readonly unitPriceSat: number;
  readonly amountSat: number;
  readonly unitBytes: number;
  readonly bytesLimit: number;
  readonly bytesUsed: number;
  readonly singleUse: boolean;
  readonly consumedAt: Date | null;
  readonly expiresAt: Date;
  readonly quoteOutputs: QuoteOutput[] | null;
  readonly quoteTemplateHash: string | null;
  readonly quoteExpiresAt: Date | null;
  readonly paymentTxid: string | null;
  readonly paidAt: Date | null;
  readonly confirmedAt: Date | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface QuoteOutput {
  readonly scriptHex: string;
  readonly satoshis: number;
}


const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const date = (v: unknown): Date | null => (v instanceof Date ? v : v == null ? null : new Date(v as string));

/** Columns every receipt read selects (`r.` alias). */
export const RECEIPT_COLUMNS = `r.receipt_id, r.version_id, r.content_hash, r.producer_id, r.status, r.quantity,
  r.unit_price_sat, r.amount_sat, r.unit_bytes, r.bytes_limit, r.bytes_used, r.single_use, r.consumed_at,
  r.expires_at, r.quote_outputs, r.quote_template_hash, r.quote_expires_at, r.payment_txid, r.paid_at,
  r.confirmed_at, r.created_at, r.updated_at`;

/** Maps a row selected with RECEIPT_COLUMNS. */
export function toReceipt(r: Row): ReceiptRecord {
  return {
    receiptId: r.receipt_id as string,
    versionId: r.version_id as string,
    contentHash: r.content_hash as string,
    producerId: (r.producer_id as string | null) ?? null,
    status: r.status as ReceiptStatus,
    quantity: num(r.quantity),
    unitPriceSat: num(r.unit_price_sat),
    amountSat: num(r.amount_sat),
    unitBytes: num(r.unit_bytes),
    bytesLimit: num(r.bytes_limit),
    bytesUsed: num(r.bytes_used),
    singleUse: r.single_use === true,
    consumedAt: date(r.consumed_at),
    expiresAt: date(r.expires_at) as Date,
    quoteOutputs: (r.quote_outputs as QuoteOutput[] | null) ?? null,
    quoteTemplateHash: (r.quote_template_hash as string | null) ?? null,
    quoteExpiresAt: date(r.quote_expires_at),
    paymentTxid: (r.payment_txid as string | null) ?? null,
    paidAt: date(r.paid_at),
    confirmedAt: date(r.confirmed_at),
    createdAt: date(r.created_at) as Date,
    updatedAt: date(r.updated_at) as Date,
  };
}

export interface NewReceipt {
  readonly receiptId: string;
  readonly versionId: string;
  readonly contentHash: string;
  readonly producerId: string | null;
  readonly quantity: number;
  readonly unitPriceSat: number;
  readonly unitBytes: number;
  readonly singleUse: boolean;
  readonly expiresAt: Date;
  readonly now: Date;
}

/** The INSERT of a new pending receipt (amount and quota are derived in SQL from their parts). */
export function insertReceiptStatement(n: NewReceipt): Statement {
  return stmt(
    `INSERT INTO receipts AS r (receipt_id, version_id, content_hash, producer_id, quantity, unit_price_sat, amount_sat,
                           unit_bytes, bytes_limit, single_use, expires_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::integer, $6::bigint, $6::bigint * $5::integer, $7::bigint, $7::bigint * $5::integer, $8, $9, $10, $10)
     RETURNING ${RECEIPT_COLUMNS}`,
    [n.receiptId, n.versionId, n.contentHash, n.producerId, n.quantity, n.unitPriceSat, n.unitBytes, n.singleUse, n.expiresAt, n.now],
  );
}

/** One receipt, or null. */
export async function getReceipt(sql: SqlSession, receiptId: string): Promise<ReceiptRecord | null> {
  const rows = await sql.query(`SELECT ${RECEIPT_COLUMNS} FROM receipts r WHERE r.receipt_id = $1`, [receiptId]);
  return rows[0] ? toReceipt(rows[0]) : null;
}

/**
 * The status moves the domain allows. `from` is what the row must hold when the statement takes
 * its lock; `set` are the extra assignments (parameters from $5 on, see transitionReceipt).
 */
export type Transition =
  /** pending → paid: the payment was accepted by the broadcaster; access runs until `accessUntil`. */
  | { readonly kind: 'pay'; readonly txid: string; readonly accessUntil: Date }
  /** paid → confirmed: an SPV proof of the payment verified with enough confirmations. */
  | { readonly kind: 'confirm' }
  /** confirmed → paid: the block holding the payment left the best chain. */
  | { readonly kind: 'demote' }
  /** paid|confirmed → consumed: a single-use receipt delivered its bytes. */
  | { readonly kind: 'consume' }
  /** pending|paid|confirmed → expired, only once `expires_at` has passed, and never while its payment is in flight. */
  | { readonly kind: 'expire' };

/**
 * A pending receipt whose payment is claimed (or accepted but not yet recorded as paid): its
 * broadcast is in flight, or its outcome unknown until the schedule re-sends it. Such a receipt
 * never expires — not on a read, not on the schedule — until that payment is settled: a payment
 * the network accepts meanwhile must still make it paid. `receipt` is the receipts row's alias.
 */
const paymentInFlight = (receipt: string) =>
  `${receipt}.status = 'pending' AND EXISTS (SELECT 1 FROM payments p WHERE p.receipt_id = ${receipt}.receipt_id)`;

interface Plan {
  readonly from: readonly ReceiptStatus[];
  readonly to: ReceiptStatus;
  readonly set: string;
  readonly guard: string;
  readonly params: readonly SqlParam[];
}

function plan(t: Transition): Plan {
  switch (t.kind) {
    case 'pay':
      return { from: ['pending'], to: 'paid', set: ', payment_txid = $5, paid_at = $4, expires_at = $6', guard: '', params: [t.txid, t.accessUntil] };
    case 'confirm':
      return { from: ['paid'], to: 'confirmed', set: ', confirmed_at = $4', guard: '', params: [] };
    case 'demote':
      return { from: ['confirmed'], to: 'paid', set: ', confirmed_at = NULL', guard: '', params: [] };
    case 'consume':
      return { from: ['paid', 'confirmed'], to: 'consumed', set: ', consumed_at = $4', guard: '', params: [] };
    case 'expire':
      return { from: ['pending', 'paid', 'confirmed'], to: 'expired', set: '', guard: ` AND expires_at <= $4 AND NOT (${paymentInFlight('receipts')})`, params: [] };
  }
}

export interface TransitionAudit {
  readonly actor: string;
  readonly requestId?: string;
}

/**
 * One transition as ONE statement: lock the row if it is still in an allowed `from` status
 * (FOR UPDATE re-checks after waiting for a concurrent writer), update it, and insert its audit
 * row. Returns the updated receipt and the status it left, or null when the receipt was not in
 * a `from` status (already moved, or unknown) — nothing is written then.
 */
export function transitionStatement(receiptId: string, t: Transition, now: Date, audit: TransitionAudit): Statement {
  const p = plan(t);
  return stmt(
    `WITH o AS (
       SELECT receipt_id, status AS from_status FROM receipts
        WHERE receipt_id = $1 AND status = ANY($2::text[])${p.guard}
        FOR UPDATE
     ), t AS (
       UPDATE receipts r SET status = $3, updated_at = $4${p.set}
         FROM o WHERE r.receipt_id = o.receipt_id
       RETURNING ${RECEIPT_COLUMNS}, o.from_status
     ), a AS (
       INSERT INTO audit_log (actor, action, resource, request_id, before, after, at)
       SELECT $${p.params.length + 5}, 'payments.receipt.' || $3, 'receipt:' || t.receipt_id, $${p.params.length + 6},
              jsonb_build_object('status', t.from_status),
              jsonb_build_object('status', t.status, 'txid', t.payment_txid), $4
         FROM t
     )
     SELECT * FROM t`,
    [receiptId, [...p.from], p.to, now, ...p.params, audit.actor, audit.requestId ?? null],
  );
}

/** Runs a transition; null when the receipt was not in a status the transition starts from. */
export async function transitionReceipt(
  sql: SqlSession,
  receiptId: string,
  t: Transition,
  now: Date,
  audit: TransitionAudit,
): Promise<{ receipt: ReceiptRecord; from: ReceiptStatus } | null> {
  const s = transitionStatement(receiptId, t, now, audit);
  const rows = await sql.query(s.text, s.params);
  const r = rows[0];
  return r ? { receipt: toReceipt(r), from: r.from_status as ReceiptStatus } : null;
}

// ---------------------------------------------------------------------------------------------
// Quotes

/**
 * Stores a quote on a pending receipt unless an unexpired one is already there (then nothing is
 * written and null returned: read the receipt for the quote that stands). Concurrent quotes for
 * one receipt therefore agree.
 */
export function setQuoteStatement(
  receiptId: string,
  q: { outputs: readonly QuoteOutput[]; templateHash: string; expiresAt: Date },
  now: Date,
): Statement {
  return stmt(
    `UPDATE receipts r SET quote_outputs = $2::jsonb, quote_template_hash = $3, quote_expires_at = $4, updated_at = $5
      WHERE r.receipt_id = $1 AND r.status = 'pending' AND r.expires_at > $5
        AND (r.quote_expires_at IS NULL OR r.quote_expires_at <= $5)
     RETURNING ${RECEIPT_COLUMNS}`,
    [receiptId, JSON.stringify(q.outputs), q.templateHash, q.expiresAt, now],
  );
}

/**
 * Ids of receipts whose expiry has passed while still pending, paid or confirmed — except
 * pending ones whose payment is claimed and in flight (the schedule settles those first).
 */
export async function listLapsed(sql: SqlSession, now: Date, limit: number): Promise<string[]> {
  const rows = await sql.query(
    `SELECT r.receipt_id FROM receipts r
      WHERE r.status IN ('pending', 'paid', 'confirmed') AND r.expires_at <= $1
        AND NOT (${paymentInFlight('r')})
      ORDER BY r.expires_at LIMIT $2`,
    [now, limit],
  );
  return rows.map((r) => r.receipt_id as string);
}
