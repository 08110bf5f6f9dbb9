/**
 * Payments through ARC: the ARC adapter against a local server speaking ARC's protocol
 * (test/support/arc-server.ts). What is sent (bearer key, callback URL and token, X-WaitFor),
 * 46x refusals mapped to problems (the claim freed), ARC unreachable (the claim kept for the
 * same tx), the MINED callback confirming a payment (and refused without the token), and the
 * receipt-reconcile schedule asking ARC for the merkle path of paid receipts.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runScheduledJobs } from '@strata/core/jobs/schedule';
import { manualClock } from '@strata/core/ports/clock';
import { embeddedDeps, type TestStack } from '../support/deps';
import { startArcServer, type ArcServer } from '../support/arc-server';
import { buildPayment, call, payChainOf, type PayChain, publishFor } from '../support/payments-world';

const CALLBACK_TOKEN = 'arc-callback-token-0123456789';
const OVERLAY = `76a914${'0e'.repeat(20)}88ac`;
const clock = manualClock(Date.now());
let stack: TestStack;
let arc: ArcServer;
let chain: PayChain;
const producer = PrivateKey.fromRandom();

beforeAll(async () => {
  // ARC's callbacks go into this process's app, as they would reach the deployed API
  arc = await startArcServer({ deliver: (url, init) => stack.app.request(new URL(url).pathname, init) });
  stack = await embeddedDeps({
    RATE_LIMIT_PER_MIN: '0',
    PAY_SCRIPTS_JSON: JSON.stringify({ overlay: OVERLAY }),
    ARC_URL: arc.url,
    ARC_API_KEY: arc.apiKey,
    ARC_CALLBACK_TOKEN: CALLBACK_TOKEN,
    PUBLIC_BASE_URL: 'http://strata.test',
  }, { clock });
  chain = payChainOf(stack);
  await chain.extend(2);
});
afterAll(async () => {
  await stack?.close();
  await arc?.close();
});

async function quoted() {
  const pub = await publishFor(stack, producer);
  const receipt = (await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 1 } })).body;
  const quote = (await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } })).body;
  return { receipt, quote };
}
const submit = (receiptId: string, rawTxHex: string) => call(stack, 'POST', '/payments/submit', { body: { receiptId, rawTxHex } });
const status = async (receiptId: string) => (await call(stack, 'GET', `/receipt?receiptId=${receiptId}`)).body.status;

describe('payments through ARC', () => {
  it('broadcasts with the bearer key, callback URL and token and X-WaitFor; the receipt is paid', async () => {
    const { receipt, quote } = await quoted();
    const pay = await buildPayment(quote.outputs);
    const r = await submit(receipt.receiptId, pay.ef);
    expect(r.body).toEqual({ status: 'accepted', txid: pay.txid, receiptId: receipt.receiptId, receiptStatus: 'paid', broadcast: { mode: 'arc', txStatus: 'SEEN_ON_NETWORK' } });
    const sent = arc.requests.filter((q) => q.method === 'POST' && q.path === '/v1/tx').at(-1)!;
    expect(sent.headers).toEqual({
      authorization: `Bearer ${arc.apiKey}`,
      'x-callbackurl': 'http://strata.test/payments/arc-callback',
      'x-callbacktoken': CALLBACK_TOKEN,
      'x-waitfor': 'SEEN_ON_NETWORK',
      'content-type': 'application/json',
    });
    expect(arc.txs.get(pay.txid)?.rawTx).toBe(pay.ef);
  });

  it('a 46x refusal is a clear 422 problem and frees the receipt for a corrected transaction', async () => {
    const { receipt, quote } = await quoted();
    const cheap = await buildPayment(quote.outputs);
    for (const [code, hint] of [
      [465, 'arc-465:fee-too-low'],
      [466, 'arc-466:conflicting-transaction'],
      [460, 'arc-460:not-extended-format'],
    ] as const) {
      arc.failNext(code);
      const r = await submit(receipt.receiptId, cheap.rawTx);
      expect([r.status, r.body.error, r.body.hint]).toEqual([422, 'broadcast-rejected', hint]);
      expect(await status(receipt.receiptId)).toBe('pending');
    }
    const rows = await stack.deps.sql.query('SELECT count(*)::int AS n FROM payments WHERE receipt_id = $1', [receipt.receiptId]);
    expect(rows[0]!.n).toBe(0);
    const fixed = await buildPayment(quote.outputs);
    expect((await submit(receipt.receiptId, fixed.ef)).body.receiptStatus).toBe('paid');
  });

  it('ARC unreachable: 503, the claim is kept; another tx is 409, the same tx succeeds once ARC is back', async () => {
    const { receipt, quote } = await quoted();
    const pay = await buildPayment(quote.outputs);
    arc.setDown(true);
    const down = await submit(receipt.receiptId, pay.ef);
    expect([down.status, down.body.error, down.body.hint]).toEqual([503, 'unavailable', 'broadcaster-unavailable']);
    arc.setDown(false);
    expect(await status(receipt.receiptId)).toBe('pending');
    const other = await buildPayment(quote.outputs);
    expect((await submit(receipt.receiptId, other.ef)).status).toBe(409);
    const retry = await submit(receipt.receiptId, pay.ef);
    expect([retry.status, retry.body.receiptStatus]).toEqual([200, 'paid']);
  });

  it("ARC's MINED callback confirms the payment; a callback without the token is 401", async () => {
    const { receipt, quote } = await quoted();
    const pay = await buildPayment(quote.outputs);
    await submit(receipt.receiptId, pay.ef);
    const { mined: [m] } = chain.mine([{ txid: pay.txid, rawTx: pay.rawTx }]);
    await chain.store();
    const forged = await call(stack, 'POST', '/payments/arc-callback', {
      headers: { authorization: 'Bearer wrong-token-0123456789' },
      body: { txid: pay.txid, txStatus: 'MINED', blockHash: m!.block.hash, blockHeight: m!.block.height, merklePath: m!.bump },
    });
    expect(forged.status).toBe(401);
    expect(await status(receipt.receiptId)).toBe('paid');
    const cb = await arc.mine(pay.txid, { blockHash: m!.block.hash, blockHeight: m!.block.height, merklePath: m!.bump });
    expect(cb.callbackStatus).toBe(200);
    expect(await status(receipt.receiptId)).toBe('confirmed');
    const detail = (await call(stack, 'GET', `/payments/${receipt.receiptId}`)).body.receipt.payment;
    expect(detail).toMatchObject({ txStatus: 'MINED', blockHash: m!.block.hash, broadcaster: 'arc' });
  });

  it('receipt-reconcile asks ARC for paid receipts and confirms once the block is in the header store', async () => {
    const { receipt, quote } = await quoted();
    const pay = await buildPayment(quote.outputs);
    await submit(receipt.receiptId, pay.ef);
    const { mined: [m] } = chain.mine([{ txid: pay.txid, rawTx: pay.rawTx }]);
    // ARC reports the block before Strata has its header: the callback cannot confirm yet
    await arc.mine(pay.txid, { blockHash: m!.block.hash, blockHeight: m!.block.height, merklePath: m!.bump });
    expect(await status(receipt.receiptId)).toBe('paid');
    await chain.store();
    const polls = arc.requests.filter((q) => q.method === 'GET').length;
    const [run] = await runScheduledJobs(stack.deps, ['receipt-reconcile']);
    expect(run).toMatchObject({ status: 'ok', result: { confirmed: 1, failed: 0 } });
    expect(arc.requests.filter((q) => q.method === 'GET' && q.path === `/v1/tx/${pay.txid}`).length).toBeGreaterThan(0);
    expect(arc.requests.filter((q) => q.method === 'GET').length).toBeGreaterThan(polls);
    expect(await status(receipt.receiptId)).toBe('confirmed');
  });

  it('receipt-reconcile re-sends claims whose broadcast outcome was never learned: accepted → paid, refused → freed', async () => {
    const a = await quoted();
    const b = await quoted();
    const payA = await buildPayment(a.quote.outputs);
    const payB = await buildPayment(b.quote.outputs);
    arc.setDown(true);
    expect((await submit(a.receipt.receiptId, payA.ef)).status).toBe(503);
    expect((await submit(b.receipt.receiptId, payB.ef)).status).toBe(503);
    arc.setDown(false);
    // a claim younger than a minute may still have its request in flight: left alone
    const [young] = await runScheduledJobs(stack.deps, ['receipt-reconcile']);
    expect(young).toMatchObject({ status: 'ok', result: { resent: 0 } });
    clock.advance(61_000);
    const [run] = await runScheduledJobs(stack.deps, ['receipt-reconcile']);
    expect(run).toMatchObject({ status: 'ok', result: { resent: 2, resentPaid: 2, resentReleased: 0 } });
    expect(await status(a.receipt.receiptId)).toBe('paid');
    expect(await status(b.receipt.receiptId)).toBe('paid');
    expect(arc.txs.get(payA.txid)?.rawTx).toBe(payA.ef);

    const c = await quoted();
    const payC = await buildPayment(c.quote.outputs);
    arc.setDown(true);
    expect((await submit(c.receipt.receiptId, payC.ef)).status).toBe(503);
    arc.setDown(false);
    clock.advance(61_000);
    arc.failNext(466);
    const [refused] = await runScheduledJobs(stack.deps, ['receipt-reconcile']);
    expect(refused).toMatchObject({ status: 'ok', result: { resent: 1, resentPaid: 0, resentReleased: 1 } });
    expect(await status(c.receipt.receiptId)).toBe('pending');
    const rows = await stack.deps.sql.query('SELECT count(*)::int AS n FROM payments WHERE receipt_id = $1', [c.receipt.receiptId]);
    expect(rows[0]!.n).toBe(0);
  });
});
