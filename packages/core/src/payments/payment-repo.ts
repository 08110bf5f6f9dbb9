/**
 * The one payment of each receipt (migrations 0050 and 0051): claimed before its broadcast,
 * accepted after it, with the verified SPV proof once there is one. ADR 0044.
 */
import type { Row, SqlSession, Statement } from '../ports/sql';
import { stmt } from '../ports/sql';
import type { QuoteOutput } from './repo';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const date = (v: unknown): Date | null => (v instanceof Date ? v : v == null ? null : new Date(v as string));

export interface PaymentRecord {
  readonly receiptId: string;
  readonly txid: string;
  readonly rawTx: Uint8Array;
  readonly broadcaster: 'dryrun' | 'arc';
  readonly state: 'claimed' | 'accepted';
  readonly txStatus: string | null;
  readonly outputs: QuoteOutput[];
  readonly feeSat: number | null;
  readonly proof: unknown;
  readonly blockHash: string | null;
  readonly blockHeight: number | null;
  readonly createdAt: Date;
}

const PAYMENT_COLUMNS = `p.receipt_id, p.txid, p.raw_tx, p.broadcaster, p.state, p.tx_status, p.outputs, p.fee_sat,
  p.proof_json, p.block_hash, p.block_height, p.created_at`;

function toPayment(r: Row): PaymentRecord {
  return {
    receiptId: r.receipt_id as string,
    txid: r.txid as string,
    rawTx: r.raw_tx as Uint8Array,
    broadcaster: r.broadcaster as 'dryrun' | 'arc',
    state: r.state as 'claimed' | 'accepted',
    txStatus: (r.tx_status as string | null) ?? null,
    outputs: r.outputs as QuoteOutput[],
    feeSat: r.fee_sat == null ? null : num(r.fee_sat),
    proof: r.proof_json ?? null,
    blockHash: (r.block_hash as string | null) ?? null,
    blockHeight: r.block_height == null ? null : num(r.block_height),
    createdAt: date(r.created_at) as Date,
  };
}

/** The payment of a receipt, or null. */
export async function getPayment(sql: SqlSession, receiptId: string): Promise<PaymentRecord | null> {
  const rows = await sql.query(`SELECT ${PAYMENT_COLUMNS} FROM payments p WHERE p.receipt_id = $1`, [receiptId]);
  return rows[0] ? toPayment(rows[0]) : null;
}

export interface PaymentClaim {
  readonly receiptId: string;
  readonly txid: string;
  readonly rawTx: Uint8Array;
  readonly broadcaster: 'dryrun' | 'arc';
  readonly outputs: readonly QuoteOutput[];
  readonly feeSat: number | null;
  /** The bytes as submitted (raw, EF or BEEF), for a later re-send. */
  readonly submitted?: Uint8Array;
  readonly now: Date;
}

/**
 * Claims the receipt's one payment slot for `txid`. Returns the payment that holds the slot
 * afterwards and whether this call made it: at most one claim per receipt and per txid ever
 * exists (primary key and unique txid), however many submits race.
 */
export async function claimPayment(sql: SqlSession, c: PaymentClaim): Promise<{ payment: PaymentRecord | null; claimed: boolean }> {
  const rows = await sql.query(
    `INSERT INTO payments AS p (receipt_id, txid, raw_tx, broadcaster, outputs, fee_sat, submitted, created_at, updated_at)
     SELECT $1, $2, $3, $4, $5::jsonb, $6, $8, $7, $7
      WHERE NOT EXISTS (SELECT 1 FROM payments WHERE txid = $2)
     ON CONFLICT DO NOTHING
     RETURNING ${PAYMENT_COLUMNS}`,
    [c.receiptId, c.txid, c.rawTx, c.broadcaster, JSON.stringify(c.outputs), c.feeSat, c.now, c.submitted ?? null],
  );
  if (rows[0]) return { payment: toPayment(rows[0]), claimed: true };
  return { payment: await getPayment(sql, c.receiptId), claimed: false };
}

/** Frees the slot of a claim the broadcaster definitely refused (so another tx may be tried). */
export async function releaseClaim(sql: SqlSession, receiptId: string, txid: string): Promise<void> {
  await sql.query(`DELETE FROM payments WHERE receipt_id = $1 AND txid = $2 AND state = 'claimed'`, [receiptId, txid]);
}

/** Stores (or clears, with nulls) the verified proof of a payment and the block it is in. */
export function recordProofStatement(
  receiptId: string,
  proof: { json: unknown; blockHash: string; blockHeight: number; txStatus?: string } | null,
  now: Date,
): Statement {
  return stmt(
    `UPDATE payments SET proof_json = $2::jsonb, block_hash = $3, block_height = $4,
            tx_status = COALESCE($5, tx_status), updated_at = $6
      WHERE receipt_id = $1`,
    [receiptId, proof ? JSON.stringify(proof.json) : null, proof?.blockHash ?? null, proof?.blockHeight ?? null, proof?.txStatus ?? null, now],
  );
}

/** A paid or confirmed receipt with its payment, for the reconcile schedule and callbacks. */
export interface Settling {
  readonly receiptId: string;
  readonly status: 'paid' | 'confirmed';
  readonly txid: string;
  readonly broadcaster: 'dryrun' | 'arc';
  readonly blockHash: string | null;
  readonly blockHeight: number | null;
  readonly proof: unknown;
}

function toSettling(r: Row): Settling {
  return {
    receiptId: r.receipt_id as string,
    status: r.status as 'paid' | 'confirmed',
    txid: r.txid as string,
    broadcaster: r.broadcaster as 'dryrun' | 'arc',
    blockHash: (r.block_hash as string | null) ?? null,
    blockHeight: r.block_height == null ? null : num(r.block_height),
    proof: r.proof_json ?? null,
  };
}

/**
 * What the reconcile schedule looks at, with their payments: paid receipts least recently
 * checked first (each check touches `checked_at`, so a batch smaller than the backlog still
 * reaches every one in turn), and confirmed receipts whose block is within `reorgDepth` of the
 * tip (only those can still be reorganised away).
 */
export async function listSettling(sql: SqlSession, o: { limit: number; tipHeight: number; reorgDepth: number }): Promise<Settling[]> {
  const rows = await sql.query(
    `(SELECT r.receipt_id, r.status, p.txid, p.broadcaster, p.block_hash, p.block_height, p.proof_json
        FROM receipts r JOIN payments p USING (receipt_id)
       WHERE r.status = 'paid'
       ORDER BY p.checked_at NULLS FIRST, r.receipt_id
       LIMIT $1)
     UNION ALL
     (SELECT r.receipt_id, r.status, p.txid, p.broadcaster, p.block_hash, p.block_height, p.proof_json
        FROM receipts r JOIN payments p USING (receipt_id)
       WHERE r.status = 'confirmed' AND (p.block_height IS NULL OR p.block_height > $2)
       ORDER BY p.block_height DESC NULLS FIRST, r.receipt_id
       LIMIT $1)`,
    [o.limit, o.tipHeight - o.reorgDepth],
  );
  return rows.map(toSettling);
}

/** Marks payments as looked at by the schedule now. */
export async function touchChecked(sql: SqlSession, receiptIds: readonly string[], now: Date): Promise<void> {
  if (receiptIds.length === 0) return;
  await sql.query(`UPDATE payments SET checked_at = $2 WHERE receipt_id = ANY($1::text[])`, [[...receiptIds], now]);
}

/** The paid/confirmed receipt a txid pays, or null. */
export async function getSettlingByTxid(sql: SqlSession, txid: string): Promise<Settling | null> {
  const rows = await sql.query(
    `SELECT r.receipt_id, r.status, p.txid, p.broadcaster, p.block_hash, p.block_height, p.proof_json
       FROM payments p JOIN receipts r USING (receipt_id)
      WHERE p.txid = $1 AND r.status IN ('paid', 'confirmed')`,
    [txid],
  );
  return rows[0] ? toSettling(rows[0]) : null;
}

/** A claim whose broadcast outcome is unknown, older than `before`. */
export interface OpenClaim {
  readonly receiptId: string;
  readonly txid: string;
  readonly submitted: Uint8Array | null;
  readonly rawTx: Uint8Array;
}

/** Claims still waiting for a broadcast outcome, on receipts still pending, last touched before `before`. */
export async function listOpenClaims(sql: SqlSession, before: Date, limit: number): Promise<OpenClaim[]> {
  const rows = await sql.query(
    `SELECT p.receipt_id, p.txid, p.submitted, p.raw_tx FROM payments p JOIN receipts r USING (receipt_id)
      WHERE p.state = 'claimed' AND r.status = 'pending' AND p.updated_at < $1
      ORDER BY p.updated_at LIMIT $2`,
    [before, limit],
  );
  return rows.map((r) => ({
    receiptId: r.receipt_id as string,
    txid: r.txid as string,
    submitted: (r.submitted as Uint8Array | null) ?? null,
    rawTx: r.raw_tx as Uint8Array,
  }));
}
