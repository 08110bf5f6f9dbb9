/**
 * Confirming payments by SPV. A paid receipt becomes `confirmed` only when an envelope proving
 * its payment transaction verifies against Strata's header store (spv/envelope.ts — the same
 * verifier declarations use) with at least MIN_CONFS confirmations. Proofs arrive three ways:
 * POST /payments/:receiptId/proof (self-verifying, any form: path, BUMP, BEEF), ARC's callback,
 * and the `receipt-reconcile` schedule, which also re-checks confirmed receipts so a reorg that
 * drops the block demotes them (confirmed → paid) and lapsed receipts expire. The schedule also
 * re-sends claimed payments whose broadcast outcome was never learned.
 */
import { bytesToHex } from '../util/hex';
import { isBeefEnvelope, resolveBeefEnvelope } from '../spv/beef';
import { verifyEnvelope, requireConfirmations, type VerifyResult } from '../spv/envelope';
import { getTip, headerAtHeight, storeChainView } from '../spv/header-store';
import { bumpRoot } from '../spv/merkle';
import { toSpvForm } from '../bundle/envelope-form';
import { auditOf, type Call, type NoInput, type RequestCtx } from '../context';
import type { Deps } from '../deps';
import { StrataError } from '../errors';
import type { TxStatus } from './broadcast';
import { getPayment, getSettlingByTxid, listOpenClaims, listSettling, recordProofStatement, releaseClaim, touchChecked, type Settling } from './payment-repo';
import { getReceipt, listLapsed, transitionReceipt, transitionStatement } from './repo';
import type { ProofResult } from './schema';
import { markPaid } from './service';

/** What confirming uses. */
export type ConfirmDeps = Pick<Deps, 'sql' | 'clock' | 'config' | 'broadcaster' | 'log'>;
const nowOf = (deps: Pick<Deps, 'clock'>) => new Date(deps.clock.now());

function rejection(r: { reason: string; detail?: string }): StrataError {
  if (r.reason === 'headers-unavailable') {
    return new StrataError('unavailable', 'No block headers are available to verify the proof against.', { hint: 'headers-unavailable' });
  }
  return new StrataError('invalid-envelope', `The SPV envelope does not verify (${r.reason}${r.detail ? `: ${r.detail}` : ''}).`, { hint: r.reason });
}

/** BEEF → the ordinary form, so the stored proof re-verifies without the BEEF. */
async function normalise(deps: Pick<Deps, 'sql'>, envelope: unknown): Promise<unknown> {
  if (!isBeefEnvelope(envelope)) return toSpvForm(envelope);
  const r = await resolveBeefEnvelope(envelope, storeChainView(deps.sql));
  if (!r.ok) throw rejection(r);
  return r.envelope;
}

type Applied = { readonly status: Settling['status']; readonly verified: Extract<VerifyResult, { ok: true }> };

/**
 * Verifies `envelope` for the payment of `s` and applies it: stores the proof and, with enough
 * confirmations, moves paid → confirmed in the same batch. Throws `invalid-envelope` when it
 * does not verify or proves another transaction.
 */
async function applyProof(deps: Pick<Deps, 'sql' | 'clock' | 'config'>, ctx: RequestCtx, s: Settling, envelope: unknown): Promise<Applied> {
  const form = await normalise(deps, envelope);
  const r = await verifyEnvelope(form, storeChainView(deps.sql));
  if (!r.ok) throw rejection(r);
  if (r.txid !== s.txid) {
    throw new StrataError('invalid-envelope', `The envelope proves transaction ${r.txid}, not this payment.`, { hint: 'txid-mismatch-payment' });
  }
  const now = nowOf(deps);
  const stored = { json: form, blockHash: r.blockHash, blockHeight: r.blockHeight };
  const enough = requireConfirmations(r, deps.config.MIN_CONFS).ok;
  const statements = [recordProofStatement(s.receiptId, stored, now)];
  if (enough && s.status === 'paid') {
    statements.push(transitionStatement(s.receiptId, { kind: 'confirm' }, now, auditOf(ctx)));
  }
  const results = await deps.sql.batch(statements);
  const confirmedNow = results[1]?.[0] !== undefined;
  return { status: confirmedNow ? 'confirmed' : s.status, verified: r };
}

async function settlingOf(deps: Pick<Deps, 'sql'>, receiptId: string): Promise<Settling> {
  const r = await getReceipt(deps.sql, receiptId);
  if (!r) throw new StrataError('not-found', 'No receipt has this id.', { hint: 'receipt not found' });
  const p = await getPayment(deps.sql, receiptId);
  if ((r.status !== 'paid' && r.status !== 'confirmed') || !p || p.txid !== r.paymentTxid) {
    throw new StrataError('invalid-state', `The receipt is ${r.status}; only a paid receipt takes a proof.`, { hint: `status:${r.status}` });
  }
  return {
    receiptId,
    status: r.status,
    txid: p.txid,
    broadcaster: p.broadcaster,
    blockHash: p.blockHash,
    blockHeight: p.blockHeight,
    proof: p.proof,
  };
}

/** POST /payments/:receiptId/proof — an SPV envelope for the receipt's payment. */
export async function attachPaymentProof(call: Call<ConfirmDeps, { receiptId: string; envelope: unknown }>): Promise<ProofResult> {
  const { deps, ctx, input } = call;
  const s = await settlingOf(deps, input.receiptId);
  const envelope = { ...(input.envelope as Record<string, unknown>) };
  // the payment's own bytes stand in when the envelope leaves rawTx out
  if (!('rawTx' in envelope) && !('beef' in envelope)) {
    const p = await getPayment(deps.sql, s.receiptId);
    if (p) envelope.rawTx = bytesToHex(p.rawTx);
  }
  const a = await applyProof(deps, ctx, s, envelope);
  return {
    receiptId: s.receiptId,
    status: a.status,
    txid: s.txid,
    blockHash: a.verified.blockHash,
    blockHeight: a.verified.blockHeight,
    confirmations: a.verified.confirmations,
  };
}

/** The envelope an ARC status with a merkle path stands for (block from ARC, else by the BUMP's height). */
async function envelopeFromStatus(deps: Pick<Deps, 'sql'>, st: TxStatus, rawTx: Uint8Array): Promise<unknown | null> {
  if (st.merklePath === null) return null;
  let block: { blockHash: string; blockHeight: number } | null = null;
  if (st.blockHash !== null && st.blockHeight !== null) block = { blockHash: st.blockHash, blockHeight: st.blockHeight };
  else {
    const proved = bumpRoot(st.merklePath, st.txid);
    if (proved === null) return null;
    const h = await headerAtHeight(deps.sql, proved.blockHeight);
    if (h === null) return null;
    block = { blockHash: h.hash, blockHeight: proved.blockHeight };
  }
  return { rawTx: bytesToHex(rawTx), txid: st.txid, proof: { bump: st.merklePath }, block };
}

/** Applies an ARC status (callback or poll): stores its status and, with a path, tries to confirm. */
export async function applyTxStatus(call: Call<ConfirmDeps, TxStatus>): Promise<{ applied: boolean; status: string | null; reason?: string }> {
  const { deps, ctx, input: st } = call;
  const s = await getSettlingByTxid(deps.sql, st.txid);
  if (s === null) return { applied: false, status: null, reason: 'unknown-payment' };
  await deps.sql.query(`UPDATE payments SET tx_status = $2, updated_at = $3 WHERE txid = $1`, [st.txid, st.txStatus, nowOf(deps)]);
  const p = await getPayment(deps.sql, s.receiptId);
  const envelope = p ? await envelopeFromStatus(deps, st, p.rawTx) : null;
  if (envelope === null) return { applied: false, status: s.status, reason: st.merklePath ? 'block-unknown' : 'no-merkle-path' };
  try {
    const a = await applyProof(deps, ctx, s, envelope);
    return { applied: true, status: a.status };
  } catch (e) {
    if (e instanceof StrataError && (e.code === 'invalid-envelope' || e.code === 'unavailable')) {
      return { applied: false, status: s.status, reason: e.extra.hint ?? e.code };
    }
    throw e;
  }
}

/** Confirmed payments deeper than this many blocks below the tip are no longer re-checked for reorgs. */
export const REORG_DEPTH = 288;

export interface ReconcileSummary {
  /** Claims re-sent because their broadcast outcome was never learned, and how they ended. */
  resent: number;
  resentPaid: number;
  resentReleased: number;
  checked: number;
  confirmed: number;
  demoted: number;
  expired: number;
  failed: number;
}

/**
 * The `receipt-reconcile` schedule. For each paid or confirmed receipt: re-verify the stored
 * proof (a confirmed one whose block left the best chain is demoted, and its proof cleared);
 * a paid one without a good proof asks the broadcaster for status and merkle path. Then lapsed
 * receipts expire. Every move is the repo's conditional transition: safe to run concurrently.
 */
export async function reconcileReceipts(call: Call<ConfirmDeps, NoInput>): Promise<ReconcileSummary> {
  const { deps, ctx } = call;
  const sum: ReconcileSummary = { resent: 0, resentPaid: 0, resentReleased: 0, checked: 0, confirmed: 0, demoted: 0, expired: 0, failed: 0 };
  const view = storeChainView(deps.sql);
  const tip = await getTip(deps.sql);
  const settling = await listSettling(deps.sql, { limit: deps.config.RECEIPT_RECONCILE_BATCH, tipHeight: tip?.height ?? 0, reorgDepth: REORG_DEPTH });
  await touchChecked(deps.sql, settling.filter((s) => s.status === 'paid').map((s) => s.receiptId), nowOf(deps));
  for (const s of settling) {
    sum.checked++;
    try {
      let status = s.status;
      if (s.proof !== null) {
        const r = await verifyEnvelope(s.proof, view);
        if (!r.ok && r.reason === 'headers-unavailable') continue;
        if (!r.ok || r.txid !== s.txid) {
          // the block is gone from the best chain: the payment is back to merely paid
          const now = nowOf(deps);
          const stmts = [recordProofStatement(s.receiptId, null, now)];
          if (s.status === 'confirmed') stmts.push(transitionStatement(s.receiptId, { kind: 'demote' }, now, auditOf(ctx)));
          const res = await deps.sql.batch(stmts);
          if (res[1]?.[0]) sum.demoted++;
          status = 'paid';
        } else if (s.status === 'paid') {
          if (requireConfirmations(r, deps.config.MIN_CONFS).ok) {
            const moved = await transitionReceipt(deps.sql, s.receiptId, { kind: 'confirm' }, nowOf(deps), auditOf(ctx));
            if (moved) sum.confirmed++;
          }
          continue;
        } else {
          continue;
        }
      }
      if (status === 'paid' && deps.broadcaster.kind !== 'dryrun') {
        const st = await deps.broadcaster.status(s.txid);
        if (st !== null) {
          const a = await applyTxStatus({ deps, ctx, input: st });
          if (a.status === 'confirmed') sum.confirmed++;
        }
      }
    } catch (e) {
      sum.failed++;
      deps.log.warn('receipt reconcile failed', { receiptId: s.receiptId, error: String(e) });
    }
  }
  await resendOpenClaims(deps, ctx, sum);
  const now = nowOf(deps);
  for (const id of await listLapsed(deps.sql, now, deps.config.RECEIPT_RECONCILE_BATCH)) {
    const moved = await transitionReceipt(deps.sql, id, { kind: 'expire' }, now, auditOf(ctx));
    if (moved) sum.expired++;
  }
  return sum;
}

/** A claim this old has no live request behind it any more (submit's own broadcast is long over). */
const CLAIM_SETTLE_AFTER_MS = 60_000;

/**
 * Re-sends claimed payments whose broadcast outcome was never learned (the broadcaster was
 * unreachable, or the process died between broadcast and commit): accepted → paid; definitely
 * refused → the claim is freed; still unreachable → left for the next run.
 */
async function resendOpenClaims(deps: ConfirmDeps, ctx: RequestCtx, sum: ReconcileSummary): Promise<void> {
  const before = new Date(nowOf(deps).getTime() - CLAIM_SETTLE_AFTER_MS);
  for (const c of await listOpenClaims(deps.sql, before, deps.config.RECEIPT_RECONCILE_BATCH)) {
    sum.resent++;
    const sent = await deps.broadcaster.broadcast({ txid: c.txid, hex: bytesToHex(c.submitted ?? c.rawTx) });
    if (sent.ok) {
      if (await markPaid(deps, ctx, c.receiptId, c.txid, sent.txStatus)) sum.resentPaid++;
    } else if (sent.kind === 'rejected') {
      await releaseClaim(deps.sql, c.receiptId, c.txid);
      sum.resentReleased++;
    }
  }
}
