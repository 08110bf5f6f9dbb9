/**
 * The payments API on the embedded default (PGlite + memory Kv, dryrun broadcaster): prices and
 * their precedence and cache, receipts, deterministic quotes, submitting raw / EF / BEEF payments
 * built with @bsv/sdk, the seed's error codes, SPV confirmation against the header store and a
 * reorg demoting it. Time is a manual clock, so expiry is tested without waiting.
 */
import { createHash } from 'node:crypto';
import { PrivateKey } from '@bsv/sdk';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '@strata/core/ports/clock';
import { runScheduledJobs } from '@strata/core/jobs/schedule';
import { makeTx } from '../support/chain';
import { embeddedDeps, type TestStack } from '../support/deps';
import { buildPayment, call, payChainOf, publishFor, signedPost, type PayChain } from '../support/payments-world';

const OVERLAY = `76a914${'0f'.repeat(20)}88ac`;
const clock = manualClock(Date.UTC(2026, 11, 1));
let stack: TestStack;
let chain: PayChain;
beforeAll(async () => {
  stack = await embeddedDeps(
    { RATE_LIMIT_PER_MIN: '0', PAY_SCRIPTS_JSON: JSON.stringify({ overlay: OVERLAY }), QUOTE_TTL_SEC: '120', RECEIPT_TTL_SEC: '1800' },
    { clock },
  );
  chain = payChainOf(stack);
});
afterAll(async () => stack?.close());

const producer = PrivateKey.fromRandom();
const producerScript = () => {
  const h160 = createHash('ripemd160').update(createHash('sha256').update(Buffer.from(producer.toPublicKey().toString(), 'hex')).digest()).digest('hex');
  return `76a914${h160}88ac`;
};

/** The RFC 8785 text of {versionId, amountSat, outputs}: keys sorted, no spaces (all values here are plain). */
function canonicalHash(versionId: string, amountSat: number, outputs: Array<{ scriptHex: string; satoshis: number }>): string {
  const text = `{"amountSat":${amountSat},"outputs":[${outputs.map((o) => `{"satoshis":${o.satoshis},"scriptHex":"${o.scriptHex}"}`).join(',')}],"versionId":"${versionId}"}`;
  return createHash('sha256').update(text).digest('hex');
}

async function receiptFor(versionId: string, quantity = 1) {
  const r = await call(stack, 'POST', '/pay', { body: { versionId, quantity } });
  expect(r.status).toBe(200);
  return r.body as { receiptId: string; amountSat: number; status: string; expiresAt: number };
}

async function quoted(versionId: string, quantity = 1) {
  const receipt = await receiptFor(versionId, quantity);
  const q = await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } });
  expect(q.status).toBe(200);
  return { receipt, quote: q.body as { outputs: Array<{ scriptHex: string; satoshis: number }>; templateHash: string; expiresAt: number; amountSat: number } };
}

describe('prices', () => {
  it('GET /price: the default for a fresh version, then a cache hit; 400 bad id, 404 unknown', async () => {
    const pub = await publishFor(stack, producer);
    const first = await call(stack, 'GET', `/price?versionId=${pub.versionId.toUpperCase()}`);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ versionId: pub.versionId, contentHash: pub.parsed.content.contentHash, satoshis: 5000, expiresAt: Math.floor(clock.now() / 1000) + 1800 });
    expect(first.headers.get('x-cache')).toBe('miss');
    await stack.settle();
    expect((await call(stack, 'GET', `/price?versionId=${pub.versionId}`)).headers.get('x-cache')).toBe('hit');
    const bad = await call(stack, 'GET', '/price?versionId=xyz');
    expect([bad.status, bad.body.issues[0].path]).toEqual([400, 'query.versionId']);
    const unknown = await call(stack, 'GET', `/price?versionId=${'ab'.repeat(32)}`);
    expect([unknown.status, unknown.body.error, unknown.body.hint]).toEqual([404, 'not-found', 'manifest missing']);
  });

  it('POST /price by the producer changes the price at once (the outbox invalidates the cached one)', async () => {
    const pub = await publishFor(stack, producer);
    await call(stack, 'GET', `/price?versionId=${pub.versionId}`);
    await stack.settle();
    const set = await signedPost(stack, producer, '/price', { versionId: pub.versionId, satoshis: 1234 });
    expect([set.status, set.body]).toEqual([200, { status: 'ok' }]);
    const after = await call(stack, 'GET', `/price?versionId=${pub.versionId}`);
    expect([after.body.satoshis, after.headers.get('x-cache')]).toEqual([1234, 'miss']);
    const audit = await stack.deps.sql.query(`SELECT actor, action FROM audit_log WHERE resource = $1 AND action LIKE 'payments.%'`, [`version:${pub.versionId}`]);
    expect(audit).toEqual([{ actor: `identity:${producer.toPublicKey().toString()}`, action: 'payments.price.set' }]);
  });

  it('only the producer may price a version; unsigned is 401; amounts are positive integers below 2^53', async () => {
    const pub = await publishFor(stack, producer);
    const other = await signedPost(stack, PrivateKey.fromRandom(), '/price', { versionId: pub.versionId, satoshis: 1 });
    expect([other.status, other.body.error, other.body.hint]).toEqual([403, 'forbidden', 'not-the-producer']);
    const unsigned = await call(stack, 'POST', '/price', { body: { versionId: pub.versionId, satoshis: 1 } });
    expect(unsigned.status).toBe(401);
    for (const satoshis of [0, -5, 1.5, 2 ** 53, '100']) {
      const r = await signedPost(stack, producer, '/price', { versionId: pub.versionId, satoshis });
      expect([r.status, r.body.issues?.[0]?.path]).toEqual([400, 'body.satoshis']);
    }
    const max = await signedPost(stack, producer, '/price', { versionId: pub.versionId, satoshis: 2 ** 53 - 1 });
    expect(max.status).toBe(200);
    expect((await call(stack, 'GET', `/price?versionId=${pub.versionId}`)).body.satoshis).toBe(2 ** 53 - 1);
    const unknown = await signedPost(stack, producer, '/price', { versionId: 'cd'.repeat(32), satoshis: 5 });
    expect(unknown.status).toBe(404);
  });

  it('precedence: version rule > version override > producer rule > default', async () => {
    const owner = PrivateKey.fromRandom();
    const pub = await publishFor(stack, owner);
    const price = async () => (await call(stack, 'GET', `/price?versionId=${pub.versionId}`)).body.satoshis;
    expect(await price()).toBe(5000);
    expect((await signedPost(stack, owner, '/price/rules', { scope: 'producer', satoshis: 300 })).status).toBe(200);
    expect(await price()).toBe(300);
    expect((await signedPost(stack, owner, '/price', { versionId: pub.versionId, satoshis: 200 })).status).toBe(200);
    expect(await price()).toBe(200);
    expect((await signedPost(stack, owner, '/price/rules', { scope: 'version', versionId: pub.versionId, satoshis: 100 })).status).toBe(200);
    expect(await price()).toBe(100);
    // a producer rule now changes nothing visible, but is stored
    expect((await signedPost(stack, owner, '/price/rules', { scope: 'producer', satoshis: 999 })).status).toBe(200);
    expect(await price()).toBe(100);
    const rules = await stack.deps.sql.query(`SELECT scope, satoshis::int AS s FROM price_rules WHERE set_by = $1 ORDER BY scope`, [`identity:${owner.toPublicKey().toString()}`]);
    expect(rules).toEqual([{ scope: 'producer', s: 999 }, { scope: 'version', s: 100 }]);
  });
});

describe('receipts and quotes', () => {
  it('POST /pay creates a pending receipt at the current price; GET /receipt and /payments/:id read it', async () => {
    const pub = await publishFor(stack, producer);
    await signedPost(stack, producer, '/price', { versionId: pub.versionId, satoshis: 700 });
    const r = await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 3 } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      versionId: pub.versionId,
      contentHash: pub.parsed.content.contentHash,
      quantity: 3,
      amountSat: 2100,
      status: 'pending',
      createdAt: new Date(clock.now()).toISOString(),
      expiresAt: Math.floor(clock.now() / 1000) + 1800,
      bytesLimit: 3 * 1024,
      bytesUsed: 0,
    });
    expect(r.body.receiptId).toMatch(/^rcpt_[0-9a-f]{32}$/);
    expect((await call(stack, 'GET', `/receipt?receiptId=${r.body.receiptId}`)).body).toEqual(r.body);
    const detail = await call(stack, 'GET', `/payments/${r.body.receiptId}`);
    expect(detail.body.receipt).toMatchObject({ receiptId: r.body.receiptId, unitPriceSat: 700, quote: null, payment: null });
  });

  it('bad input: quantity, versionId, receiptId; unknown version and receipt', async () => {
    const pub = await publishFor(stack, producer);
    for (const quantity of [0, -1, 1.5, '2', 1_000_001]) {
      const r = await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity } });
      expect([r.status, r.body.issues?.[0]?.path]).toEqual([400, 'body.quantity']);
    }
    expect((await call(stack, 'POST', '/pay', { body: { versionId: 'nothex', quantity: 1 } })).status).toBe(400);
    expect((await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 1, extra: 1 } })).status).toBe(400);
    expect((await call(stack, 'POST', '/pay', { body: { versionId: 'ee'.repeat(32), quantity: 1 } })).status).toBe(404);
    expect((await call(stack, 'GET', '/receipt?receiptId=rcpt_1234')).status).toBe(400);
    expect((await call(stack, 'GET', `/receipt?receiptId=rcpt_${'0'.repeat(32)}`)).status).toBe(404);
    expect((await call(stack, 'POST', '/payments/quote', { body: { receiptId: `rcpt_${'1'.repeat(32)}` } })).status).toBe(404);
  });

  it('a quote is deterministic: splits floored, remainder to the producer, sorted, canonical hash; the same until it expires', async () => {
    const pub = await publishFor(stack, producer);
    await signedPost(stack, producer, '/price', { versionId: pub.versionId, satoshis: 1999 });
    const { receipt, quote } = await quoted(pub.versionId);
    const overlaySat = Math.floor(1999 * 0.05);
    const expected = [
      { scriptHex: OVERLAY, satoshis: overlaySat },
      { scriptHex: producerScript(), satoshis: 1999 - overlaySat },
    ].sort((a, b) => (a.scriptHex < b.scriptHex ? -1 : 1));
    expect(quote).toEqual({
      receiptId: receipt.receiptId,
      versionId: pub.versionId,
      amountSat: 1999,
      outputs: expected,
      feeRateHint: null,
      expiresAt: Math.floor(clock.now() / 1000) + 120,
      templateHash: canonicalHash(pub.versionId, 1999, expected),
    });
    const again = await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } });
    expect(again.body).toEqual(quote);
    clock.advance(121_000);
    const renewed = await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } });
    expect(renewed.body).toEqual({ ...quote, expiresAt: Math.floor(clock.now() / 1000) + 120 });
  });

  it('a registered payout script replaces the P2PKH of the producer key', async () => {
    const owner = PrivateKey.fromRandom();
    const payout = `76a914${'77'.repeat(20)}88ac`;
    expect((await signedPost(stack, owner, '/producers/register', { payoutScriptHex: payout })).status).toBe(200);
    const pub = await publishFor(stack, owner);
    const { quote } = await quoted(pub.versionId);
    expect(quote.outputs.map((o) => o.scriptHex).sort()).toEqual([OVERLAY, payout].sort());
  });

  it('an expired receipt reads as expired and cannot be quoted', async () => {
    const pub = await publishFor(stack, producer);
    const receipt = await receiptFor(pub.versionId);
    clock.advance(1800_000);
    const r = await call(stack, 'GET', `/receipt?receiptId=${receipt.receiptId}`);
    expect(r.body.status).toBe('expired');
    const q = await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } });
    expect([q.status, q.body.error, q.body.hint]).toEqual([409, 'invalid-state', 'status:expired']);
  });
});

describe('submitting payments (dryrun)', () => {
  it('a raw payment moves the receipt to paid; the same tx again is idempotent, another tx is 409', async () => {
    const pub = await publishFor(stack, producer);
    const { receipt, quote } = await quoted(pub.versionId, 2);
    const pay = await buildPayment(quote.outputs);
    const r = await call(stack, 'POST', '/payments/submit', { body: { receiptId: receipt.receiptId, rawTxHex: pay.rawTx } });
    expect([r.status, r.body]).toEqual([200, { status: 'accepted', txid: pay.txid, receiptId: receipt.receiptId, receiptStatus: 'paid', broadcast: { mode: 'dryrun', txStatus: 'DRYRUN' } }]);
    const again = await call(stack, 'POST', '/payments/submit', { body: { receiptId: receipt.receiptId, rawTxHex: pay.rawTx.toUpperCase() } });
    expect([again.status, again.body.note, again.body.txid]).toEqual([200, 'idempotent-return', pay.txid]);
    const other = await buildPayment(quote.outputs);
    const conflict = await call(stack, 'POST', '/payments/submit', { body: { receiptId: receipt.receiptId, rawTxHex: other.rawTx } });
    expect([conflict.status, conflict.body.error, conflict.body.hint]).toEqual([409, 'conflict', 'receipt-already-paid']);
    const detail = (await call(stack, 'GET', `/payments/${receipt.receiptId}`)).body.receipt;
    expect(detail).toMatchObject({ status: 'paid', payment: { txid: pay.txid, broadcaster: 'dryrun', feeSat: null, confirmedAt: null } });
    expect(detail.payment.outputs).toEqual(pay.tx.outputs.map((o) => ({ scriptHex: o.lockingScript!.toHex(), satoshis: o.satoshis })));
    const audit = await stack.deps.sql.query(`SELECT action, before, after FROM audit_log WHERE resource = $1 ORDER BY id`, [`receipt:${receipt.receiptId}`]);
    expect(audit.map((a) => a.action)).toEqual(['payments.receipt.pending', 'payments.receipt.paid']);
  });

  it('Extended Format (with the fee it reveals) and BEEF are accepted; the txid is sha256d of the plain tx', async () => {
    const pub = await publishFor(stack, producer);
    const a = await quoted(pub.versionId);
    const efPay = await buildPayment(a.quote.outputs);
    const ef = await call(stack, 'POST', '/payments/submit', { body: { receiptId: a.receipt.receiptId, rawTxHex: efPay.ef } });
    expect([ef.status, ef.body.txid]).toEqual([200, efPay.txid]);
    const plain = Buffer.from(efPay.rawTx, 'hex');
    const sha256d = createHash('sha256').update(createHash('sha256').update(plain).digest()).digest().reverse().toString('hex');
    expect(sha256d).toBe(efPay.txid);
    const fee = (await call(stack, 'GET', `/payments/${a.receipt.receiptId}`)).body.receipt.payment.feeSat;
    expect(fee).toBe(a.quote.amountSat + 10_000 - a.quote.amountSat - 9_000);
    const b = await quoted(pub.versionId);
    const beefPay = await buildPayment(b.quote.outputs);
    const beef = await call(stack, 'POST', '/payments/submit', { body: { receiptId: b.receipt.receiptId, rawTxHex: beefPay.beef } });
    expect([beef.status, beef.body.txid, beef.body.receiptStatus]).toEqual([200, beefPay.txid, 'paid']);
  });

  it('409 template-mismatch for a short, missing or mis-addressed output; the receipt stays pending', async () => {
    const pub = await publishFor(stack, producer);
    const { receipt, quote } = await quoted(pub.versionId);
    const cases = [
      await buildPayment(quote.outputs, (o, i) => (i === 0 ? { ...o, satoshis: o.satoshis - 1 } : o)),
      await buildPayment(quote.outputs.slice(1)),
      await buildPayment(quote.outputs, (o, i) => (i === 1 ? { ...o, scriptHex: `76a914${'aa'.repeat(20)}88ac` } : o)),
    ];
    for (const p of cases) {
      const r = await call(stack, 'POST', '/payments/submit', { body: { receiptId: receipt.receiptId, rawTxHex: p.rawTx } });
      expect([r.status, r.body.error]).toEqual([409, 'template-mismatch']);
    }
    // paying more than asked is fine
    const generous = await buildPayment(quote.outputs, (o) => ({ ...o, satoshis: o.satoshis + 5 }));
    expect((await call(stack, 'GET', `/receipt?receiptId=${receipt.receiptId}`)).body.status).toBe('pending');
    expect((await call(stack, 'POST', '/payments/submit', { body: { receiptId: receipt.receiptId, rawTxHex: generous.rawTx } })).status).toBe(200);
  });

  it('410 quote-expired; 409 invalid-state without a quote; 400 for input that is not a transaction', async () => {
    const pub = await publishFor(stack, producer);
    const { receipt, quote } = await quoted(pub.versionId);
    const pay = await buildPayment(quote.outputs);
    clock.advance(121_000);
    const late = await call(stack, 'POST', '/payments/submit', { body: { receiptId: receipt.receiptId, rawTxHex: pay.rawTx } });
    expect([late.status, late.body.error]).toEqual([410, 'quote-expired']);
    const fresh = await receiptFor(pub.versionId);
    const noQuote = await call(stack, 'POST', '/payments/submit', { body: { receiptId: fresh.receiptId, rawTxHex: pay.rawTx } });
    expect([noQuote.status, noQuote.body.error, noQuote.body.hint]).toEqual([409, 'invalid-state', 'no-quote']);
    for (const rawTxHex of ['zz'.repeat(40), '00'.repeat(40), pay.rawTx.slice(0, -2), `${pay.rawTx}00`, '0100beef' + '00'.repeat(30), 'abc']) {
      const r = await call(stack, 'POST', '/payments/submit', { body: { receiptId: fresh.receiptId, rawTxHex } });
      expect(r.status).toBe(400);
    }
    expect((await call(stack, 'POST', '/payments/submit', { body: { receiptId: 'rcpt_x', rawTxHex: pay.rawTx } })).status).toBe(400);
    expect((await call(stack, 'POST', '/payments/submit', { body: { receiptId: fresh.receiptId } })).status).toBe(400);
  });
});

describe('confirmation by SPV', () => {
  it('a proof in a mined block confirms the payment; a reorg dropping the block demotes it; a re-mine confirms again', async () => {
    const pub = await publishFor(stack, producer);
    const { receipt, quote } = await quoted(pub.versionId);
    const pay = await buildPayment(quote.outputs);
    expect((await call(stack, 'POST', '/payments/submit', { body: { receiptId: receipt.receiptId, rawTxHex: pay.rawTx } })).status).toBe(200);

    await chain.extend(2);
    const decoy = makeTx('not the payment');
    const { mined: [m, d] } = chain.mine([{ txid: pay.txid, rawTx: pay.rawTx }, decoy], 1);
    // the proof's block is not known yet: refused, nothing changes
    const early = await call(stack, 'POST', `/payments/${receipt.receiptId}/proof`, { body: { envelope: m!.envelope } });
    expect([early.status, early.body.error, early.body.hint]).toEqual([409, 'invalid-envelope', 'unknown-block-hash']);
    await chain.store();
    // a valid proof of another transaction is refused
    const wrong = await call(stack, 'POST', `/payments/${receipt.receiptId}/proof`, { body: { envelope: d!.envelope } });
    expect([wrong.status, wrong.body.hint]).toEqual([409, 'txid-mismatch-payment']);
    expect((await call(stack, 'GET', `/receipt?receiptId=${receipt.receiptId}`)).body.status).toBe('paid');
    const proof = await call(stack, 'POST', `/payments/${receipt.receiptId}/proof`, { body: { envelope: m!.envelope } });
    expect(proof.status).toBe(200);
    expect(proof.body).toEqual({ receiptId: receipt.receiptId, status: 'confirmed', txid: pay.txid, blockHash: m!.block.hash, blockHeight: m!.block.height, confirmations: 2 });
    const detail = (await call(stack, 'GET', `/payments/${receipt.receiptId}`)).body.receipt;
    expect(detail).toMatchObject({ status: 'confirmed', payment: { blockHash: m!.block.hash, blockHeight: m!.block.height } });

    // a heavier branch from the block's parent, without the payment
    const parent = chain.best.find((h) => h.hash === m!.block.prevHash)!;
    await chain.fork(parent, 4);
    const [run] = await runScheduledJobs(stack.deps, ['receipt-reconcile']);
    expect(run).toMatchObject({ status: 'ok', result: { demoted: 1 } });
    expect((await call(stack, 'GET', `/receipt?receiptId=${receipt.receiptId}`)).body.status).toBe('paid');

    // the payment is mined again on the new best chain: its BUMP confirms it again
    const [again] = await chain.fork(chain.best[chain.best.length - 1]!, 1, [{ txid: pay.txid, rawTx: pay.rawTx }]);
    const bump = await call(stack, 'POST', `/payments/${receipt.receiptId}/proof`, {
      body: { envelope: { txid: pay.txid, proof: { bump: again!.bump }, block: { blockHash: again!.block.hash, blockHeight: again!.block.height } } },
    });
    expect([bump.status, bump.body.status, bump.body.confirmations]).toEqual([200, 'confirmed', 1]);
    const audit = await stack.deps.sql.query(`SELECT action, before->>'status' AS f FROM audit_log WHERE resource = $1 ORDER BY id`, [`receipt:${receipt.receiptId}`]);
    expect(audit).toEqual([
      { action: 'payments.receipt.pending', f: null },
      { action: 'payments.receipt.paid', f: 'pending' },
      { action: 'payments.receipt.confirmed', f: 'paid' },
      { action: 'payments.receipt.paid', f: 'confirmed' },
      { action: 'payments.receipt.confirmed', f: 'paid' },
    ]);
  });

  it('a proof for a pending receipt is 409 invalid-state', async () => {
    const pub = await publishFor(stack, producer);
    const receipt = await receiptFor(pub.versionId);
    const r = await call(stack, 'POST', `/payments/${receipt.receiptId}/proof`, { body: { envelope: { rawTx: '00', proof: {}, block: {} } } });
    expect([r.status, r.body.error]).toEqual([409, 'invalid-state']);
  });
});

describe('hostile input', () => {
  it('random JSON bodies to every payments write answer 4xx problem+json, never 5xx', async () => {
    const pub = await publishFor(stack, producer);
    const receipt = await receiptFor(pub.versionId);
    const value = fc.oneof(
      fc.constant(pub.versionId),
      fc.constant(receipt.receiptId),
      fc.string({ maxLength: 80 }),
      fc.integer(),
      fc.double(),
      fc.constant(2 ** 53),
      fc.constant(null),
      fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('hex')),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    const body = fc.dictionary(fc.constantFrom('versionId', 'quantity', 'receiptId', 'rawTxHex', 'satoshis', 'envelope', 'x'), value, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('/pay', '/payments/quote', '/payments/submit', `/payments/${receipt.receiptId}/proof`), body, async (path, b) => {
        const r = await call(stack, 'POST', path, { body: b });
        expect(r.status === 200 || (r.status >= 400 && r.status < 500)).toBe(true);
        if (r.status !== 200) expect(typeof r.body.error).toBe('string');
      }),
      { numRuns: 150 },
    );
    const notJson = await call(stack, 'POST', '/pay', { raw: '{"versionId":', headers: {} });
    expect(notJson.status).toBe(400);
  });
});
