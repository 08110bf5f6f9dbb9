/**
 * Payments on PostgreSQL + Redis (the Upstash bridge) under concurrency and failure: N parallel
 * submits of the same transaction and of different transactions leave exactly one payment and
 * one `paid` audit row; N parallel quotes agree; N parallel proofs confirm once. And a database
 * that fails after the broadcast leaves nothing half-written: the receipt stays pending with its
 * claim, and the same transaction completes it on retry.
 */
import { PrivateKey } from '@bsv/sdk';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { StrataError } from '@strata/core/errors';
import type { Sql } from '@strata/core/ports/sql';
import { nodePlatform } from '@strata/functions/platform/node';
import { serviceDeps, type TestStack } from '../support/deps';
import { describeWith } from '../support/reachable';
import { buildPayment, call, payChainOf, publishFor, signedPost } from '../support/payments-world';

const N = 12;
const producer = PrivateKey.fromRandom();
/** Fails every batch whose statements touch `payments` while `failing` is set (the paid step). */
let failing = false;
function failingBatches(sql: Sql): Sql {
  return new Proxy(sql, {
    get(target, prop, receiver) {
      if (prop === 'batch') {
        return async (statements: Parameters<Sql['batch']>[0]) => {
          if (failing && statements.some((s) => s.text.includes('UPDATE payments SET state'))) {
            throw new StrataError('unavailable', 'database down (injected)');
          }
          return target.batch(statements);
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

await describeWith(['postgres', 'redis'], 'payments on PostgreSQL + Redis', () => {
  let stack: TestStack;
  beforeAll(async () => {
    const base = nodePlatform();
    stack = await serviceDeps({
      env: { RATE_LIMIT_PER_MIN: '0', SQL_POOL_MAX: '16', PAY_SCRIPTS_JSON: JSON.stringify({ overlay: `76a914${'0d'.repeat(20)}88ac` }) },
      platform: { openPgSql: (url, max) => failingBatches(base.openPgSql!(url, max)) },
    });
  });
  afterAll(async () => stack?.close());

  async function quoted() {
    const pub = await publishFor(stack, producer);
    const receipt = (await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 2 } })).body;
    const quote = (await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } })).body;
    return { receipt, quote };
  }
  const submit = (receiptId: string, rawTxHex: string) => call(stack, 'POST', '/payments/submit', { body: { receiptId, rawTxHex } });
  const count = async (text: string, params: unknown[]) => ((await stack.deps.sql.query(text, params as never))[0] as { n: number }).n;
  const paidAudits = (receiptId: string) =>
    count(`SELECT count(*)::int AS n FROM audit_log WHERE resource = $1 AND action = 'payments.receipt.paid'`, [`receipt:${receiptId}`]);

  it(`${N} parallel quotes of one receipt agree on one template`, async () => {
    const pub = await publishFor(stack, producer);
    const receipt = (await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 1 } })).body;
    const all = await Promise.all(Array.from({ length: N }, () => call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } })));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(new Set(all.map((r) => JSON.stringify(r.body))).size).toBe(1);
  });

  it(`${N} parallel submits of the same transaction: all accepted, one payment, one paid transition`, async () => {
    const { receipt, quote } = await quoted();
    const pay = await buildPayment(quote.outputs);
    const all = await Promise.all(Array.from({ length: N }, () => submit(receipt.receiptId, pay.rawTx)));
    expect(all.map((r) => r.status)).toEqual(Array(N).fill(200));
    expect(new Set(all.map((r) => r.body.txid))).toEqual(new Set([pay.txid]));
    expect(await count('SELECT count(*)::int AS n FROM payments WHERE receipt_id = $1', [receipt.receiptId])).toBe(1);
    expect(await paidAudits(receipt.receiptId)).toBe(1);
  });

  it(`${N} parallel submits of different transactions: exactly one wins, the rest are 409`, async () => {
    const { receipt, quote } = await quoted();
    const pays = await Promise.all(Array.from({ length: N }, () => buildPayment(quote.outputs)));
    const all = await Promise.all(pays.map((p) => submit(receipt.receiptId, p.rawTx)));
    const won = all.filter((r) => r.status === 200);
    expect(won).toHaveLength(1);
    expect(all.filter((r) => r.status === 409)).toHaveLength(N - 1);
    const rows = await stack.deps.sql.query('SELECT txid FROM payments WHERE receipt_id = $1', [receipt.receiptId]);
    expect(rows).toEqual([{ txid: won[0]!.body.txid }]);
    expect((await call(stack, 'GET', `/receipt?receiptId=${receipt.receiptId}`)).body.status).toBe('paid');
    expect(await paidAudits(receipt.receiptId)).toBe(1);
  });

  it(`one transaction submitted to ${N} receipts (same template) in parallel pays exactly one of them`, async () => {
    const pub = await publishFor(stack, producer);
    const receipts = await Promise.all(
      Array.from({ length: N }, async () => {
        const receipt = (await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 1 } })).body;
        const quote = (await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } })).body;
        return { receipt, quote };
      }),
    );
    expect(new Set(receipts.map((r) => r.quote.templateHash)).size).toBe(1);
    const pay = await buildPayment(receipts[0]!.quote.outputs);
    const all = await Promise.all(receipts.map((r) => submit(r.receipt.receiptId, pay.rawTx)));
    expect(all.filter((r) => r.status === 200)).toHaveLength(1);
    expect(all.filter((r) => r.status === 409)).toHaveLength(N - 1);
    expect(await count('SELECT count(*)::int AS n FROM payments WHERE txid = $1', [pay.txid])).toBe(1);
  });

  it(`${N} parallel proofs confirm once`, async () => {
    const chain = payChainOf(stack);
    await chain.extend(2);
    const { receipt, quote } = await quoted();
    const pay = await buildPayment(quote.outputs);
    await submit(receipt.receiptId, pay.rawTx);
    const { mined: [m] } = chain.mine([{ txid: pay.txid, rawTx: pay.rawTx }]);
    await chain.store();
    const all = await Promise.all(Array.from({ length: N }, () => call(stack, 'POST', `/payments/${receipt.receiptId}/proof`, { body: { envelope: m!.envelope } })));
    expect(all.every((r) => r.status === 200)).toBe(true);
    expect(await count(`SELECT count(*)::int AS n FROM audit_log WHERE resource = $1 AND action = 'payments.receipt.confirmed'`, [`receipt:${receipt.receiptId}`])).toBe(1);
  });

  it('the database failing after the broadcast leaves the receipt pending with its claim; the same tx then completes it', async () => {
    const { receipt, quote } = await quoted();
    const pay = await buildPayment(quote.outputs);
    failing = true;
    const r = await submit(receipt.receiptId, pay.rawTx).finally(() => {
      failing = false;
    });
    expect([r.status, r.body.error]).toEqual([503, 'unavailable']);
    const detail = (await call(stack, 'GET', `/payments/${receipt.receiptId}`)).body.receipt;
    expect(detail).toMatchObject({ status: 'pending', payment: null });
    expect(await paidAudits(receipt.receiptId)).toBe(0);
    const claim = await stack.deps.sql.query('SELECT txid, state FROM payments WHERE receipt_id = $1', [receipt.receiptId]);
    expect(claim).toEqual([{ txid: pay.txid, state: 'claimed' }]);
    const other = await buildPayment(quote.outputs);
    expect((await submit(receipt.receiptId, other.rawTx)).status).toBe(409);
    const retry = await submit(receipt.receiptId, pay.rawTx);
    expect([retry.status, retry.body.receiptStatus]).toEqual([200, 'paid']);
    expect(await paidAudits(receipt.receiptId)).toBe(1);
  });

  it('Kv down: prices are read from PostgreSQL, receipts and payments go on; a signed price write commits without Kv', async () => {
    const pub = await publishFor(stack, producer);
    await call(stack, 'GET', `/price?versionId=${pub.versionId}`);
    await stack.settle();
    await stack.kvDown!(true);
    try {
      stack.deps.cache.clearL1();
      const price = await call(stack, 'GET', `/price?versionId=${pub.versionId}`);
      expect([price.status, price.body.satoshis]).toEqual([200, 5000]);
      // identity nonces live in PostgreSQL (ADR 0041), so a signed write no longer needs Kv: it commits,
      // its outbox row waits for the sweep, and this process reads the new price from PostgreSQL
      const set = await signedPost(stack, producer, '/price', { versionId: pub.versionId, satoshis: 42 });
      expect(set.status).toBe(200);
      expect(await count('SELECT count(*)::int AS n FROM price_overrides WHERE version_id = $1', [pub.versionId])).toBe(1);
      expect((await call(stack, 'GET', `/price?versionId=${pub.versionId}`)).body.satoshis).toBe(42);
      const receipt = (await call(stack, 'POST', '/pay', { body: { versionId: pub.versionId, quantity: 1 } })).body;
      const quote = (await call(stack, 'POST', '/payments/quote', { body: { receiptId: receipt.receiptId } })).body;
      const pay = await buildPayment(quote.outputs);
      expect((await submit(receipt.receiptId, pay.rawTx)).body.receiptStatus).toBe('paid');
    } finally {
      await stack.kvDown!(false);
    }
  });
});
