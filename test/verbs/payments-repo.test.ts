/**
 * Receipts, quotes and payments in PostgreSQL, called directly (no app): every field a receipt
 * or payment row maps to, every status move from each status it may and may not start from with
 * its audit row, the quote that stands until it lapses, and the schedule's reads (lapsed
 * receipts, settling payments near the tip, open claims) with their order, window and limit.
 * One fresh database on the local PostgreSQL for the file.
 */
import { PrivateKey } from '@bsv/sdk';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPoolSql } from '@strata/core/adapters/sql/pool-sql';
import { producerIdOf } from '@strata/core/catalog/ids';
import { interpretPublishResult, preparePublish } from '@strata/core/catalog/publish';
import { migrate } from '@strata/core/migrate/files';
import {
  claimPayment,
  getPayment,
  getSettlingByTxid,
  listOpenClaims,
  listSettling,
  recordProofStatement,
  releaseClaim,
  touchChecked,
  type PaymentRecord,
} from '@strata/core/payments/payment-repo';
import {
  getReceipt,
  insertReceiptStatement,
  listLapsed,
  setQuoteStatement,
  transitionReceipt,
  type ReceiptRecord,
  type Transition,
} from '@strata/core/payments/repo';
import type { Sql } from '@strata/core/ports/sql';
import { makePublication } from '../support/dlm1';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';

const t0 = Date.UTC(2026, 0, 1);
const at = (s: number) => new Date(t0 + s * 1000);
const audit = { actor: 'system:test', requestId: 'req-7' };
let seq = 0;
const rid = () => `rcpt_${(++seq).toString(16).padStart(32, '0')}`;
const txidOf = (n: number) => n.toString(16).padStart(64, '0');
const hashOf = (n: number) => n.toString(16).padStart(2, '0').repeat(32);

await describeWith(['postgres'], 'payments repo on PostgreSQL (verbs)', () => {
  let db: TestDatabase;
  let sql: Sql;
  let versionId: string;
  let contentHash: string;
  let producerId: string;

  beforeAll(async () => {
    db = await createTestDatabase('strata_payrepo');
    sql = createPoolSql(new pg.Pool({ connectionString: db.url, max: 4 }), 'pg', { typeParser: pg.types.getTypeParser });
    await migrate(sql);
    const signer = PrivateKey.fromRandom();
    const pub = makePublication({ datasetId: 'ds-payrepo' }, { signer });
    const prepared = preparePublish({ rawTx: pub.rawTx, manifest: pub.manifest, now: at(0) });
    expect(interpretPublishResult(prepared, await sql.batch(prepared.statements))).toBe('created');
    versionId = pub.versionId;
    contentHash = pub.parsed.content.contentHash;
    producerId = producerIdOf(signer.toPublicKey().toString());
  });
  afterAll(async () => {
    await sql?.close();
    await db?.drop();
  });

  async function newReceipt(o: { expiresAt?: Date; now?: Date; producer?: boolean; singleUse?: boolean } = {}): Promise<ReceiptRecord> {
    const s = insertReceiptStatement({
      receiptId: rid(),
      versionId,
      contentHash,
      producerId: o.producer === false ? null : producerId,
      quantity: 3,
      unitPriceSat: 1000,
      unitBytes: 4096,
      singleUse: o.singleUse ?? false,
      expiresAt: o.expiresAt ?? at(1800),
      now: o.now ?? at(0),
    });
    const rows = await sql.query(s.text, s.params);
    const got = await getReceipt(sql, rows[0]!.receipt_id as string);
    return got!;
  }
  const move = (id: string, t: Transition, s: number, a: { actor: string; requestId?: string } = audit) => transitionReceipt(sql, id, t, at(s), a);
  const pay = (id: string, n: number, s = 10, until = 90_000) => move(id, { kind: 'pay', txid: txidOf(n), accessUntil: at(until) }, s);
  async function auditRows(id: string) {
    return sql.query(`SELECT actor, action, resource, request_id, before, after, at FROM audit_log WHERE resource = $1 ORDER BY id`, [`receipt:${id}`]);
  }
  const claim = (receiptId: string, n: number, o: { now?: number; submitted?: Uint8Array; feeSat?: number | null; broadcaster?: 'arc' | 'dryrun' } = {}) =>
    claimPayment(sql, {
      receiptId,
      txid: txidOf(n),
      rawTx: new Uint8Array([1, 2, n & 0xff]),
      broadcaster: o.broadcaster ?? 'arc',
      outputs: [{ scriptHex: '76a9', satoshis: 2850 }, { scriptHex: '6a', satoshis: 150 }],
      feeSat: o.feeSat === undefined ? 150 : o.feeSat,
      now: at(o.now ?? 5),
      ...(o.submitted ? { submitted: o.submitted } : {}),
    });

  describe('receipts', () => {
    it('a new receipt reads back with every field, amounts as numbers derived from quantity', async () => {
      const s = insertReceiptStatement({
        receiptId: rid(),
        versionId,
        contentHash,
        producerId,
        quantity: 3,
        unitPriceSat: 1000,
        unitBytes: 4096,
        singleUse: true,
        expiresAt: at(1800),
        now: at(1),
      });
      const rows = await sql.query(s.text, s.params);
      const id = rows[0]!.receipt_id as string;
      const expected: ReceiptRecord = {
        receiptId: id,
        versionId,
        contentHash,
        producerId,
        status: 'pending',
        quantity: 3,
        unitPriceSat: 1000,
        amountSat: 3000,
        unitBytes: 4096,
        bytesLimit: 3 * 4096,
        bytesUsed: 0,
        singleUse: true,
        consumedAt: null,
        expiresAt: at(1800),
        quoteOutputs: null,
        quoteTemplateHash: null,
        quoteExpiresAt: null,
        paymentTxid: null,
        paidAt: null,
        confirmedAt: null,
        createdAt: at(1),
        updatedAt: at(1),
      };
      expect(await getReceipt(sql, id)).toStrictEqual(expected);
      const plain = await newReceipt({ producer: false });
      expect(plain).toMatchObject({ producerId: null, singleUse: false });
      expect(await getReceipt(sql, rid())).toBeNull();
    });

    it('pending → paid sets the txid, the paid time and the access window, with its audit row', async () => {
      const r = await newReceipt();
      const paid = await pay(r.receiptId, 1, 10, 90_000);
      expect(paid).toStrictEqual({
        from: 'pending',
        receipt: { ...r, status: 'paid', paymentTxid: txidOf(1), paidAt: at(10), expiresAt: at(90_000), updatedAt: at(10) },
      });
      expect(await getReceipt(sql, r.receiptId)).toStrictEqual(paid!.receipt);
      expect(await pay(r.receiptId, 2, 11)).toBeNull();
      expect(await auditRows(r.receiptId)).toEqual([
        {
          actor: 'system:test',
          action: 'payments.receipt.paid',
          resource: `receipt:${r.receiptId}`,
          request_id: 'req-7',
          before: { status: 'pending' },
          after: { status: 'paid', txid: txidOf(1) },
          at: at(10),
        },
      ]);
    });

    it('paid → confirmed → paid (demote) stamps and clears the confirmation; each only from its status', async () => {
      const r = await newReceipt();
      expect(await move(r.receiptId, { kind: 'confirm' }, 5)).toBeNull();
      expect(await move(r.receiptId, { kind: 'demote' }, 5)).toBeNull();
      await pay(r.receiptId, 3, 10);
      expect(await move(r.receiptId, { kind: 'demote' }, 11)).toBeNull();
      const confirmed = await move(r.receiptId, { kind: 'confirm' }, 12);
      expect(confirmed?.from).toBe('paid');
      expect(confirmed?.receipt).toMatchObject({ status: 'confirmed', confirmedAt: at(12), paidAt: at(10), updatedAt: at(12) });
      expect(await move(r.receiptId, { kind: 'confirm' }, 13)).toBeNull();
      const demoted = await move(r.receiptId, { kind: 'demote' }, 14, { actor: 'system:reorg' });
      expect(demoted?.from).toBe('confirmed');
      expect(demoted?.receipt).toMatchObject({ status: 'paid', confirmedAt: null, paymentTxid: txidOf(3), updatedAt: at(14) });
      const rows = await auditRows(r.receiptId);
      expect(rows.map((a) => [a.action, a.before, a.after])).toEqual([
        ['payments.receipt.paid', { status: 'pending' }, { status: 'paid', txid: txidOf(3) }],
        ['payments.receipt.confirmed', { status: 'paid' }, { status: 'confirmed', txid: txidOf(3) }],
        ['payments.receipt.paid', { status: 'confirmed' }, { status: 'paid', txid: txidOf(3) }],
      ]);
      // an audit without a request id records none
      expect(rows[2]).toMatchObject({ actor: 'system:reorg', request_id: null, at: at(14) });
    });

    it('consume: from paid and from confirmed, never from pending or twice', async () => {
      const a = await newReceipt({ singleUse: true });
      expect(await move(a.receiptId, { kind: 'consume' }, 5)).toBeNull();
      await pay(a.receiptId, 4);
      const fromPaid = await move(a.receiptId, { kind: 'consume' }, 20);
      expect(fromPaid).toMatchObject({ from: 'paid', receipt: { status: 'consumed', consumedAt: at(20), updatedAt: at(20) } });
      expect(await move(a.receiptId, { kind: 'consume' }, 21)).toBeNull();
      const b = await newReceipt();
      await pay(b.receiptId, 5);
      await move(b.receiptId, { kind: 'confirm' }, 11);
      const fromConfirmed = await move(b.receiptId, { kind: 'consume' }, 22);
      expect(fromConfirmed).toMatchObject({ from: 'confirmed', receipt: { status: 'consumed', consumedAt: at(22) } });
      expect((await auditRows(b.receiptId)).at(-1)).toMatchObject({ action: 'payments.receipt.consumed', before: { status: 'confirmed' } });
    });

    it('expire: pending, paid and confirmed once expires_at has passed (inclusive), never consumed or expired ones', async () => {
      const pending = await newReceipt({ expiresAt: at(100) });
      expect(await move(pending.receiptId, { kind: 'expire' }, 99)).toBeNull();
      expect(await move(pending.receiptId, { kind: 'expire' }, 100)).toMatchObject({ from: 'pending', receipt: { status: 'expired', updatedAt: at(100) } });
      expect(await move(pending.receiptId, { kind: 'expire' }, 200)).toBeNull();
      expect(await pay(pending.receiptId, 6, 201)).toBeNull();

      const paid = await newReceipt();
      await pay(paid.receiptId, 7, 10, 500);
      expect(await move(paid.receiptId, { kind: 'expire' }, 499)).toBeNull();
      expect(await move(paid.receiptId, { kind: 'expire' }, 500)).toMatchObject({ from: 'paid', receipt: { status: 'expired' } });

      const confirmed = await newReceipt();
      await pay(confirmed.receiptId, 8, 10, 500);
      await move(confirmed.receiptId, { kind: 'confirm' }, 11);
      expect(await move(confirmed.receiptId, { kind: 'expire' }, 600)).toMatchObject({ from: 'confirmed', receipt: { status: 'expired' } });
      expect((await auditRows(confirmed.receiptId)).at(-1)).toMatchObject({ action: 'payments.receipt.expired', after: { status: 'expired', txid: txidOf(8) } });

      const consumed = await newReceipt();
      await pay(consumed.receiptId, 9, 10, 500);
      await move(consumed.receiptId, { kind: 'consume' }, 11);
      expect(await move(consumed.receiptId, { kind: 'expire' }, 600)).toBeNull();
      expect((await getReceipt(sql, consumed.receiptId))?.status).toBe('consumed');
    });

    it('a move of an unknown receipt writes nothing', async () => {
      const id = rid();
      expect(await move(id, { kind: 'expire' }, 9999)).toBeNull();
      expect(await auditRows(id)).toEqual([]);
    });
  });

  describe('quotes', () => {
    const q = (n: number, expiresAt: Date) => ({ outputs: [{ scriptHex: '76a9' + hashOf(n).slice(0, 4), satoshis: 2850 + n }], templateHash: hashOf(n), expiresAt });
    const setQuote = async (id: string, n: number, exp: number, now: number) => {
      const s = setQuoteStatement(id, q(n, at(exp)), at(now));
      return sql.query(s.text, s.params);
    };

    it('stands until it lapses; then a new one replaces it', async () => {
      const r = await newReceipt({ expiresAt: at(1000) });
      const first = await setQuote(r.receiptId, 1, 120, 0);
      expect(first).toHaveLength(1);
      const stored = await getReceipt(sql, r.receiptId);
      expect(stored).toStrictEqual({ ...r, quoteOutputs: q(1, at(120)).outputs, quoteTemplateHash: hashOf(1), quoteExpiresAt: at(120), updatedAt: at(0) });
      // a second quote while the first stands writes nothing
      expect(await setQuote(r.receiptId, 2, 200, 119)).toEqual([]);
      expect((await getReceipt(sql, r.receiptId))?.quoteTemplateHash).toBe(hashOf(1));
      // from the first one's expiry on, a new one is stored
      expect(await setQuote(r.receiptId, 3, 240, 120)).toHaveLength(1);
      expect(await getReceipt(sql, r.receiptId)).toMatchObject({ quoteTemplateHash: hashOf(3), quoteExpiresAt: at(240), quoteOutputs: q(3, at(240)).outputs, updatedAt: at(120) });
    });

    it('only on a pending receipt that has not lapsed', async () => {
      const lapsed = await newReceipt({ expiresAt: at(50) });
      expect(await setQuote(lapsed.receiptId, 4, 170, 49)).toHaveLength(1);
      const lapsed2 = await newReceipt({ expiresAt: at(50) });
      expect(await setQuote(lapsed2.receiptId, 4, 170, 50)).toEqual([]);
      const paid = await newReceipt();
      await pay(paid.receiptId, 20);
      expect(await setQuote(paid.receiptId, 5, 170, 11)).toEqual([]);
      expect((await getReceipt(sql, paid.receiptId))?.quoteTemplateHash).toBeNull();
    });
  });

  describe('payments', () => {
    it('a claim reads back with every field; one per receipt and one per txid', async () => {
      const r = await newReceipt();
      const first = await claim(r.receiptId, 100, { now: 5 });
      const expected: PaymentRecord = {
        receiptId: r.receiptId,
        txid: txidOf(100),
        rawTx: new Uint8Array([1, 2, 100]),
        broadcaster: 'arc',
        state: 'claimed',
        txStatus: null,
        outputs: [{ scriptHex: '76a9', satoshis: 2850 }, { scriptHex: '6a', satoshis: 150 }],
        feeSat: 150,
        proof: null,
        blockHash: null,
        blockHeight: null,
        createdAt: at(5),
      };
      expect(first.claimed).toBe(true);
      expect({ ...first.payment, rawTx: new Uint8Array(first.payment!.rawTx) }).toStrictEqual(expected);
      const read = await getPayment(sql, r.receiptId);
      expect({ ...read, rawTx: new Uint8Array(read!.rawTx) }).toStrictEqual(expected);
      // the slot is taken: another txid for the same receipt gets the standing payment
      const again = await claim(r.receiptId, 101);
      expect(again.claimed).toBe(false);
      expect(again.payment?.txid).toBe(txidOf(100));
      // the txid is taken: another receipt cannot claim it
      const other = await newReceipt();
      expect(await claim(other.receiptId, 100)).toEqual({ payment: null, claimed: false });
      expect(await getPayment(sql, other.receiptId)).toBeNull();
      // a payment without a fee (raw/BEEF) reads feeSat null
      const nofee = await newReceipt();
      expect((await claim(nofee.receiptId, 102, { feeSat: null, broadcaster: 'dryrun' })).payment).toMatchObject({ feeSat: null, broadcaster: 'dryrun' });
    });

    it('releaseClaim frees only a claimed slot of that txid', async () => {
      const r = await newReceipt();
      await claim(r.receiptId, 110);
      await releaseClaim(sql, r.receiptId, txidOf(111));
      expect((await getPayment(sql, r.receiptId))?.txid).toBe(txidOf(110));
      await releaseClaim(sql, r.receiptId, txidOf(110));
      expect(await getPayment(sql, r.receiptId)).toBeNull();
      expect((await claim(r.receiptId, 112)).claimed).toBe(true);
      await sql.query(`UPDATE payments SET state = 'accepted' WHERE receipt_id = $1`, [r.receiptId]);
      await releaseClaim(sql, r.receiptId, txidOf(112));
      expect(await getPayment(sql, r.receiptId)).toMatchObject({ txid: txidOf(112), state: 'accepted' });
    });

    it('recordProof stores the proof and block, keeps the status unless given, and clears with null', async () => {
      const r = await newReceipt();
      await claim(r.receiptId, 120);
      const updatedAt = async () => (await sql.query(`SELECT updated_at FROM payments WHERE receipt_id = $1`, [r.receiptId]))[0]!.updated_at;
      await sql.batch([recordProofStatement(r.receiptId, { json: { path: [1, 2] }, blockHash: hashOf(0xaa), blockHeight: 812_345, txStatus: 'MINED' }, at(30))]);
      expect(await getPayment(sql, r.receiptId)).toMatchObject({ proof: { path: [1, 2] }, blockHash: hashOf(0xaa), blockHeight: 812_345, txStatus: 'MINED' });
      expect(await updatedAt()).toEqual(at(30));
      await sql.batch([recordProofStatement(r.receiptId, { json: { path: [3] }, blockHash: hashOf(0xbb), blockHeight: 7 }, at(31))]);
      expect(await getPayment(sql, r.receiptId)).toMatchObject({ proof: { path: [3] }, blockHash: hashOf(0xbb), blockHeight: 7, txStatus: 'MINED' });
      await sql.batch([recordProofStatement(r.receiptId, null, at(32))]);
      expect(await getPayment(sql, r.receiptId)).toMatchObject({ proof: null, blockHash: null, blockHeight: null, txStatus: 'MINED' });
      expect(await updatedAt()).toEqual(at(32));
    });
  });

  describe('what the schedule reads', () => {
    beforeEach(async () => {
      await sql.query(`TRUNCATE payments, receipts`);
    });

    it('listLapsed: pending, paid and confirmed receipts at or past expiry, oldest first, without pending ones whose payment is claimed', async () => {
      const lapsedPending = await newReceipt({ expiresAt: at(100) });
      const atNow = await newReceipt({ expiresAt: at(300) });
      const future = await newReceipt({ expiresAt: at(301) });
      const claimed = await newReceipt({ expiresAt: at(50) });
      await claim(claimed.receiptId, 200);
      const paid = await newReceipt();
      await claim(paid.receiptId, 201);
      await pay(paid.receiptId, 201, 10, 200);
      const confirmed = await newReceipt();
      await claim(confirmed.receiptId, 202);
      await pay(confirmed.receiptId, 202, 10, 150);
      await move(confirmed.receiptId, { kind: 'confirm' }, 11);
      const consumed = await newReceipt();
      await pay(consumed.receiptId, 203, 10, 60);
      await move(consumed.receiptId, { kind: 'consume' }, 11);
      const expired = await newReceipt({ expiresAt: at(70) });
      await move(expired.receiptId, { kind: 'expire' }, 80);

      expect(await listLapsed(sql, at(300), 10)).toEqual([lapsedPending.receiptId, confirmed.receiptId, paid.receiptId, atNow.receiptId]);
      expect(await listLapsed(sql, at(300), 2)).toEqual([lapsedPending.receiptId, confirmed.receiptId]);
      expect(await listLapsed(sql, at(99), 10)).toEqual([]);
      expect(future.status).toBe('pending');
    });

    it('listSettling: paid receipts least recently checked first; confirmed ones only within reorgDepth of the tip', async () => {
      const paid: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await newReceipt();
        await claim(r.receiptId, 300 + i, { broadcaster: i === 0 ? 'dryrun' : 'arc' });
        await pay(r.receiptId, 300 + i);
        paid.push(r.receiptId);
      }
      // never checked, then by receipt id
      expect((await listSettling(sql, { limit: 2, tipHeight: 0, reorgDepth: 0 })).map((s) => s.receiptId)).toEqual(paid.slice(0, 2));
      await touchChecked(sql, [paid[0]!], at(50));
      await touchChecked(sql, [], at(40));
      await touchChecked(sql, [paid[1]!, paid[2]!], at(40));
      expect((await listSettling(sql, { limit: 3, tipHeight: 0, reorgDepth: 0 })).map((s) => s.receiptId)).toEqual([paid[1], paid[2], paid[0]]);
      await touchChecked(sql, [paid[1]!], at(60));
      expect((await listSettling(sql, { limit: 1, tipHeight: 0, reorgDepth: 0 })).map((s) => s.receiptId)).toEqual([paid[2]]);

      const first = (await listSettling(sql, { limit: 3, tipHeight: 0, reorgDepth: 0 })).find((s) => s.receiptId === paid[0]);
      expect(first).toStrictEqual({ receiptId: paid[0], status: 'paid', txid: txidOf(300), broadcaster: 'dryrun', blockHash: null, blockHeight: null, proof: null });

      // confirmed at heights 7, 8 and one without a recorded block
      const confirmed: string[] = [];
      for (const [i, h] of [[0, 7], [1, 8], [2, null]] as const) {
        const r = await newReceipt();
        await claim(r.receiptId, 310 + i);
        await pay(r.receiptId, 310 + i);
        if (h !== null) await sql.batch([recordProofStatement(r.receiptId, { json: { h }, blockHash: hashOf(h), blockHeight: h }, at(12))]);
        await move(r.receiptId, { kind: 'confirm' }, 13);
        confirmed.push(r.receiptId);
      }
      const conf = async (tipHeight: number, reorgDepth: number, limit = 10) =>
        (await listSettling(sql, { limit, tipHeight, reorgDepth })).filter((s) => s.status === 'confirmed');
      // tip 10, depth 3: blocks above height 7 may still be reorganised away; unknown block first, then highest
      expect((await conf(10, 3)).map((s) => s.receiptId)).toEqual([confirmed[2], confirmed[1]]);
      expect((await conf(10, 4)).map((s) => s.receiptId)).toEqual([confirmed[2], confirmed[1], confirmed[0]]);
      expect((await conf(10, 4, 2)).map((s) => s.receiptId)).toEqual([confirmed[2], confirmed[1]]);
      expect((await conf(10, 3)).find((s) => s.receiptId === confirmed[1])).toStrictEqual({
        receiptId: confirmed[1],
        status: 'confirmed',
        txid: txidOf(311),
        broadcaster: 'arc',
        blockHash: hashOf(8),
        blockHeight: 8,
        proof: { h: 8 },
      });
    });

    it('getSettlingByTxid: only a paid or confirmed receipt', async () => {
      const r = await newReceipt();
      await claim(r.receiptId, 400);
      expect(await getSettlingByTxid(sql, txidOf(400))).toBeNull();
      await pay(r.receiptId, 400);
      expect(await getSettlingByTxid(sql, txidOf(400))).toStrictEqual({
        receiptId: r.receiptId,
        status: 'paid',
        txid: txidOf(400),
        broadcaster: 'arc',
        blockHash: null,
        blockHeight: null,
        proof: null,
      });
      await move(r.receiptId, { kind: 'confirm' }, 11);
      expect((await getSettlingByTxid(sql, txidOf(400)))?.status).toBe('confirmed');
      await move(r.receiptId, { kind: 'consume' }, 12);
      expect(await getSettlingByTxid(sql, txidOf(400))).toBeNull();
      expect(await getSettlingByTxid(sql, txidOf(401))).toBeNull();
    });

    it('listOpenClaims: claims of pending receipts touched before the cut, oldest first, with the submitted bytes', async () => {
      const a = await newReceipt();
      const b = await newReceipt();
      const c = await newReceipt();
      const accepted = await newReceipt();
      const paid = await newReceipt();
      await claim(a.receiptId, 500, { now: 20, submitted: new Uint8Array([0xef, 1]) });
      await claim(b.receiptId, 501, { now: 10 });
      await claim(c.receiptId, 502, { now: 30 });
      await claim(accepted.receiptId, 503, { now: 1 });
      await sql.query(`UPDATE payments SET state = 'accepted' WHERE receipt_id = $1`, [accepted.receiptId]);
      await claim(paid.receiptId, 504, { now: 1 });
      await pay(paid.receiptId, 504);
      const open = await listOpenClaims(sql, at(30), 10);
      expect(open.map((o) => ({ ...o, rawTx: [...o.rawTx], submitted: o.submitted && [...o.submitted] }))).toEqual([
        { receiptId: b.receiptId, txid: txidOf(501), submitted: null, rawTx: [1, 2, 501 & 0xff] },
        { receiptId: a.receiptId, txid: txidOf(500), submitted: [0xef, 1], rawTx: [1, 2, 500 & 0xff] },
      ]);
      expect((await listOpenClaims(sql, at(31), 2)).map((o) => o.receiptId)).toEqual([b.receiptId, a.receiptId]);
      expect((await listOpenClaims(sql, at(31), 3)).map((o) => o.receiptId)).toEqual([b.receiptId, a.receiptId, c.receiptId]);
    });
  });
});
