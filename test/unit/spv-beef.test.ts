import { describe, expect, it, vi } from 'vitest';
import fc from 'fast-check';
import { Beef, MerklePath, Transaction } from '@bsv/sdk/transaction';
import { BEEF_V1, BEEF_V2, scanBeef } from '@strata/core/spv/beef';
import { anyEnvelopeSchema, verifyEnvelope, type ChainView } from '@strata/core/spv/envelope';
import { Cursor } from '@strata/core/spv/wire';
import { randomBytes } from 'node:crypto';
import { buildScenario, bumpFor, makeTx, memoryChain, merkleRootOf, mineChain } from '../support/chain';
import { embeddedDeps } from '../support/deps';
import { getBundle, getReady, postHeaders, postProof, publish } from '../support/trust-world';

const s = buildScenario({ length: 6, blockHeight: 2, txCount: 5, txIndex: 3 });
const chain = memoryChain(s.headers);
const bump = s.bumpEnvelope.proof.bump;

/** The subject tx as the SDK serialises it into BEEF, with the scenario's BUMP attached. */
function provenTx(): Transaction {
  const tx = Transaction.fromHex(s.rawTx);
  tx.merklePath = MerklePath.fromHex(bump);
  return tx;
}
const beefV1 = (() => {
  const b = new Beef(BEEF_V1);
  b.mergeTransaction(provenTx());
  return b.toHex();
})();
const beefV2 = (() => {
  const b = new Beef(BEEF_V2);
  b.mergeTransaction(provenTx());
  return b.toHex();
})();
const hexOf = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytesOf = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));

describe('scanBeef', () => {
  it('reads the SDK’s V1 and V2 encodings, Atomic BEEF included', () => {
    expect(beefV1.startsWith('0100beef')).toBe(true);
    expect(beefV2.startsWith('0200beef')).toBe(true);
    for (const hex of [beefV1, beefV2]) {
      const r = scanBeef(bytesOf(hex));
      expect(r).not.toBeNull();
      expect(r!.bumps).toHaveLength(1);
      expect(r!.txs.map((t) => (t.raw ? hexOf(t.raw) : null))).toEqual([s.rawTx]);
      expect(r!.txs[0]!.bumpIndex).toBe(0);
    }
    expect(scanBeef(bytesOf(beefV2))!.version).toBe(BEEF_V2);
    const atomic = scanBeef(bytesOf(hexOf(Uint8Array.from(provenTx().toAtomicBEEF()))));
    expect(atomic?.atomicTxid).toBe(s.txid);
  });

  it('refuses every truncation and any trailing byte', () => {
    const full = bytesOf(beefV1);
    for (let n = 0; n < full.length; n++) expect(scanBeef(full.subarray(0, n)), `prefix ${n}`).toBeNull();
    expect(scanBeef(bytesOf(`${beefV1}00`))).toBeNull();
  });

  it('answers hostile counts with work bounded by the input: random bytes after a valid version never hang or throw', () => {
    // every read of the scanner goes through a Cursor; count those reads (the spies call through)
    const spies = (['u8', 'varint', 'skip'] as const).map((m) => vi.spyOn(Cursor.prototype, m));
    const reads = () => spies.reduce((n, s) => n + s.mock.calls.length, 0);
    try {
      let worst = 0;
      fc.assert(
        fc.property(fc.constantFrom('0100beef', '0200beef', '01010101' + '00'.repeat(32) + '0100beef'), fc.uint8Array({ maxLength: 300 }), (prefix, tail) => {
          const bytes = new Uint8Array([...bytesOf(prefix), ...tail]);
          const before = reads();
          const r = scanBeef(bytes);
          worst = Math.max(worst, (reads() - before) / bytes.length);
          if (r !== null) expect(r.txs.length + r.bumps.length).toBeLessThanOrEqual(tail.length);
        }),
        { numRuns: 2000 },
      );
      // a count is never looped over for its own sake: at most a few reads per input byte
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThanOrEqual(2);
      // 2^64-style counts: ff + eight ff bytes for nBumps, then for nTx; refused after reading the count
      for (const hostile of [`0100beef${'ff'.repeat(9)}`, `0100beef00${'fe'}ffffffff`]) {
        const before = reads();
        expect(scanBeef(bytesOf(hostile))).toBeNull();
        expect(reads() - before).toBeLessThanOrEqual(8);
      }
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});

describe('verifyEnvelope with a BEEF envelope', () => {
  it('verifies V1 and V2, with and without a txid, with live confirmations', async () => {
    for (const env of [{ beef: beefV1 }, { beef: beefV2 }, { beef: beefV1, txid: s.txid.toUpperCase() }]) {
      expect(anyEnvelopeSchema.safeParse(env).success).toBe(true);
      expect(await verifyEnvelope(env, chain)).toEqual({
        ok: true,
        txid: s.txid,
        blockHash: s.block.hash,
        blockHeight: 2,
        confirmations: 4,
        tip: { hash: s.headers[5]!.hash, height: 5 },
      });
    }
    const longer = memoryChain([...s.headers, ...mineChain(2, { parent: s.headers[5]! })]);
    expect(await verifyEnvelope({ beef: beefV2 }, longer)).toMatchObject({ ok: true, confirmations: 6 });
  });

  it('finds a named ancestor tx in a multi-tx BEEF and defaults to the last one', async () => {
    const parent = provenTx();
    const child = makeTx('child').tx;
    child.inputs[0]!.sourceTXID = undefined;
    child.inputs[0]!.sourceTransaction = parent;
    const hex = child.toHexBEEF();
    expect(scanBeef(bytesOf(hex))!.txs).toHaveLength(2);
    expect(await verifyEnvelope({ beef: hex, txid: s.txid }, chain)).toMatchObject({ ok: true, txid: s.txid });
    // the last tx (the child) carries no BUMP
    expect(await verifyEnvelope({ beef: hex }, chain)).toMatchObject({ ok: false, reason: 'invalid-merkle-path' });
  });

  it('names the wrong txid, the missing BUMP, and a malformed BEEF', async () => {
    const other = makeTx('other').txid;
    expect(await verifyEnvelope({ beef: beefV1, txid: other }, chain)).toMatchObject({ ok: false, reason: 'txid-mismatch-top-level-vs-proof' });
    const atomic = hexOf(Uint8Array.from(provenTx().toAtomicBEEF()));
    expect(await verifyEnvelope({ beef: atomic }, chain)).toMatchObject({ ok: true, txid: s.txid });
    expect(await verifyEnvelope({ beef: atomic, txid: other }, chain)).toMatchObject({ ok: false, reason: 'txid-mismatch-top-level-vs-proof' });

    const unproven = new Beef(BEEF_V1);
    unproven.mergeRawTx(Array.from(bytesOf(s.rawTx)));
    expect(await verifyEnvelope({ beef: unproven.toHex() }, chain)).toMatchObject({ ok: false, reason: 'invalid-merkle-path' });

    for (const beef of [beefV1.slice(0, -2), `${beefV1}00`, 'zz', '0300beef0000', '']) {
      expect(await verifyEnvelope({ beef }, chain), beef).toMatchObject({ ok: false, reason: 'malformed-envelope' });
    }
  });

  it('checks the BUMP root against the best-chain header at its height', async () => {
    // same tx, a BUMP claiming height 4, whose header has another merkle root
    const wrongHeight = Transaction.fromHex(s.rawTx);
    const mp = MerklePath.fromHex(bump);
    wrongHeight.merklePath = new MerklePath(4, mp.path);
    expect(await verifyEnvelope({ beef: wrongHeight.toHexBEEF() }, chain)).toMatchObject({ ok: false, reason: 'invalid-merkle-path' });
    // a height the chain has no header for
    const beyond = Transaction.fromHex(s.rawTx);
    beyond.merklePath = new MerklePath(50, mp.path);
    expect(await verifyEnvelope({ beef: beyond.toHexBEEF() }, chain)).toMatchObject({ ok: false, reason: 'unknown-block-hash' });
  });

  it('is headers-unavailable without a height lookup or when the lookup fails', async () => {
    const { headerAtHeight: _drop, ...noHeight } = chain;
    expect(await verifyEnvelope({ beef: beefV1 }, noHeight as ChainView)).toMatchObject({ ok: false, reason: 'headers-unavailable' });
    const down: ChainView = { ...chain, headerAtHeight: () => Promise.reject(new Error('down')) };
    expect(await verifyEnvelope({ beef: beefV1 }, down)).toMatchObject({ ok: false, reason: 'headers-unavailable' });
    // the object forms never need it
    expect(await verifyEnvelope(s.envelope, noHeight as ChainView)).toMatchObject({ ok: true });
  });
});

describe('POST /declarations/:txid/proof with a BEEF envelope (embedded stack)', () => {
  it('stores it in a form /bundle and /ready re-verify', async () => {
    const stack = await embeddedDeps({ MIN_CONFS: '3', RATE_LIMIT_PER_MIN: '0' });
    try {
      const p = await publish(stack);
      const txids = [randomBytes(32).toString('hex'), p.txid];
      const [h0] = mineChain(1);
      const [block] = mineChain(1, { parent: h0!, merkleRoots: [merkleRootOf(txids)] });
      const headers = [h0!, block!, ...mineChain(2, { parent: block! })];
      expect((await postHeaders(stack, headers, 0)).status).toBe(200);
      const tx = Transaction.fromHex(p.rawTx);
      tx.merklePath = MerklePath.fromHex(bumpFor(txids, 1, 1));

      // a BEEF proving another tx, and one at a height without that root, are refused
      const wrong = await postProof(stack, p.txid, { beef: beefV1 });
      expect(wrong.status).toBe(409);
      expect(wrong.body.hint).toBe('invalid-merkle-path');

      const r = await postProof(stack, p.txid, { beef: tx.toHexBEEF() });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect(r.body).toMatchObject({ status: 'confirmed', txid: p.txid, blockHash: block!.hash, height: 1, confirmations: 3 });
      const b = await getBundle(stack, p.versionId);
      expect(b.status, JSON.stringify(b.body)).toBe(200);
      expect(b.body.proofs[0].envelope).toMatchObject({ rawTx: p.rawTx, block: { blockHash: block!.hash, blockHeight: 1 }, confirmations: 3 });
      expect((await getReady(stack, p.versionId)).body).toMatchObject({ ready: true, confirmations: 3 });
    } finally {
      await stack.close();
    }
  }, 60_000);
});
