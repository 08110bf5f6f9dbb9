/**
 * The payments verbs (payments/service.ts) called directly on a fresh database on the local
 * PostgreSQL: receipts (price, quota, expiry, audit), the receipt view and payment detail,
 * quotes (reuse, re-issue at the exact expiry, capped by the receipt, a version gone, a racing
 * quote), and submitting (every refusal with its code, message and hint; the claim kept or freed
 * by the broadcaster's answer through the real ARC adapter and a local ARC; a racing submit of
 * the same transaction; marking paid). Time is a manual clock.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS, type RequestCtx } from '@strata/core/context';
import { createArcBroadcaster } from '@strata/core/payments/broadcast';
import { getPayment, releaseClaim } from '@strata/core/payments/payment-repo';
import { getReceipt, transitionReceipt } from '@strata/core/payments/repo';
import { getPaymentDetail, getReceiptVerb, loadReceipt, markPaid, newReceiptId, pay, quote, receiptView, submitPayment } from '@strata/core/payments/service';
import { templateHashOf } from '@strata/core/payments/template';
import { startArcServer, type ArcServer } from '../support/arc-server';
import { testCtx } from '../support/ctx';
import { afterQuery, buildPayment, during, p2pkhOf, payWorld, refusal, seedVersion, type PayDeps, type PayWorld } from '../support/payments-verbs';

// 40 bytes: longer than the 64 hex characters a template-mismatch hint shows of a script
const OVERLAY = `6a28${'0f'.repeat(40)}`;
const START = Date.UTC(2026, 11, 1);
let w: PayWorld;
let deps: PayDeps;
let arc: ArcServer;
let arcDeps: PayDeps;
const ctx = testCtx(ANONYMOUS, 'req-svc');

beforeAll(async () => {
  w = await payWorld({ PAY_SCRIPTS_JSON: JSON.stringify({ overlay: OVERLAY }), QUOTE_TTL_SEC: '120', RECEIPT_TTL_SEC: '1800', RECEIPT_ACCESS_TTL_SEC: '3600' }, START);
  deps = w.deps;
  arc = await startArcServer();
  arcDeps = w.with({ broadcaster: createArcBroadcaster({ url: arc.url, apiKey: arc.apiKey, waitFor: 'SEEN_ON_NETWORK', timeoutMs: 5000 }) });
});
afterAll(async () => {
  await arc?.close();
  await w?.close();
});

const epoch = (ms: number) => Math.floor(ms / 1000);

async function quoted(d: PayDeps = deps, o: { quantity?: number } = {}) {
  const v = await seedVersion(w.sql);
  const receipt = await pay({ deps: d, ctx, input: { versionId: v.versionId, quantity: o.quantity ?? 1 } });
  const q = await quote({ deps: d, ctx, input: { receiptId: receipt.receiptId } });
  return { v, receipt, quote: q };
}

const payments = async (receiptId: string) => (await w.sql.query('SELECT count(*)::int AS n FROM payments WHERE receipt_id = $1', [receiptId]))[0]!.n as number;
const auditOf = (receiptId: string) =>
  w.sql.query(`SELECT actor, action, request_id, before, after, at FROM audit_log WHERE resource = $1 ORDER BY id`, [`receipt:${receiptId}`]);

describe('receipts', () => {
  it('pay: a pending receipt at the default price; the view shows every field; the audit row names the request', async () => {
    const v = await seedVersion(w.sql, { sizeBytes: 4096 });
    const r = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 3 } });
    expect(r).toEqual({
      receiptId: r.receiptId,
      versionId: v.versionId,
      contentHash: v.contentHash,
      quantity: 3,
      amountSat: 15_000,
      status: 'pending',
      createdAt: new Date(START).toISOString(),
      expiresAt: epoch(START) + 1800,
      bytesLimit: 3 * 4096,
      bytesUsed: 0,
      singleUse: false,
    });
    expect(r.receiptId).toMatch(/^rcpt_[0-9a-f]{32}$/);
    const row = (await getReceipt(w.sql, r.receiptId))!;
    expect([row.producerId, row.unitPriceSat, row.unitBytes, row.expiresAt.getTime()]).toEqual([v.producerId, 5000, 4096, START + 1_800_000]);
    expect(receiptView(row)).toEqual(r);
    expect(await getReceiptVerb({ deps, ctx, input: { receiptId: r.receiptId } })).toEqual(r);
    // a new receipt invalidates nothing: no outbox row
    expect((await w.sql.query('SELECT count(*)::int AS n FROM cache_outbox'))[0]!.n).toBe(0);
    const audit = await auditOf(r.receiptId);
    expect(audit).toEqual([
      { actor: 'anonymous', action: 'payments.receipt.pending', request_id: 'req-svc', before: null, after: { versionId: v.versionId, quantity: 3, amountSat: 15_000 }, at: expect.any(Date) },
    ]);
  });

  it('pay: the configured default price, single use and TTL; a price rule wins over the default', async () => {
    const v = await seedVersion(w.sql);
    const d = w.with({ env: { PRICE_DEFAULT_SATS: '777', SINGLE_USE_RECEIPTS: 'true', RECEIPT_TTL_SEC: '60' } });
    const r = await pay({ deps: d, ctx, input: { versionId: v.versionId, quantity: 2 } });
    expect([r.amountSat, r.singleUse, r.expiresAt]).toEqual([1554, true, epoch(START) + 60]);
    await w.sql.query(`INSERT INTO price_rules (scope, scope_id, satoshis, set_by) VALUES ('version', $1, 42, 'test')`, [v.versionId]);
    const ruled = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 2 } });
    expect([ruled.amountSat, (await getReceipt(w.sql, ruled.receiptId))!.unitPriceSat]).toEqual([84, 42]);
  });

  it('pay: a version without a size (or size 0) buys RECEIPT_UNIT_BYTES per unit; size 1 buys 1 byte', async () => {
    const d = w.with({ env: { RECEIPT_UNIT_BYTES: '500' } });
    for (const [sizeBytes, unit] of [[null, 500], [0, 500], [1, 1]] as const) {
      const v = await seedVersion(w.sql, { sizeBytes });
      const r = await pay({ deps: d, ctx, input: { versionId: v.versionId, quantity: 4 } });
      expect([sizeBytes, r.bytesLimit]).toEqual([sizeBytes, 4 * unit]);
    }
  });

  it('pay: unknown version is not-found; quantity × price or × bytes beyond 2^53 is bad-request, at the exact boundary', async () => {
    expect(await refusal(pay({ deps, ctx, input: { versionId: 'ab'.repeat(32), quantity: 1 } }))).toEqual({
      code: 'not-found',
      message: 'No published version has this id.',
      hint: 'manifest missing',
    });
    const over = { code: 'bad-request', message: 'quantity × price exceeds 2^53 satoshis.', hint: 'quantity' };
    const priced = await seedVersion(w.sql, { sizeBytes: 1 });
    await w.sql.query(`INSERT INTO price_rules (scope, scope_id, satoshis, set_by) VALUES ('version', $1, $2, 'test')`, [priced.versionId, 2 ** 52]);
    expect(await refusal(pay({ deps, ctx, input: { versionId: priced.versionId, quantity: 2 } }))).toEqual(over);
    expect((await pay({ deps, ctx, input: { versionId: priced.versionId, quantity: 1 } })).amountSat).toBe(2 ** 52);
    // bytes alone overflow (the price is small)
    const big = await seedVersion(w.sql, { sizeBytes: 2 ** 52 });
    expect(await refusal(pay({ deps, ctx, input: { versionId: big.versionId, quantity: 2 } }))).toEqual(over);
    expect((await pay({ deps, ctx, input: { versionId: big.versionId, quantity: 1 } })).bytesLimit).toBe(2 ** 52);
    const none = await w.sql.query(`SELECT count(*)::int AS n FROM receipts WHERE version_id = ANY($1)`, [[priced.versionId, big.versionId]]);
    expect(none[0]!.n).toBe(2);
  });

  it('receipt ids are 128 random bits as 32 lower-case hex digits', () => {
    const ids = Array.from({ length: 200 }, () => newReceiptId());
    for (const id of ids) expect(id).toMatch(/^rcpt_[0-9a-f]{32}$/);
    expect(new Set(ids).size).toBe(200);
  });

  it('loadReceipt: not-found; a pending, paid or confirmed receipt expires exactly at its expiry, not a millisecond before', async () => {
    expect(await refusal(loadReceipt({ deps, ctx, input: { receiptId: `rcpt_${'0'.repeat(32)}` } }))).toEqual({
      code: 'not-found',
      message: 'No receipt has this id.',
      hint: 'receipt not found',
    });
    const start = w.clock.now();
    // receipts offered and paid for as long: all four run out at the same instant
    const d = w.with({ env: { RECEIPT_TTL_SEC: '3600' } });
    const pending = (await quoted(d)).receipt;
    const paid = await quoted(d);
    const p1 = await buildPayment(paid.quote.outputs);
    await submitPayment({ deps: d, ctx, input: { receiptId: paid.receipt.receiptId, rawTxHex: p1.rawTx } });
    const confirmed = await quoted(d);
    const p2 = await buildPayment(confirmed.quote.outputs);
    await submitPayment({ deps: d, ctx, input: { receiptId: confirmed.receipt.receiptId, rawTxHex: p2.rawTx } });
    await transitionReceipt(w.sql, confirmed.receipt.receiptId, { kind: 'confirm' }, new Date(start), { actor: 'test' });
    const consumed = await quoted(d);
    const p3 = await buildPayment(consumed.quote.outputs);
    await submitPayment({ deps: d, ctx, input: { receiptId: consumed.receipt.receiptId, rawTxHex: p3.rawTx } });
    await transitionReceipt(w.sql, consumed.receipt.receiptId, { kind: 'consume' }, new Date(start), { actor: 'test' });
    const at = start + 3_600_000;
    const statuses = async () => {
      const out: string[] = [];
      for (const id of [pending.receiptId, paid.receipt.receiptId, confirmed.receipt.receiptId, consumed.receipt.receiptId]) {
        out.push((await loadReceipt({ deps, ctx, input: { receiptId: id } })).status);
      }
      return out;
    };
    w.clock.set(at - 1);
    expect(await statuses()).toEqual(['pending', 'paid', 'confirmed', 'consumed']);
    w.clock.set(at);
    expect(await statuses()).toEqual(['expired', 'expired', 'expired', 'consumed']);
    const audit = await auditOf(confirmed.receipt.receiptId);
    expect(audit.at(-1)).toMatchObject({ action: 'payments.receipt.expired', actor: 'anonymous', request_id: 'req-svc', before: { status: 'confirmed' } });
    w.clock.set(start);
  });

  it('loadReceipt: when another request expires the receipt between the read and the move, the moved row is answered', async () => {
    const { receipt } = await quoted();
    const start = w.clock.now();
    w.clock.set(start + 1_800_000);
    const racing = afterQuery(w.sql, 1, async () => {
      await transitionReceipt(w.sql, receipt.receiptId, { kind: 'expire' }, new Date(start + 1_800_000), { actor: 'other' });
    });
    const r = await loadReceipt({ deps: { ...deps, sql: racing }, ctx, input: { receiptId: receipt.receiptId } });
    expect([r.receiptId, r.status]).toEqual([receipt.receiptId, 'expired']);
    expect((await auditOf(receipt.receiptId)).map((a) => a.actor)).toEqual(['anonymous', 'other']);
    w.clock.set(start);
  });

  it('getPaymentDetail: no quote and no payment; then the quote; then the accepted payment with every field', async () => {
    const v = await seedVersion(w.sql);
    const r = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    expect(await getPaymentDetail({ deps, ctx, input: { receiptId: r.receiptId } })).toEqual({ receipt: { ...r, unitPriceSat: 5000, quote: null, payment: null } });
    const q = await quote({ deps, ctx, input: { receiptId: r.receiptId } });
    const withQuote = await getPaymentDetail({ deps, ctx, input: { receiptId: r.receiptId } });
    expect(withQuote.receipt.quote).toEqual({ templateHash: q.templateHash, expiresAt: q.expiresAt, outputs: q.outputs });
    expect(withQuote.receipt.payment).toBeNull();

    // a claim whose broadcast outcome is unknown is no payment yet
    const p = await buildPayment(q.outputs);
    arc.setDown(true);
    await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: r.receiptId, rawTxHex: p.ef } }));
    arc.setDown(false);
    expect(await payments(r.receiptId)).toBe(1);
    expect((await getPaymentDetail({ deps, ctx, input: { receiptId: r.receiptId } })).receipt.payment).toBeNull();

    w.clock.advance(5000);
    await submitPayment({ deps: arcDeps, ctx, input: { receiptId: r.receiptId, rawTxHex: p.ef } });
    const paidAt = new Date(w.clock.now()).toISOString();
    const detail = await getPaymentDetail({ deps, ctx, input: { receiptId: r.receiptId } });
    expect(detail.receipt.payment).toEqual({
      txid: p.txid,
      paidAt,
      confirmedAt: null,
      feeSat: 1000,
      outputs: p.tx.outputs.map((o) => ({ scriptHex: o.lockingScript!.toHex(), satoshis: o.satoshis })),
      broadcaster: 'arc',
      txStatus: 'SEEN_ON_NETWORK',
      blockHash: null,
      blockHeight: null,
    });
    expect([detail.receipt.status, detail.receipt.expiresAt]).toEqual(['paid', epoch(w.clock.now()) + 3600]);
    const hash = 'cd'.repeat(32);
    await w.sql.query(`UPDATE payments SET block_hash = $2, block_height = 7 WHERE receipt_id = $1`, [r.receiptId, hash]);
    await transitionReceipt(w.sql, r.receiptId, { kind: 'confirm' }, new Date(w.clock.now() + 1000), { actor: 'test' });
    const confirmed = (await getPaymentDetail({ deps, ctx, input: { receiptId: r.receiptId } })).receipt.payment;
    expect(confirmed).toMatchObject({ paidAt, confirmedAt: new Date(w.clock.now() + 1000).toISOString(), blockHash: hash, blockHeight: 7 });
  });
});

describe('quotes', () => {
  it('the template: the overlay share and the producer rest, sorted, with the canonical hash; reused until it lapses', async () => {
    const key = PrivateKey.fromRandom();
    const v = await seedVersion(w.sql, { producer: key });
    await w.sql.query(`INSERT INTO price_rules (scope, scope_id, satoshis, set_by) VALUES ('version', $1, 1999, 'test')`, [v.versionId]);
    const r = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const q = await quote({ deps, ctx, input: { receiptId: r.receiptId } });
    const outputs = [
      { scriptHex: OVERLAY, satoshis: 99 },
      { scriptHex: p2pkhOf(key), satoshis: 1900 },
    ].sort((a, b) => (a.scriptHex < b.scriptHex ? -1 : 1));
    expect(q).toEqual({
      receiptId: r.receiptId,
      versionId: v.versionId,
      amountSat: 1999,
      outputs,
      feeRateHint: null,
      expiresAt: epoch(w.clock.now()) + 120,
      templateHash: templateHashOf(v.versionId, 1999, outputs),
    });
    const stored = (await getReceipt(w.sql, r.receiptId))!;
    expect([stored.quoteOutputs, stored.quoteTemplateHash, stored.quoteExpiresAt!.getTime()]).toEqual([outputs, q.templateHash, w.clock.now() + 120_000]);
    // a millisecond before the lapse the quote is reused as is (not re-dated)
    const issued = w.clock.now();
    w.clock.advance(119_999);
    expect(await quote({ deps, ctx, input: { receiptId: r.receiptId } })).toEqual(q);
    expect((await getReceipt(w.sql, r.receiptId))!.updatedAt.getTime()).toBe(issued);
    // at the lapse it is re-issued: same outputs, new expiry
    w.clock.advance(1);
    const renewed = await quote({ deps, ctx, input: { receiptId: r.receiptId } });
    expect(renewed).toEqual({ ...q, expiresAt: epoch(issued + 120_000) + 120 });
    expect((await getReceipt(w.sql, r.receiptId))!.quoteExpiresAt!.getTime()).toBe(issued + 240_000);
  });

  it('without configured party scripts (or splits) the producer takes everything; configured splits apply', async () => {
    const key = PrivateKey.fromRandom();
    const v = await seedVersion(w.sql, { producer: key });
    const bare = w.with({ env: { PAY_SCRIPTS_JSON: '{}' } });
    const only = await quote({ deps: bare, ctx, input: { receiptId: (await pay({ deps: bare, ctx, input: { versionId: v.versionId, quantity: 1 } })).receiptId } });
    expect(only.outputs).toEqual([{ scriptHex: p2pkhOf(key), satoshis: 5000 }]);
    const noScripts = { ...deps, config: { ...deps.config, PAY_SCRIPTS_JSON: undefined } };
    const none = await quote({ deps: noScripts, ctx, input: { receiptId: (await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } })).receiptId } });
    expect(none.outputs).toEqual([{ scriptHex: p2pkhOf(key), satoshis: 5000 }]);
    const split = w.with({ env: { PAY_SPLITS_JSON: JSON.stringify({ producer: 0.5, overlay: 0.5 }) } });
    const half = await quote({ deps: split, ctx, input: { receiptId: (await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } })).receiptId } });
    expect(half.outputs.map((o) => o.satoshis)).toEqual([2500, 2500]);
  });

  it('a registered payout script is paid instead of the key; a version nobody owns cannot be quoted', async () => {
    const payout = `76a914${'77'.repeat(20)}88ac`;
    const v = await seedVersion(w.sql, { payoutScriptHex: payout });
    const q = await quote({ deps, ctx, input: { receiptId: (await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } })).receiptId } });
    expect(q.outputs.map((o) => o.scriptHex).sort()).toEqual([OVERLAY, payout].sort());
    const orphan = await seedVersion(w.sql, { producer: null });
    const r = await pay({ deps, ctx, input: { versionId: orphan.versionId, quantity: 1 } });
    expect(await refusal(quote({ deps, ctx, input: { receiptId: r.receiptId } }))).toMatchObject({ code: 'conflict', hint: 'payout-unavailable' });
  });

  it('the quote expires with the receipt when the receipt lapses first', async () => {
    const d = w.with({ env: { RECEIPT_TTL_SEC: '1800', QUOTE_TTL_SEC: '600' } });
    const v = await seedVersion(w.sql);
    const r = await pay({ deps: d, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const t0 = w.clock.now();
    w.clock.advance(1_500_000);
    const q = await quote({ deps: d, ctx, input: { receiptId: r.receiptId } });
    expect(q.expiresAt).toBe(epoch(t0) + 1800);
    expect((await getReceipt(w.sql, r.receiptId))!.quoteExpiresAt!.getTime()).toBe(t0 + 1_800_000);
    w.clock.set(t0);
  });

  it('only a pending receipt is quoted; an unknown receipt and a version gone are not-found', async () => {
    const { receipt, quote: q } = await quoted();
    const p = await buildPayment(q.outputs);
    await submitPayment({ deps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } });
    expect(await refusal(quote({ deps, ctx, input: { receiptId: receipt.receiptId } }))).toEqual({
      code: 'invalid-state',
      message: 'The receipt is paid; only a pending receipt can be quoted or paid.',
      hint: 'status:paid',
    });
    expect((await refusal(quote({ deps, ctx, input: { receiptId: `rcpt_${'1'.repeat(32)}` } }))).code).toBe('not-found');
    const v = await seedVersion(w.sql);
    const r = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const issued = await quote({ deps, ctx, input: { receiptId: r.receiptId } });
    await w.sql.query('DELETE FROM assets WHERE version_id = $1', [v.versionId]);
    // the unexpired quote stands without the version; re-issuing it needs the version
    expect(await quote({ deps, ctx, input: { receiptId: r.receiptId } })).toEqual(issued);
    const t0 = w.clock.now();
    w.clock.advance(120_000);
    expect(await refusal(quote({ deps, ctx, input: { receiptId: r.receiptId } }))).toEqual({
      code: 'not-found',
      message: 'The version of this receipt is gone.',
      hint: 'manifest missing',
    });
    w.clock.set(t0);
  });

  it('a wall clock stepping back while a quote is issued: conflict, ask again', async () => {
    // the receipt lapses at T; the quote request reads the clock before T, at T, then before T again
    const v = await seedVersion(w.sql);
    const t0 = w.clock.now();
    const r = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const T = t0 + 1_800_000;
    const stepping = (reads: number[]) => ({ ...deps, clock: { ...w.clock, now: () => reads.shift() ?? w.clock.now() } });
    const conflict = { code: 'conflict', message: 'The quote changed while it was issued; ask again.', hint: 'retry' };
    // no quote stored yet
    expect(await refusal(quote({ deps: stepping([T - 1, T, T - 1]), ctx, input: { receiptId: r.receiptId } }))).toEqual(conflict);
    // a quote that ends with the receipt, at exactly T
    w.clock.set(T - 60_000);
    const q = await quote({ deps, ctx, input: { receiptId: r.receiptId } });
    expect(q.expiresAt).toBe(epoch(T));
    expect(await refusal(quote({ deps: stepping([T - 1, T, T - 1]), ctx, input: { receiptId: r.receiptId } }))).toEqual(conflict);
    w.clock.set(t0);
  });

  it('a quote issued by another request meanwhile is the answer; a receipt paid meanwhile is refused', async () => {
    const v = await seedVersion(w.sql);
    const r = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    let theirs: Awaited<ReturnType<typeof quote>> | undefined;
    // loadReceipt reads once; the sale version is the second query: the other request quotes then
    const racing = afterQuery(w.sql, 2, async () => {
      w.clock.advance(-1000);
      theirs = await quote({ deps, ctx, input: { receiptId: r.receiptId } });
      w.clock.advance(1000);
    });
    const mine = await quote({ deps: { ...deps, sql: racing }, ctx, input: { receiptId: r.receiptId } });
    expect(mine).toEqual(theirs);
    expect(mine.expiresAt).toBe(epoch(w.clock.now() - 1000) + 120);

    const r2 = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const paidMeanwhile = afterQuery(w.sql, 2, async () => {
      const q = await quote({ deps, ctx, input: { receiptId: r2.receiptId } });
      const p = await buildPayment(q.outputs);
      await submitPayment({ deps, ctx, input: { receiptId: r2.receiptId, rawTxHex: p.rawTx } });
    });
    expect(await refusal(quote({ deps: { ...deps, sql: paidMeanwhile }, ctx, input: { receiptId: r2.receiptId } }))).toEqual({
      code: 'invalid-state',
      message: 'The receipt is paid; only a pending receipt can be quoted or paid.',
      hint: 'status:paid',
    });
  });
});

describe('submitting', () => {
  it('a raw payment: claimed, broadcast, paid in one batch with its audit row; the same tx again is idempotent', async () => {
    const { receipt, quote: q } = await quoted();
    const p = await buildPayment(q.outputs);
    w.clock.advance(1000);
    const now = w.clock.now();
    const r = await submitPayment({ deps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } });
    expect(r).toEqual({ status: 'accepted', txid: p.txid, receiptId: receipt.receiptId, receiptStatus: 'paid', broadcast: { mode: 'dryrun', txStatus: 'DRYRUN' } });
    const row = (await getReceipt(w.sql, receipt.receiptId))!;
    expect([row.status, row.paymentTxid, row.paidAt!.getTime(), row.expiresAt.getTime()]).toEqual(['paid', p.txid, now, now + 3_600_000]);
    const pm = (await getPayment(w.sql, receipt.receiptId))!;
    expect([pm.state, pm.txStatus, pm.broadcaster, pm.feeSat, Buffer.from(pm.rawTx).toString('hex')]).toEqual(['accepted', 'DRYRUN', 'dryrun', null, p.rawTx]);
    const audit = await auditOf(receipt.receiptId);
    expect(audit.at(-1)).toEqual({
      actor: 'anonymous',
      action: 'payments.receipt.paid',
      request_id: 'req-svc',
      before: { status: 'pending' },
      after: { status: 'paid', txid: p.txid },
      at: new Date(now),
    });
    const again = await submitPayment({ deps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx.toUpperCase() } });
    expect(again).toEqual({ ...r, note: 'idempotent-return' });
    // idempotent even once the receipt moved on (the status it holds is reported)
    await transitionReceipt(w.sql, receipt.receiptId, { kind: 'confirm' }, new Date(now), { actor: 'test' });
    expect(await submitPayment({ deps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } })).toEqual({ ...r, receiptStatus: 'confirmed', note: 'idempotent-return' });
    // paid without a payment row (marked paid directly): idempotent, with no broadcast status to report
    const bare = await quoted();
    const pb = await buildPayment(bare.quote.outputs);
    await markPaid({ deps, ctx, input: { receiptId: bare.receipt.receiptId, txid: pb.txid, txStatus: 'X' } });
    expect(await getPayment(w.sql, bare.receipt.receiptId)).toBeNull();
    expect((await submitPayment({ deps, ctx, input: { receiptId: bare.receipt.receiptId, rawTxHex: pb.rawTx } })).broadcast).toEqual({ mode: 'dryrun', txStatus: null });
    const other = await buildPayment(q.outputs);
    expect(await refusal(submitPayment({ deps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: other.rawTx } }))).toEqual({
      code: 'conflict',
      message: 'This receipt is already paid (or being paid) by another transaction.',
      hint: 'receipt-already-paid',
    });
  });

  it('EF through ARC: the submitted bytes are sent and kept, the fee recorded; the answer carries ARC\'s status', async () => {
    const { receipt, quote: q } = await quoted(arcDeps);
    const p = await buildPayment(q.outputs);
    const r = await submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.ef } });
    expect(r).toEqual({ status: 'accepted', txid: p.txid, receiptId: receipt.receiptId, receiptStatus: 'paid', broadcast: { mode: 'arc', txStatus: 'SEEN_ON_NETWORK' } });
    expect(arc.txs.get(p.txid)?.rawTx).toBe(p.ef);
    const rows = await w.sql.query(`SELECT encode(submitted, 'hex') AS s, encode(raw_tx, 'hex') AS raw, fee_sat::int AS fee, outputs FROM payments WHERE receipt_id = $1`, [receipt.receiptId]);
    expect(rows[0]).toEqual({ s: p.ef, raw: p.rawTx, fee: 1000, outputs: p.tx.outputs.map((o) => ({ scriptHex: o.lockingScript!.toHex(), satoshis: o.satoshis })) });
    const again = await submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.ef } });
    expect(again.broadcast).toEqual({ mode: 'arc', txStatus: 'SEEN_ON_NETWORK' });
  });

  it('refusals before any claim: not a transaction, an expired receipt, no quote, a lapsed quote, a short output', async () => {
    const { receipt, quote: q } = await quoted();
    const p = await buildPayment(q.outputs);
    expect((await refusal(submitPayment({ deps, ctx, input: { receiptId: `rcpt_${'2'.repeat(32)}`, rawTxHex: 'zz' } }))).code).toBe('bad-request');
    expect((await refusal(submitPayment({ deps, ctx, input: { receiptId: `rcpt_${'2'.repeat(32)}`, rawTxHex: p.rawTx } }))).code).toBe('not-found');

    const v = await seedVersion(w.sql);
    const bare = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    expect(await refusal(submitPayment({ deps, ctx, input: { receiptId: bare.receiptId, rawTxHex: p.rawTx } }))).toEqual({
      code: 'invalid-state',
      message: 'The receipt has no quote yet; POST /payments/quote first.',
      hint: 'no-quote',
    });

    const t0 = w.clock.now();
    const expiry = (await getReceipt(w.sql, receipt.receiptId))!.quoteExpiresAt!.getTime();
    w.clock.set(expiry);
    expect(await refusal(submitPayment({ deps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } }))).toEqual({
      code: 'quote-expired',
      message: 'The quote for this receipt has expired; ask for a new one.',
      hint: `expiredAt=${epoch(expiry)}`,
    });
    w.clock.set(expiry - 1);
    const short = await buildPayment(q.outputs, (o) => (o.scriptHex === OVERLAY ? { ...o, satoshis: o.satoshis - 1 } : o));
    const overlay = q.outputs.find((o) => o.scriptHex === OVERLAY)!;
    expect(await refusal(submitPayment({ deps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: short.rawTx } }))).toEqual({
      code: 'template-mismatch',
      message: 'The transaction does not pay every output of the quote.',
      hint: `missing output: ${overlay.satoshis} sat to ${OVERLAY.slice(0, 64)}`,
    });
    expect(await payments(receipt.receiptId)).toBe(0);
    // still payable a millisecond before the quote lapses
    expect((await submitPayment({ deps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } })).receiptStatus).toBe('paid');

    const late = await quoted();
    w.clock.advance(1_800_000);
    expect(await refusal(submitPayment({ deps, ctx, input: { receiptId: late.receipt.receiptId, rawTxHex: p.rawTx } }))).toEqual({
      code: 'invalid-state',
      message: 'The receipt is expired; only a pending receipt can be quoted or paid.',
      hint: 'status:expired',
    });
    w.clock.set(t0);
  });

  it('a transaction that already pays another receipt is refused, and that receipt keeps it', async () => {
    // two receipts of one version at one price have the same template: one tx satisfies both
    const v = await seedVersion(w.sql);
    const a = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const b = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const qa = await quote({ deps, ctx, input: { receiptId: a.receiptId } });
    await quote({ deps, ctx, input: { receiptId: b.receiptId } });
    const p = await buildPayment(qa.outputs);
    await submitPayment({ deps, ctx, input: { receiptId: a.receiptId, rawTxHex: p.rawTx } });
    expect(await refusal(submitPayment({ deps, ctx, input: { receiptId: b.receiptId, rawTxHex: p.rawTx } }))).toEqual({
      code: 'conflict',
      message: 'This transaction already pays another receipt.',
      hint: 'txid-already-used',
    });
    expect([await payments(b.receiptId), (await getReceipt(w.sql, b.receiptId))!.status]).toEqual([0, 'pending']);
  });

  it('ARC refuses: the claim is freed and the refusal names ARC\'s status and code; a corrected tx then pays', async () => {
    const { receipt, quote: q } = await quoted(arcDeps);
    const cheap = await buildPayment(q.outputs);
    arc.failNext(465);
    expect(await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: cheap.ef } }))).toEqual({
      code: 'broadcast-rejected',
      message: 'The network refused the transaction: The fee is below what ARC requires. (ARC: induced by the test)',
      hint: 'arc-465:fee-too-low',
    });
    expect([await payments(receipt.receiptId), (await getReceipt(w.sql, receipt.receiptId))!.status]).toEqual([0, 'pending']);
    const fixed = await buildPayment(q.outputs);
    expect((await submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: fixed.ef } })).receiptStatus).toBe('paid');
  });

  it('ARC unreachable: unavailable, the claim kept; another tx is refused; a refusal of the retried tx keeps the earlier claim', async () => {
    const { receipt, quote: q } = await quoted(arcDeps);
    const p = await buildPayment(q.outputs);
    arc.setDown(true);
    expect(await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.ef } }))).toEqual({
      code: 'unavailable',
      message: 'The transaction could not be broadcast; submit the same transaction again.',
      hint: 'broadcaster-unavailable',
    });
    arc.setDown(false);
    const claimed = (await getPayment(w.sql, receipt.receiptId))!;
    expect([claimed.state, claimed.txid, claimed.broadcaster, (await getReceipt(w.sql, receipt.receiptId))!.status]).toEqual(['claimed', p.txid, 'arc', 'pending']);
    const other = await buildPayment(q.outputs);
    expect(await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: other.ef } }))).toMatchObject({
      code: 'conflict',
      hint: 'receipt-already-paid',
    });
    // the retry is not the request that claimed: a refusal of it leaves the claim to the schedule
    arc.failNext(466);
    expect((await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.ef } }))).hint).toBe('arc-466:conflicting-transaction');
    expect(await payments(receipt.receiptId)).toBe(1);
    const retry = await submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.ef } });
    expect([retry.receiptStatus, retry.note]).toEqual(['paid', undefined]);
  });

  it('two submits of one tx racing: both broadcast, one marks paid, the other answers idempotently with its broadcast status', async () => {
    const { receipt, quote: q } = await quoted();
    const p = await buildPayment(q.outputs);
    let arrived = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const both = during(deps.broadcaster, async () => {
      if (++arrived === 2) open();
      await gate;
    });
    const d = { ...deps, broadcaster: both };
    const results = await Promise.all([0, 1].map(() => submitPayment({ deps: d, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } })));
    const base = { status: 'accepted', txid: p.txid, receiptId: receipt.receiptId, receiptStatus: 'paid', broadcast: { mode: 'dryrun', txStatus: 'DRYRUN' } };
    expect(results.map((r) => r.note ?? null).sort()).toEqual(['idempotent-return', null]);
    expect(results.map(({ note: _n, ...r }) => r)).toEqual([base, base]);
    expect((await auditOf(receipt.receiptId)).filter((a) => a.action === 'payments.receipt.paid')).toHaveLength(1);
  });

  // A receipt lapses while its payment is broadcast: a read in that window must not expire it, or a
  // payment the network accepts would be recorded on the payment row only and the buyer paid for nothing.
  it('a read while the payment is broadcast past the receipt\'s expiry leaves it pending; the accepted payment makes it paid', async () => {
    const { receipt, quote: q } = await quoted();
    const p = await buildPayment(q.outputs);
    const t0 = w.clock.now();
    let seen: string | undefined;
    const expiring = during(deps.broadcaster, async () => {
      w.clock.set(t0 + 1_800_000);
      seen = (await loadReceipt({ deps, ctx, input: { receiptId: receipt.receiptId } })).status;
    });
    const result = await submitPayment({ deps: { ...deps, broadcaster: expiring }, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } });
    expect(seen).toBe('pending');
    expect([result.status, result.receiptStatus, result.txid]).toEqual(['accepted', 'paid', p.txid]);
    const detail = (await getPaymentDetail({ deps, ctx, input: { receiptId: receipt.receiptId } })).receipt;
    expect([detail.status, detail.payment?.txid]).toEqual(['paid', p.txid]);
    expect((await auditOf(receipt.receiptId)).map((a) => a.action)).not.toContain('payments.receipt.expired');
    w.clock.set(t0);
  });

  it('a submit whose claim is freed during its broadcast (a definite refusal on a re-send) and whose receipt then lapses is refused with the status it has', async () => {
    const { receipt, quote: q } = await quoted();
    const p = await buildPayment(q.outputs);
    const t0 = w.clock.now();
    const freed = during(deps.broadcaster, async (tx) => {
      await releaseClaim(w.sql, receipt.receiptId, tx.txid);
      w.clock.set(t0 + 1_800_000);
      expect((await loadReceipt({ deps, ctx, input: { receiptId: receipt.receiptId } })).status).toBe('expired');
    });
    expect(await refusal(submitPayment({ deps: { ...deps, broadcaster: freed }, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } }))).toEqual({
      code: 'invalid-state',
      message: 'The receipt is expired; only a pending receipt can be quoted or paid.',
      hint: 'status:expired',
    });
    expect(await getPayment(w.sql, receipt.receiptId)).toBeNull();
    w.clock.set(t0);
  });

  it('the same transaction sent again after its quote and its receipt lapsed, its first broadcast unanswered: re-sent and paid; another one is refused', async () => {
    const { receipt, quote: q } = await quoted(arcDeps);
    const p = await buildPayment(q.outputs);
    arc.setDown(true);
    expect((await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.ef } }))).code).toBe('unavailable');
    arc.setDown(false);
    const t0 = w.clock.now();
    w.clock.set(t0 + 1_800_000);
    // still pending on a read: its claimed payment is in flight
    expect((await loadReceipt({ deps, ctx, input: { receiptId: receipt.receiptId } })).status).toBe('pending');
    const other = await buildPayment(q.outputs);
    expect((await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: other.ef } }))).code).toBe('quote-expired');
    const again = await submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.ef } });
    expect([again.status, again.receiptStatus, again.txid]).toEqual(['accepted', 'paid', p.txid]);
    w.clock.set(t0);
  });

  it('markPaid: the claim is accepted and the receipt paid; a receipt no longer pending gives null (the status is still recorded)', async () => {
    const { receipt, quote: q } = await quoted(arcDeps);
    const p = await buildPayment(q.outputs);
    arc.setDown(true);
    await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: receipt.receiptId, rawTxHex: p.ef } }));
    arc.setDown(false);
    const now = w.clock.now();
    const moved = await markPaid({ deps, ctx: { ...ctx, requestId: 'mark' } as RequestCtx, input: { receiptId: receipt.receiptId, txid: p.txid, txStatus: 'STORED' } });
    expect([moved?.status, moved?.paymentTxid, moved?.paidAt?.getTime(), moved?.expiresAt.getTime()]).toEqual(['paid', p.txid, now, now + 3_600_000]);
    const pm = (await w.sql.query(`SELECT state, tx_status, updated_at FROM payments WHERE receipt_id = $1`, [receipt.receiptId]))[0];
    expect(pm).toEqual({ state: 'accepted', tx_status: 'STORED', updated_at: new Date(now) });
    expect((await auditOf(receipt.receiptId)).at(-1)).toMatchObject({ action: 'payments.receipt.paid', request_id: 'mark' });
    expect(await markPaid({ deps, ctx, input: { receiptId: receipt.receiptId, txid: p.txid, txStatus: 'AGAIN' } })).toBeNull();
    expect((await getPayment(w.sql, receipt.receiptId))!.txStatus).toBe('AGAIN');
  });
});
