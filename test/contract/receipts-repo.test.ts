/**
 * Receipt storage against real databases (PGlite always, PostgreSQL when reachable): every
 * status move is one statement with its audit row, refuses to skip or repeat a step, and exactly
 * one of N concurrent attempts at the same move commits. One payment per receipt and per txid.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { interpretPublishResult, preparePublish } from '@strata/core/catalog/publish';
import { migrate } from '@strata/core/migrate/files';
import { claimPayment, listSettling, recordProofStatement, touchChecked } from '@strata/core/payments/payment-repo';
import {
  getReceipt,
  insertReceiptStatement,
  transitionReceipt,
  type ReceiptRecord,
} from '@strata/core/payments/repo';
import type { Sql } from '@strata/core/ports/sql';
import { makePublication } from '../support/dlm1';
import { createTestDatabase, type TestDatabase } from '../support/pg';
import { describeWith } from '../support/reachable';

const t0 = Date.UTC(2026, 0, 1);
const at = (s: number) => new Date(t0 + s * 1000);
const actor = { actor: 'system:test', requestId: 'req-1' };
let seq = 0;
const rid = () => `rcpt_${(++seq).toString(16).padStart(8, '0')}${Math.random().toString(16).slice(2, 10).padEnd(8, '0')}${'0'.repeat(16)}`;
const txidOf = (n: number) => n.toString(16).padStart(64, '0');

async function newReceipt(sql: Sql, versionId: string, contentHash: string, opts: { expiresAt?: Date } = {}): Promise<ReceiptRecord> {
  const s = insertReceiptStatement({
    receiptId: rid(),
    versionId,
    contentHash,
    producerId: null,
    quantity: 3,
    unitPriceSat: 1000,
    unitBytes: 4096,
    singleUse: false,
    expiresAt: opts.expiresAt ?? at(1800),
    now: at(0),
  });
  const rows = await sql.query(s.text, s.params);
  return (await getReceipt(sql, rows[0]!.receipt_id as string))!;
}

async function auditOf(sql: Sql, receiptId: string): Promise<{ action: string; before: unknown; after: unknown }[]> {
  return sql.query(`SELECT action, before, after FROM audit_log WHERE resource = $1 ORDER BY id`, [`receipt:${receiptId}`]) as never;
}

function receiptsSuite(name: string, open: () => Promise<Sql>, opts: { concurrent: boolean }) {
  describe(`receipts repo on ${name}`, () => {
    let sql: Sql;
    let versionId: string;
    let contentHash: string;
    beforeAll(async () => {
      sql = await open();
      await migrate(sql);
      const pub = makePublication({ datasetId: 'ds-receipts' });
      const prepared = preparePublish({ rawTx: pub.rawTx, manifest: pub.manifest, now: at(0) });
      expect(interpretPublishResult(prepared, await sql.batch(prepared.statements))).toBe('created');
      versionId = pub.versionId;
      contentHash = pub.parsed.content.contentHash;
    });
    afterAll(async () => {
      await sql?.close();
    });

    it('a new receipt derives amount and byte quota from quantity', async () => {
      const r = await newReceipt(sql, versionId, contentHash);
      expect(r).toMatchObject({ status: 'pending', quantity: 3, unitPriceSat: 1000, amountSat: 3000, bytesLimit: 3 * 4096, bytesUsed: 0 });
    });

    it('moves pending → paid → confirmed with one audit row each; no step skipped or repeated', async () => {
      const r = await newReceipt(sql, versionId, contentHash);
      expect(await transitionReceipt(sql, r.receiptId, { kind: 'confirm' }, at(1), actor)).toBeNull();
      const paid = await transitionReceipt(sql, r.receiptId, { kind: 'pay', txid: txidOf(1), accessUntil: at(86400) }, at(2), actor);
      expect(paid).toMatchObject({ from: 'pending', receipt: { status: 'paid', paymentTxid: txidOf(1), expiresAt: at(86400) } });
      expect(await transitionReceipt(sql, r.receiptId, { kind: 'pay', txid: txidOf(2), accessUntil: at(86400) }, at(3), actor)).toBeNull();
      expect((await transitionReceipt(sql, r.receiptId, { kind: 'confirm' }, at(4), actor))?.receipt.status).toBe('confirmed');
      expect(await transitionReceipt(sql, r.receiptId, { kind: 'confirm' }, at(5), actor)).toBeNull();
      expect((await transitionReceipt(sql, r.receiptId, { kind: 'demote' }, at(6), actor))?.receipt).toMatchObject({ status: 'paid', confirmedAt: null });
      expect((await getReceipt(sql, r.receiptId))?.paymentTxid).toBe(txidOf(1));
      expect(await auditOf(sql, r.receiptId)).toEqual([
        { action: 'payments.receipt.paid', before: { status: 'pending' }, after: { status: 'paid', txid: txidOf(1) } },
        { action: 'payments.receipt.confirmed', before: { status: 'paid' }, after: { status: 'confirmed', txid: txidOf(1) } },
        { action: 'payments.receipt.paid', before: { status: 'confirmed' }, after: { status: 'paid', txid: txidOf(1) } },
      ]);
    });

    it('expires only once its expiry has passed', async () => {
      const r = await newReceipt(sql, versionId, contentHash, { expiresAt: at(100) });
      expect(await transitionReceipt(sql, r.receiptId, { kind: 'expire' }, at(99), actor)).toBeNull();
      expect((await transitionReceipt(sql, r.receiptId, { kind: 'expire' }, at(100), actor))?.receipt.status).toBe('expired');
      expect(await transitionReceipt(sql, r.receiptId, { kind: 'pay', txid: txidOf(3), accessUntil: at(500) }, at(101), actor)).toBeNull();
    });

    it('a payment claim is one per receipt and one per txid', async () => {
      const a = await newReceipt(sql, versionId, contentHash);
      const b = await newReceipt(sql, versionId, contentHash);
      const claim = (receiptId: string, txid: string) =>
        claimPayment(sql, { receiptId, txid, rawTx: new Uint8Array([1, 2]), broadcaster: 'dryrun', outputs: [], feeSat: null, now: at(1) });
      expect((await claim(a.receiptId, txidOf(10))).claimed).toBe(true);
      const again = await claim(a.receiptId, txidOf(11));
      expect(again).toMatchObject({ claimed: false, payment: { txid: txidOf(10) } });
      expect(await claim(b.receiptId, txidOf(10))).toMatchObject({ claimed: false, payment: null });
    });

    it('the schedule sees paid receipts least recently checked first, and confirmed ones only near the tip', async () => {
      const paid: string[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await newReceipt(sql, versionId, contentHash);
        await claimPayment(sql, { receiptId: r.receiptId, txid: txidOf(300 + i), rawTx: new Uint8Array([i]), broadcaster: 'dryrun', outputs: [], feeSat: null, now: at(1) });
        await transitionReceipt(sql, r.receiptId, { kind: 'pay', txid: txidOf(300 + i), accessUntil: at(99_999) }, at(2), actor);
        paid.push(r.receiptId);
      }
      const seen = new Set<string>();
      for (let round = 0; round < 10 && seen.size < 3; round++) {
        const batch = (await listSettling(sql, { limit: 1, tipHeight: 0, reorgDepth: 10 })).filter((s) => s.status === 'paid');
        for (const s of batch) if (paid.includes(s.receiptId)) seen.add(s.receiptId);
        await touchChecked(sql, batch.map((s) => s.receiptId), at(10 + round));
      }
      expect([...seen].sort()).toEqual([...paid].sort());
      // confirmed at height 5: seen while the tip is within the window, not once it is deeper
      const c = paid[0]!;
      await sql.batch([recordProofStatement(c, { json: {}, blockHash: 'aa'.repeat(32), blockHeight: 5 }, at(20))]);
      await transitionReceipt(sql, c, { kind: 'confirm' }, at(21), actor);
      const near = await listSettling(sql, { limit: 50, tipHeight: 10, reorgDepth: 10 });
      expect(near.some((s) => s.receiptId === c && s.status === 'confirmed')).toBe(true);
      const deep = await listSettling(sql, { limit: 50, tipHeight: 100, reorgDepth: 10 });
      expect(deep.some((s) => s.receiptId === c)).toBe(false);
    });

    if (opts.concurrent) {
      it('of 16 concurrent identical moves exactly one commits, with one audit row', async () => {
        const r = await newReceipt(sql, versionId, contentHash);
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            transitionReceipt(sql, r.receiptId, { kind: 'pay', txid: txidOf(100 + i), accessUntil: at(9000) }, at(10), actor),
          ),
        );
        const winners = results.filter((x) => x !== null);
        expect(winners).toHaveLength(1);
        expect((await getReceipt(sql, r.receiptId))?.paymentTxid).toBe(winners[0]!.receipt.paymentTxid);
        expect(await auditOf(sql, r.receiptId)).toHaveLength(1);
        const confirms = await Promise.all(
          Array.from({ length: 16 }, () => transitionReceipt(sql, r.receiptId, { kind: 'confirm' }, at(11), actor)),
        );
        expect(confirms.filter((x) => x !== null)).toHaveLength(1);
        expect(await auditOf(sql, r.receiptId)).toHaveLength(2);
      });

      it('of 16 concurrent claims with different txids exactly one holds the slot', async () => {
        const r = await newReceipt(sql, versionId, contentHash);
        const results = await Promise.all(
          Array.from({ length: 16 }, (_, i) =>
            claimPayment(sql, { receiptId: r.receiptId, txid: txidOf(200 + i), rawTx: new Uint8Array([i]), broadcaster: 'dryrun', outputs: [], feeSat: null, now: at(1) }),
          ),
        );
        expect(results.filter((x) => x.claimed)).toHaveLength(1);
        const rows = await sql.query(`SELECT count(*)::int AS n FROM payments WHERE receipt_id = $1`, [r.receiptId]);
        expect(rows[0]!.n).toBe(1);
      });
    }
  });
}

receiptsSuite('pglite', () => createPgliteSql(), { concurrent: false });

await describeWith(['postgres'], 'receipts repo on PostgreSQL', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('strata_rcpt');
  });
  afterAll(async () => {
    await db?.drop();
  });
  receiptsSuite('node-postgres', async () => createPgSql({ url: db.url, max: 16 }), { concurrent: true });
});
