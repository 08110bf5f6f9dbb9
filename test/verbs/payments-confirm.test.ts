/**
 * Confirming payments (payments/confirm.ts) called directly on fresh databases on the local
 * PostgreSQL, with headers stored through the header store and a local ARC behind the real ARC
 * adapter: a proof attached by POST (path, BUMP without rawTx, BEEF stored in the ordinary form),
 * every refusal with its code, message and hint, the confirmation threshold, ARC statuses
 * (callback or poll) with and without a block, and the reconcile schedule: demotion after a
 * reorg, confirmation of stored proofs, polling ARC, the reorg window, re-sending open claims at
 * the minute's boundary, expiring lapsed receipts, and a failing receipt counted and logged.
 */
import { MerklePath } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANONYMOUS } from '@strata/core/context';
import { createArcBroadcaster } from '@strata/core/payments/broadcast';
import { applyTxStatus, attachPaymentProof, reconcileReceipts, REORG_DEPTH } from '@strata/core/payments/confirm';
import { claimPayment, getPayment } from '@strata/core/payments/payment-repo';
import { getReceipt, transitionReceipt } from '@strata/core/payments/repo';
import { markPaid, pay, quote, submitPayment } from '@strata/core/payments/service';
import { decodePaymentTx } from '@strata/core/payments/tx';
import type { Sql } from '@strata/core/ports/sql';
import { startArcServer, type ArcServer } from '../support/arc-server';
import { makeTx } from '../support/chain';
import { testCtx } from '../support/ctx';
import { afterQuery, buildPayment, memoryLog, payWorld, refusal, seedVersion, PayChain, type PayDeps, type PayWorld } from '../support/payments-verbs';

const OVERLAY = `76a914${'0d'.repeat(20)}88ac`;
const ENV = { PAY_SCRIPTS_JSON: JSON.stringify({ overlay: OVERLAY }), MIN_CONFS: '2', RECEIPT_TTL_SEC: '3600', RECEIPT_ACCESS_TTL_SEC: '3600' };
const ctx = testCtx(ANONYMOUS, 'req-confirm');
let arc: ArcServer;
const worlds: PayWorld[] = [];

beforeAll(async () => {
  arc = await startArcServer();
});
afterAll(async () => {
  for (const w of worlds) await w.close();
  await arc?.close();
});

async function world(env: Record<string, string> = {}) {
  const w = await payWorld({ ...ENV, ...env });
  worlds.push(w);
  const arcDeps = w.with({ broadcaster: createArcBroadcaster({ url: arc.url, apiKey: arc.apiKey, waitFor: 'SEEN_ON_NETWORK', timeoutMs: 5000 }) });
  return { w, deps: w.deps, arcDeps, chain: PayChain.onSql(w.sql) };
}

/** A receipt paid by a fresh transaction (through `d`'s broadcaster). */
async function paid(w: PayWorld, d: PayDeps) {
  const v = await seedVersion(w.sql);
  const r = await pay({ deps: d, ctx, input: { versionId: v.versionId, quantity: 1 } });
  const q = await quote({ deps: d, ctx, input: { receiptId: r.receiptId } });
  const p = await buildPayment(q.outputs);
  await submitPayment({ deps: d, ctx, input: { receiptId: r.receiptId, rawTxHex: p.ef } });
  return { receiptId: r.receiptId, pay: p, q };
}

const status = async (w: PayWorld, receiptId: string) => (await getReceipt(w.sql, receiptId))!.status;
const audit = (w: PayWorld, receiptId: string) =>
  w.sql.query(`SELECT actor, action, request_id, before->>'status' AS f FROM audit_log WHERE resource = $1 AND action <> 'payments.receipt.pending' ORDER BY id`, [
    `receipt:${receiptId}`,
  ]);

describe('attaching a proof', () => {
  let w: PayWorld;
  let deps: PayDeps;
  let chain: PayChain;
  beforeAll(async () => {
    ({ w, deps, chain } = await world());
  });

  it('no headers stored yet: unavailable, nothing stored', async () => {
    const { receiptId, pay: p } = await paid(w, deps);
    const env = { rawTx: p.rawTx, proof: { txid: p.txid, merkleRoot: 'aa'.repeat(32), path: [] }, block: { blockHash: 'bb'.repeat(32), blockHeight: 1 } };
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId, envelope: env } }))).toEqual({
      code: 'unavailable',
      message: 'No block headers are available to verify the proof against.',
      hint: 'headers-unavailable',
    });
    expect((await getPayment(w.sql, receiptId))!.proof).toBeNull();
    await chain.extend(2);
  });

  it('only a paid (or confirmed) receipt whose payment is the receipt\'s takes a proof', async () => {
    const envelope = { rawTx: '00', proof: {}, block: {} };
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId: `rcpt_${'0'.repeat(32)}`, envelope } }))).toEqual({
      code: 'not-found',
      message: 'No receipt has this id.',
      hint: 'receipt not found',
    });
    const v = await seedVersion(w.sql);
    const pending = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId: pending.receiptId, envelope } }))).toEqual({
      code: 'invalid-state',
      message: 'The receipt is pending; only a paid receipt takes a proof.',
      hint: 'status:pending',
    });
    // paid without any payment row, and paid by a txid other than its payment's
    const bare = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    await markPaid({ deps, ctx, input: { receiptId: bare.receiptId, txid: 'ab'.repeat(32), txStatus: 'X' } });
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId: bare.receiptId, envelope } }))).toMatchObject({ code: 'invalid-state', hint: 'status:paid' });
    const other = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const q = await quote({ deps, ctx, input: { receiptId: other.receiptId } });
    const tx = decodePaymentTx((await buildPayment(q.outputs)).rawTx);
    await claimPayment(w.sql, { receiptId: other.receiptId, txid: tx.txid, rawTx: tx.raw, broadcaster: 'dryrun', outputs: tx.outputs, feeSat: null, now: new Date(w.clock.now()) });
    await markPaid({ deps, ctx, input: { receiptId: other.receiptId, txid: 'cd'.repeat(32), txStatus: 'X' } });
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId: other.receiptId, envelope } }))).toMatchObject({ code: 'invalid-state', hint: 'status:paid' });
    // a paid receipt that has since expired (or been consumed) keeps its payment, but takes no proof
    const lapsed = await paid(w, deps);
    const consumed = await paid(w, deps);
    await transitionReceipt(w.sql, consumed.receiptId, { kind: 'consume' }, new Date(w.clock.now()), { actor: 'test' });
    await transitionReceipt(w.sql, lapsed.receiptId, { kind: 'expire' }, new Date(w.clock.now() + 3_600_000), { actor: 'test' });
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId: lapsed.receiptId, envelope } }))).toEqual({
      code: 'invalid-state',
      message: 'The receipt is expired; only a paid receipt takes a proof.',
      hint: 'status:expired',
    });
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId: consumed.receiptId, envelope } }))).toMatchObject({ code: 'invalid-state', hint: 'status:consumed' });
  });

  it('a path proof below MIN_CONFS is stored and leaves the receipt paid; one more block confirms it; again on confirmed changes no status', async () => {
    const { receiptId, pay: p } = await paid(w, deps);
    const { mined: [m] } = chain.mine([{ txid: p.txid, rawTx: p.rawTx }]);
    await chain.store();
    const one = await attachPaymentProof({ deps, ctx, input: { receiptId, envelope: m!.envelope } });
    expect(one).toEqual({ receiptId, status: 'paid', txid: p.txid, blockHash: m!.block.hash, blockHeight: m!.block.height, confirmations: 1 });
    const stored = (await getPayment(w.sql, receiptId))!;
    expect([stored.proof, stored.blockHash, stored.blockHeight]).toEqual([m!.envelope, m!.block.hash, m!.block.height]);
    expect(await status(w, receiptId)).toBe('paid');
    await chain.extend(1);
    const two = await attachPaymentProof({ deps, ctx, input: { receiptId, envelope: m!.envelope } });
    expect(two).toEqual({ ...one, status: 'confirmed', confirmations: 2 });
    const row = (await getReceipt(w.sql, receiptId))!;
    expect([row.status, row.confirmedAt?.getTime()]).toEqual(['confirmed', w.clock.now()]);
    expect(await audit(w, receiptId)).toEqual([
      { actor: 'anonymous', action: 'payments.receipt.paid', request_id: 'req-confirm', f: 'pending' },
      { actor: 'anonymous', action: 'payments.receipt.confirmed', request_id: 'req-confirm', f: 'paid' },
    ]);
    const three = await attachPaymentProof({ deps, ctx, input: { receiptId, envelope: m!.envelope } });
    expect(three).toEqual({ ...two });
    expect(await audit(w, receiptId)).toHaveLength(2);
  });

  it('a BUMP without rawTx uses the payment\'s own bytes; a BEEF is stored in the ordinary form', async () => {
    const a = await paid(w, deps);
    const b = await paid(w, deps);
    const { mined: [ma, mb] } = chain.mine([{ txid: a.pay.txid, rawTx: a.pay.rawTx }, { txid: b.pay.txid, rawTx: b.pay.rawTx }], 1);
    await chain.store();
    const bumpEnv = { txid: a.pay.txid, proof: { bump: ma!.bump }, block: { blockHash: ma!.block.hash, blockHeight: ma!.block.height } };
    const r = await attachPaymentProof({ deps, ctx, input: { receiptId: a.receiptId, envelope: bumpEnv } });
    expect([r.status, r.confirmations]).toEqual(['confirmed', 2]);
    expect((await getPayment(w.sql, a.receiptId))!.proof).toEqual({ ...bumpEnv, rawTx: a.pay.rawTx });

    b.pay.tx.merklePath = MerklePath.fromHex(mb!.bump);
    const beef = b.pay.tx.toHexBEEF();
    const rb = await attachPaymentProof({ deps, ctx, input: { receiptId: b.receiptId, envelope: { beef, txid: b.pay.txid } } });
    expect(rb).toEqual({ receiptId: b.receiptId, status: 'confirmed', txid: b.pay.txid, blockHash: mb!.block.hash, blockHeight: mb!.block.height, confirmations: 2 });
    expect((await getPayment(w.sql, b.receiptId))!.proof).toEqual({
      rawTx: b.pay.rawTx,
      txid: b.pay.txid,
      proof: { bump: mb!.bump },
      block: { blockHash: mb!.block.hash, blockHeight: mb!.block.height },
    });
    // the catalog's spelling of a BUMP proof (a string) is read too
    const c = await paid(w, deps);
    const { mined: [mc] } = chain.mine([{ txid: c.pay.txid, rawTx: c.pay.rawTx }], 1);
    await chain.store();
    const rc = await attachPaymentProof({ deps, ctx, input: { receiptId: c.receiptId, envelope: { rawTx: c.pay.rawTx, proof: mc!.bump, block: { blockHash: mc!.block.hash, blockHeight: mc!.block.height } } } });
    expect(rc.status).toBe('confirmed');
  });

  it('refusals: another transaction\'s proof, an unknown block, a block off the best chain, a BEEF that proves nothing', async () => {
    const { receiptId, pay: p } = await paid(w, deps);
    const decoy = makeTx('not the payment');
    const { mined: [m, d] } = chain.mine([{ txid: p.txid, rawTx: p.rawTx }, decoy], 1);
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId, envelope: m!.envelope } }))).toEqual({
      code: 'invalid-envelope',
      message: 'The SPV envelope does not verify (unknown-block-hash).',
      hint: 'unknown-block-hash',
    });
    await chain.store();
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId, envelope: d!.envelope } }))).toEqual({
      code: 'invalid-envelope',
      message: `The envelope proves transaction ${decoy.txid}, not this payment.`,
      hint: 'txid-mismatch-payment',
    });
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId, envelope: { ...m!.envelope, rawTx: 'zz' } } }))).toMatchObject({
      code: 'invalid-envelope',
      message: expect.stringMatching(/^The SPV envelope does not verify \(malformed-envelope: rawTx: .+\)\.$/),
      hint: 'malformed-envelope',
    });
    // a BEEF whose target has no BUMP (the payment's BEEF proves only its funding tx)
    expect(await refusal(attachPaymentProof({ deps, ctx, input: { receiptId, envelope: { beef: p.beef, txid: p.txid } } }))).toEqual({
      code: 'invalid-envelope',
      message: 'The SPV envelope does not verify (invalid-merkle-path: beef: the target carries no BUMP).',
      hint: 'invalid-merkle-path',
    });
    expect((await getPayment(w.sql, receiptId))!.proof).toBeNull();
    expect(await status(w, receiptId)).toBe('paid');
  });
});

describe('ARC statuses', () => {
  let w: PayWorld;
  let deps: PayDeps;
  let chain: PayChain;
  beforeAll(async () => {
    ({ w, deps, chain } = await world({ MIN_CONFS: '1' }));
    await chain.extend(2);
  });

  const st = (txid: string, o: Partial<{ txStatus: string; merklePath: string | null; blockHash: string | null; blockHeight: number | null }> = {}) => ({
    txid,
    txStatus: 'MINED',
    merklePath: null,
    blockHash: null,
    blockHeight: null,
    ...o,
  });
  const txStatusOf = async (receiptId: string) => (await getPayment(w.sql, receiptId))!.txStatus;

  it('an unknown transaction is not applied; a status without a path is recorded only', async () => {
    expect(await applyTxStatus({ deps, ctx, input: st('ef'.repeat(32)) })).toEqual({ applied: false, status: null, reason: 'unknown-payment' });
    const { receiptId, pay: p } = await paid(w, deps);
    w.clock.advance(1000);
    expect(await applyTxStatus({ deps, ctx, input: st(p.txid, { txStatus: 'SEEN_ON_NETWORK' }) })).toEqual({ applied: false, status: 'paid', reason: 'no-merkle-path' });
    const row = (await w.sql.query(`SELECT tx_status, updated_at FROM payments WHERE receipt_id = $1`, [receiptId]))[0];
    expect(row).toEqual({ tx_status: 'SEEN_ON_NETWORK', updated_at: new Date(w.clock.now()) });
    // a block without a merkle path proves nothing either
    expect(await applyTxStatus({ deps, ctx, input: st(p.txid, { blockHash: 'ab'.repeat(32), blockHeight: 1 }) })).toEqual({ applied: false, status: 'paid', reason: 'no-merkle-path' });
  });

  it('a MINED status with its block confirms; the stored proof is built from the payment\'s bytes and the BUMP', async () => {
    const { receiptId, pay: p } = await paid(w, deps);
    const { mined: [m] } = chain.mine([{ txid: p.txid, rawTx: p.rawTx }]);
    await chain.store();
    const r = await applyTxStatus({ deps, ctx, input: st(p.txid, { merklePath: m!.bump, blockHash: m!.block.hash, blockHeight: m!.block.height }) });
    expect(r).toEqual({ applied: true, status: 'confirmed' });
    const pm = (await getPayment(w.sql, receiptId))!;
    expect([pm.txStatus, pm.proof, pm.blockHash]).toEqual(['MINED', { rawTx: p.rawTx, txid: p.txid, proof: { bump: m!.bump }, block: { blockHash: m!.block.hash, blockHeight: m!.block.height } }, m!.block.hash]);
    expect(await status(w, receiptId)).toBe('confirmed');
  });

  it('without ARC\'s block (or with only its hash) the block is the best chain\'s at the BUMP\'s height; none there: block-unknown', async () => {
    const a = await paid(w, deps);
    const b = await paid(w, deps);
    const { mined: [ma, mb] } = chain.mine([{ txid: a.pay.txid, rawTx: a.pay.rawTx }, { txid: b.pay.txid, rawTx: b.pay.rawTx }]);
    // not stored yet: no header at that height
    expect(await applyTxStatus({ deps, ctx, input: st(a.pay.txid, { merklePath: ma!.bump }) })).toEqual({ applied: false, status: 'paid', reason: 'block-unknown' });
    await chain.store();
    expect(await applyTxStatus({ deps, ctx, input: st(a.pay.txid, { merklePath: ma!.bump }) })).toEqual({ applied: true, status: 'confirmed' });
    expect((await getPayment(w.sql, a.receiptId))!.proof).toMatchObject({ block: { blockHash: ma!.block.hash, blockHeight: ma!.block.height } });
    // a hash without a height is not used (the height comes from the BUMP)
    expect(await applyTxStatus({ deps, ctx, input: st(b.pay.txid, { merklePath: mb!.bump, blockHash: '00'.repeat(32) }) })).toEqual({ applied: true, status: 'confirmed' });
    // a path that does not prove the txid
    const c = await paid(w, deps);
    expect(await applyTxStatus({ deps, ctx, input: st(c.pay.txid, { merklePath: ma!.bump }) })).toEqual({ applied: false, status: 'paid', reason: 'block-unknown' });
  });

  it('a height without a hash is not used either: the block is the best chain\'s at the BUMP\'s height', async () => {
    const { pay: p } = await paid(w, deps);
    const { mined: [m] } = chain.mine([{ txid: p.txid, rawTx: p.rawTx }]);
    await chain.store();
    expect(await applyTxStatus({ deps, ctx, input: st(p.txid, { merklePath: m!.bump, blockHeight: m!.block.height }) })).toEqual({ applied: true, status: 'confirmed' });
  });

  it('a block ARC names that Strata does not know is not applied, with the verifier\'s reason; a failing database is thrown', async () => {
    const { receiptId, pay: p } = await paid(w, deps);
    const { mined: [m] } = chain.mine([{ txid: p.txid, rawTx: p.rawTx }]);
    const input = st(p.txid, { merklePath: m!.bump, blockHash: m!.block.hash, blockHeight: m!.block.height });
    expect(await applyTxStatus({ deps, ctx, input })).toEqual({ applied: false, status: 'paid', reason: 'unknown-block-hash' });
    expect(await txStatusOf(receiptId)).toBe('MINED');
    await chain.store();
    const failing = new Proxy(w.sql, {
      get(target, prop, recv) {
        if (prop === 'batch') return async () => Promise.reject(new Error('connection lost'));
        return Reflect.get(target, prop, recv);
      },
    }) as Sql;
    await expect(applyTxStatus({ deps: { ...deps, sql: failing }, ctx, input })).rejects.toThrow('connection lost');
    expect(await applyTxStatus({ deps, ctx, input })).toEqual({ applied: true, status: 'confirmed' });
  });

  it('headers unavailable: not applied, reason headers-unavailable', async () => {
    const fresh = await world({ MIN_CONFS: '1' });
    const { pay: p } = await paid(fresh.w, fresh.deps);
    const bump = PayChain.onSql(fresh.w.sql).mine([{ txid: p.txid, rawTx: p.rawTx }]).mined[0]!;
    const r = await applyTxStatus({ deps: fresh.deps, ctx, input: st(p.txid, { merklePath: bump.bump, blockHash: bump.block.hash, blockHeight: bump.block.height }) });
    expect(r).toEqual({ applied: false, status: 'paid', reason: 'headers-unavailable' });
  });
});

describe('the reconcile schedule', () => {
  const sched = testCtx({ kind: 'schedule', job: 'receipt-reconcile' }, 'run-1');
  const zero = { resent: 0, resentPaid: 0, resentReleased: 0, checked: 0, confirmed: 0, demoted: 0, expired: 0, failed: 0 };

  it('demotes a confirmed payment whose block left the best chain (proof cleared), then asks ARC; confirms a stored proof once deep enough; polls ARC for a paid one', async () => {
    const { w, arcDeps, chain } = await world();
    await chain.extend(2);
    const a = await paid(w, arcDeps);
    const b = await paid(w, arcDeps);
    const c = await paid(w, arcDeps);
    const { mined: [ma] } = chain.mine([{ txid: a.pay.txid, rawTx: a.pay.rawTx }], 1);
    await chain.store();
    expect((await attachPaymentProof({ deps: arcDeps, ctx, input: { receiptId: a.receiptId, envelope: ma!.envelope } })).status).toBe('confirmed');
    // a heavier branch from the block's parent drops a's block
    const parent = chain.best.find((h) => h.hash === ma!.block.prevHash)!;
    await chain.fork(parent, 3);
    // b is mined again on the new chain with one confirmation; c is MINED at ARC in the same block
    const { mined: [mb2, mc] } = chain.mine([{ txid: b.pay.txid, rawTx: b.pay.rawTx }, { txid: c.pay.txid, rawTx: c.pay.rawTx }]);
    await chain.store();
    expect((await attachPaymentProof({ deps: arcDeps, ctx, input: { receiptId: b.receiptId, envelope: mb2!.envelope } })).status).toBe('paid');
    await arc.mine(c.pay.txid, { blockHash: mc!.block.hash, blockHeight: mc!.block.height, merklePath: mc!.bump });
    w.clock.advance(1000);
    const polls = arc.requests.filter((q) => q.method === 'GET').map((q) => q.path);

    const sum = await reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} });
    // a: demoted and polled (ARC still says SEEN_ON_NETWORK); b: stored proof, 1 conf: stays paid; c: polled, MINED, 1 conf: stays paid
    expect(sum).toEqual({ ...zero, checked: 3, demoted: 1 });
    const pa = (await getPayment(w.sql, a.receiptId))!;
    expect([await status(w, a.receiptId), pa.proof, pa.blockHash, pa.blockHeight, pa.txStatus]).toEqual(['paid', null, null, null, 'SEEN_ON_NETWORK']);
    expect((await audit(w, a.receiptId)).at(-1)).toEqual({ actor: 'schedule:receipt-reconcile', action: 'payments.receipt.paid', request_id: 'run-1', f: 'confirmed' });
    const newPolls = arc.requests.filter((q) => q.method === 'GET').map((q) => q.path).slice(polls.length);
    expect(newPolls.sort()).toEqual([`/v1/tx/${a.pay.txid}`, `/v1/tx/${c.pay.txid}`].sort());
    // the paid ones are marked as looked at (a was confirmed when the run listed it)
    const checkedAt = async (id: string) => (await w.sql.query(`SELECT checked_at FROM payments WHERE receipt_id = $1`, [id]))[0]!.checked_at;
    expect([await checkedAt(a.receiptId), await checkedAt(b.receiptId), await checkedAt(c.receiptId)]).toEqual([null, new Date(w.clock.now()), new Date(w.clock.now())]);

    await chain.extend(1);
    const second = await reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} });
    // b's stored proof now has 2 confirmations, and so has the proof c's MINED status stored
    expect(second).toEqual({ ...zero, checked: 3, confirmed: 2 });
    expect([await status(w, b.receiptId), await status(w, c.receiptId), await status(w, a.receiptId)]).toEqual(['confirmed', 'confirmed', 'paid']);
    expect((await audit(w, b.receiptId)).at(-1)).toMatchObject({ actor: 'schedule:receipt-reconcile', action: 'payments.receipt.confirmed', request_id: 'run-1' });
    // confirmed ones with a good proof are only re-verified; a paid one the dryrun broadcaster cannot be asked about
    const third = await reconcileReceipts({ deps: w.deps, ctx: sched, input: {} });
    expect(third).toEqual({ ...zero, checked: 3 });
  });

  it('a paid receipt ARC reports MINED in a known block is confirmed by the poll', async () => {
    const { w, arcDeps, chain } = await world({ MIN_CONFS: '1' });
    await chain.extend(1);
    const a = await paid(w, arcDeps);
    const { mined: [m] } = chain.mine([{ txid: a.pay.txid, rawTx: a.pay.rawTx }]);
    await chain.store();
    await arc.mine(a.pay.txid, { blockHash: m!.block.hash, blockHeight: m!.block.height, merklePath: m!.bump });
    expect(await reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} })).toEqual({ ...zero, checked: 1, confirmed: 1 });
    expect(await status(w, a.receiptId)).toBe('confirmed');
  });

  it('two runs overlapping: a move the other run made first is not counted again', async () => {
    const { w, arcDeps, chain } = await world({ MIN_CONFS: '1', RECEIPT_TTL_SEC: '600' });
    await chain.extend(1);
    const other = () => reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} }).then(() => undefined);
    const racing = (re: RegExp) => ({ ...arcDeps, sql: afterQuery(w.sql, re, other) });
    // a stored proof, confirmed by the other run right after this one listed it
    const a = await paid(w, arcDeps);
    const { mined: [m] } = chain.mine([{ txid: a.pay.txid, rawTx: a.pay.rawTx }]);
    await chain.store();
    await w.sql.query(`UPDATE payments SET proof_json = $2::jsonb WHERE receipt_id = $1`, [a.receiptId, JSON.stringify(m!.envelope)]);
    expect(await reconcileReceipts({ deps: racing(/WHERE r.status = 'paid'/), ctx: sched, input: {} })).toEqual({ ...zero, checked: 1 });
    expect(await status(w, a.receiptId)).toBe('confirmed');
    // an open claim, paid by the other run's re-send first
    const v = await seedVersion(w.sql);
    const r = await pay({ deps: arcDeps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const q = await quote({ deps: arcDeps, ctx, input: { receiptId: r.receiptId } });
    const p = await buildPayment(q.outputs);
    arc.setDown(true);
    await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: r.receiptId, rawTxHex: p.ef } }));
    arc.setDown(false);
    w.clock.advance(61_000);
    expect(await reconcileReceipts({ deps: racing(/p.state = 'claimed'/), ctx: sched, input: {} })).toMatchObject({ resent: 1, resentPaid: 0 });
    expect(await status(w, r.receiptId)).toBe('paid');
    // a lapsed receipt, expired by the other run first
    const lapsing = await pay({ deps: arcDeps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    w.clock.advance(600_000);
    expect(await reconcileReceipts({ deps: racing(/ORDER BY r.expires_at/), ctx: sched, input: {} })).toMatchObject({ expired: 0 });
    expect(await status(w, lapsing.receiptId)).toBe('expired');
  });

  it('a paid receipt whose stored proof left the best chain has it cleared, is not counted as demoted, and is polled', async () => {
    const { w, arcDeps, chain } = await world();
    await chain.extend(1);
    const a = await paid(w, arcDeps);
    const { mined: [m] } = chain.mine([{ txid: a.pay.txid, rawTx: a.pay.rawTx }]);
    await chain.store();
    // one confirmation of MIN_CONFS 2: stored, still paid
    expect((await attachPaymentProof({ deps: arcDeps, ctx, input: { receiptId: a.receiptId, envelope: m!.envelope } })).status).toBe('paid');
    await chain.fork(chain.best.find((h) => h.hash === m!.block.prevHash)!, 2);
    const polls = arc.requests.length;
    expect(await reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} })).toEqual({ ...zero, checked: 1 });
    const pa = (await getPayment(w.sql, a.receiptId))!;
    expect([await status(w, a.receiptId), pa.proof, pa.blockHash, pa.blockHeight]).toEqual(['paid', null, null, null]);
    expect(arc.requests.slice(polls).map((q) => `${q.method} ${q.path}`)).toEqual([`GET /v1/tx/${a.pay.txid}`]);
    expect((await audit(w, a.receiptId)).map((x) => x.action)).toEqual(['payments.receipt.paid']);
  });

  it('a stored proof of another transaction demotes too; with the header store emptied nothing is demoted', async () => {
    const { w, deps, chain } = await world({ MIN_CONFS: '1' });
    await chain.extend(1);
    const a = await paid(w, deps);
    const b = await paid(w, deps);
    const { mined: [ma, mb] } = chain.mine([{ txid: a.pay.txid, rawTx: a.pay.rawTx }, { txid: b.pay.txid, rawTx: b.pay.rawTx }]);
    await chain.store();
    await attachPaymentProof({ deps, ctx, input: { receiptId: a.receiptId, envelope: ma!.envelope } });
    await attachPaymentProof({ deps, ctx, input: { receiptId: b.receiptId, envelope: mb!.envelope } });
    // a's stored proof is swapped for b's (valid, but of another transaction)
    await w.sql.query(`UPDATE payments SET proof_json = $2::jsonb WHERE receipt_id = $1`, [a.receiptId, JSON.stringify(mb!.envelope)]);
    expect(await reconcileReceipts({ deps, ctx: sched, input: {} })).toEqual({ ...zero, checked: 2, demoted: 1 });
    expect([await status(w, a.receiptId), await status(w, b.receiptId)]).toEqual(['paid', 'confirmed']);
    // the paid one (proof cleared) is left for ARC; the header store is emptied: the confirmed one cannot be checked and stays
    await w.sql.query('DELETE FROM block_headers');
    expect(await reconcileReceipts({ deps, ctx: sched, input: {} })).toEqual({ ...zero, checked: 2 });
    expect(await status(w, b.receiptId)).toBe('confirmed');
    expect((await getPayment(w.sql, b.receiptId))!.proof).not.toBeNull();
  });

  it(`confirmed payments ${REORG_DEPTH} blocks below the tip are no longer re-checked`, async () => {
    const { w, deps, chain } = await world({ MIN_CONFS: '1' });
    await chain.extend(1);
    const a = await paid(w, deps);
    const { mined: [m] } = chain.mine([{ txid: a.pay.txid, rawTx: a.pay.rawTx }]);
    await chain.store();
    await attachPaymentProof({ deps, ctx, input: { receiptId: a.receiptId, envelope: m!.envelope } });
    expect(REORG_DEPTH).toBe(288);
    await chain.extend(REORG_DEPTH - 1);
    expect((await reconcileReceipts({ deps, ctx: sched, input: {} })).checked).toBe(1);
    await chain.extend(1);
    expect((await reconcileReceipts({ deps, ctx: sched, input: {} })).checked).toBe(0);
  });

  it('a paid receipt ARC does not know is left alone; ARC down counts it failed and logs it; lapsed receipts expire', async () => {
    const { w, deps } = await world({ RECEIPT_TTL_SEC: '600' });
    const { log, lines } = memoryLog();
    const d = w.with({ broadcaster: createArcBroadcaster({ url: arc.url, apiKey: arc.apiKey, waitFor: 'SEEN_ON_NETWORK', timeoutMs: 5000 }), log });
    const unknownToArc = await paid(w, deps);
    expect(await reconcileReceipts({ deps: d, ctx: sched, input: {} })).toEqual({ ...zero, checked: 1 });
    arc.setDown(true);
    try {
      expect(await reconcileReceipts({ deps: d, ctx: sched, input: {} })).toEqual({ ...zero, checked: 1, failed: 1 });
    } finally {
      arc.setDown(false);
    }
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'receipt reconcile failed', receiptId: unknownToArc.receiptId, error: 'Error: ARC answered HTTP 503' })]);

    const v = await seedVersion(w.sql);
    const lapsing = await pay({ deps, ctx, input: { versionId: v.versionId, quantity: 1 } });
    const t0 = w.clock.now();
    w.clock.set(t0 + 599_999);
    expect((await reconcileReceipts({ deps, ctx: sched, input: {} })).expired).toBe(0);
    w.clock.set(t0 + 600_000);
    expect((await reconcileReceipts({ deps, ctx: sched, input: {} })).expired).toBe(1);
    expect(await status(w, lapsing.receiptId)).toBe('expired');
    expect((await audit(w, lapsing.receiptId)).at(-1)).toMatchObject({ actor: 'schedule:receipt-reconcile', action: 'payments.receipt.expired' });
  });

  it('re-sends claims older than a minute (not at exactly a minute): accepted → paid, refused → freed, unreachable → kept', async () => {
    const { w, arcDeps } = await world();
    const claim = async () => {
      const v = await seedVersion(w.sql);
      const r = await pay({ deps: arcDeps, ctx, input: { versionId: v.versionId, quantity: 1 } });
      const q = await quote({ deps: arcDeps, ctx, input: { receiptId: r.receiptId } });
      const p = await buildPayment(q.outputs);
      return { receiptId: r.receiptId, pay: p };
    };
    const a = await claim();
    const b = await claim();
    arc.setDown(true);
    await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: a.receiptId, rawTxHex: a.pay.ef } }));
    arc.setDown(false);
    // b's claim carries no submitted bytes (claimed before they were kept): its raw bytes are re-sent
    const tb = decodePaymentTx(b.pay.rawTx);
    await claimPayment(w.sql, { receiptId: b.receiptId, txid: tb.txid, rawTx: tb.raw, broadcaster: 'arc', outputs: tb.outputs, feeSat: null, now: new Date(w.clock.now()) });
    const t0 = w.clock.now();
    w.clock.set(t0 + 60_000);
    expect(await reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} })).toEqual(zero);
    w.clock.set(t0 + 60_001);
    expect(await reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} })).toEqual({ ...zero, resent: 2, resentPaid: 2 });
    expect([arc.txs.get(a.pay.txid)?.rawTx, arc.txs.get(b.pay.txid)?.rawTx]).toEqual([a.pay.ef, b.pay.rawTx]);
    expect([await status(w, a.receiptId), await status(w, b.receiptId)]).toEqual(['paid', 'paid']);
    expect((await getPayment(w.sql, a.receiptId))!.txStatus).toBe('SEEN_ON_NETWORK');
    expect((await audit(w, a.receiptId)).at(-1)).toMatchObject({ actor: 'schedule:receipt-reconcile', action: 'payments.receipt.paid', request_id: 'run-1' });

    const c = await claim();
    const d = await claim();
    arc.setDown(true);
    await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: c.receiptId, rawTxHex: c.pay.ef } }));
    await refusal(submitPayment({ deps: arcDeps, ctx, input: { receiptId: d.receiptId, rawTxHex: d.pay.ef } }));
    w.clock.advance(61_000);
    // still unreachable: both kept, counted as re-sent only
    expect(await reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} })).toEqual({ ...zero, checked: 2, failed: 2, resent: 2 });
    arc.setDown(false);
    expect((await getPayment(w.sql, c.receiptId))!.state).toBe('claimed');
    arc.failNext(466);
    const sum = await reconcileReceipts({ deps: arcDeps, ctx: sched, input: {} });
    expect(sum).toMatchObject({ resent: 2, resentPaid: 1, resentReleased: 1 });
    const states = [await status(w, c.receiptId), await status(w, d.receiptId)].sort();
    expect(states).toEqual(['paid', 'pending']);
    const freed = (await status(w, c.receiptId)) === 'pending' ? c : d;
    expect(await getPayment(w.sql, freed.receiptId)).toBeNull();
  });
});
