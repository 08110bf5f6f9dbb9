import { describe, expect, it } from 'vitest';
import { SPV_REASONS, requireConfirmations, verifyEnvelope, type ChainView, type SpvReason } from '@strata/core/spv/envelope';
import { parseHeadersFile, fileChainView } from '@strata/core/spv/headers-file';
import { buildScenario, bumpFor, makeTx, memoryChain, mineChain } from '../support/chain';

const s = buildScenario({ length: 6, blockHeight: 2, txCount: 5, txIndex: 3 });
const chain = memoryChain(s.headers);
const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
const seen = new Set<SpvReason>();

async function expectReason(env: unknown, reason: SpvReason, view: ChainView = chain) {
  const r = await verifyEnvelope(env, view);
  expect(r).toMatchObject({ ok: false, reason });
  seen.add(reason);
  return r;
}

describe('verifyEnvelope: valid envelopes', () => {
  it('verifies the path form with the block by hash and height; confirmations from the tip', async () => {
    const r = await verifyEnvelope(s.envelope, chain);
    expect(r).toEqual({
      ok: true,
      txid: s.txid,
      blockHash: s.block.hash,
      blockHeight: 2,
      confirmations: 4, // tip height 5 − 2 + 1
      tip: { hash: s.headers[5]!.hash, height: 5 },
    });
  });

  it('verifies a BUMP proof with the raw block header, and without a top-level txid', async () => {
    expect(await verifyEnvelope(s.bumpEnvelope, chain)).toMatchObject({ ok: true, txid: s.txid, blockHeight: 2 });
    const { txid: _omit, ...noTxid } = s.bumpEnvelope;
    expect(await verifyEnvelope(noTxid, chain)).toMatchObject({ ok: true, confirmations: 4 });
  });

  it('recomputes confirmations on every call as the tip moves, ignoring any stored count', async () => {
    const longer = [...s.headers, ...mineChain(3, { parent: s.headers[5]! })];
    const r = await verifyEnvelope({ ...s.envelope, confirmations: 999 }, memoryChain(longer));
    expect(r).toMatchObject({ ok: true, confirmations: 7 });
  });

  it('accepts upper-case hex throughout', async () => {
    const up = {
      ...s.envelope,
      txid: s.txid.toUpperCase(),
      proof: { ...s.envelope.proof, txid: s.txid.toUpperCase(), merkleRoot: s.block.merkleRoot.toUpperCase() },
      block: { blockHash: s.block.hash.toUpperCase(), blockHeight: 2 },
    };
    expect(await verifyEnvelope(up, chain)).toMatchObject({ ok: true, txid: s.txid });
  });
});

describe('verifyEnvelope: every reason code', () => {
  it('txid-mismatch-top-level-vs-proof', async () => {
    await expectReason({ ...s.envelope, txid: flip(s.txid) }, 'txid-mismatch-top-level-vs-proof');
  });

  it('txid-mismatch-rawtx-vs-proof (path form and BUMP)', async () => {
    const other = makeTx('another');
    await expectReason({ ...s.envelope, rawTx: other.rawTx }, 'txid-mismatch-rawtx-vs-proof');
    await expectReason({ ...s.bumpEnvelope, rawTx: other.rawTx }, 'txid-mismatch-rawtx-vs-proof');
  });

  it('invalid-block-header: fails proof of work, or is not 80 bytes', async () => {
    // changing the nonce leaves a header whose hash almost surely misses the regtest target
    for (let n = 0; ; n++) {
      const b = Buffer.from(s.block.hex, 'hex');
      b.writeUInt32LE(n, 76);
      const r = await verifyEnvelope({ ...s.bumpEnvelope, block: { blockHeader: b.toString('hex') } }, chain);
      if (!r.ok && r.reason === 'invalid-block-header') {
        seen.add(r.reason);
        break;
      }
    }
    const b = Buffer.from(s.block.hex, 'hex');
    b.writeUInt32LE(0x04923456, 72); // negative compact target
    await expectReason({ ...s.bumpEnvelope, block: { blockHeader: b.toString('hex') } }, 'invalid-block-header');
  });

  it('unknown-block-hash: hash not stored, valid header not stored, block reorganised away', async () => {
    await expectReason({ ...s.envelope, block: { blockHash: flip(s.block.hash), blockHeight: 2 } }, 'unknown-block-hash');
    const stranger = mineChain(1)[0]!;
    await expectReason({ ...s.bumpEnvelope, block: { blockHeader: stranger.hex } }, 'unknown-block-hash');
    const staleView: ChainView = { ...chain, isOnBestChain: () => false };
    const r = await expectReason(s.envelope, 'unknown-block-hash', staleView);
    expect(r).toMatchObject({ detail: 'not-on-best-chain' });
  });

  it('block-height-mismatch: claimed height or BUMP height differs from the header store', async () => {
    await expectReason({ ...s.envelope, block: { blockHash: s.block.hash, blockHeight: 3 } }, 'block-height-mismatch');
    const wrongHeight = { ...s.bumpEnvelope, proof: { bump: bumpFor(s.txids, s.txIndex, 9) } };
    await expectReason(wrongHeight, 'block-height-mismatch');
  });

  it('merkle-root-unavailable: the header source carries no merkle root', async () => {
    const file = parseHeadersFile(
      JSON.stringify({
        bestHeight: 5,
        tipHash: s.headers[5]!.hash,
        headers: s.headers.map((h) => ({ hash: h.hash, prevHash: h.prevHash, height: h.height })),
      }),
    );
    await expectReason(s.envelope, 'merkle-root-unavailable', fileChainView(file));
  });

  it('invalid-merkle-path: wrong sibling, wrong proof root, BUMP of another block', async () => {
    const path = s.envelope.proof.path.map((p, i) => (i === 0 ? { ...p, hash: flip(p.hash) } : p));
    await expectReason({ ...s.envelope, proof: { ...s.envelope.proof, path } }, 'invalid-merkle-path');
    const root = flip(s.block.merkleRoot);
    await expectReason({ ...s.envelope, proof: { ...s.envelope.proof, merkleRoot: root } }, 'invalid-merkle-path');
    const foreign = [makeTx('x').txid, s.txid, makeTx('y').txid];
    await expectReason({ ...s.bumpEnvelope, proof: { bump: bumpFor(foreign, 1, 2) } }, 'invalid-merkle-path');
  });

  it('insufficient-confs: applied by the caller with requireConfirmations', async () => {
    const r = await verifyEnvelope(s.envelope, chain);
    expect(requireConfirmations(r, 4)).toBe(r);
    const short = requireConfirmations(r, 5);
    expect(short).toEqual({ ok: false, reason: 'insufficient-confs', confirmations: 4 });
    seen.add('insufficient-confs');
  });

  it('headers-unavailable: empty store, or a throwing header source', async () => {
    await expectReason(s.envelope, 'headers-unavailable', { ...chain, tip: () => null });
    const boom = () => {
      throw new Error('connection refused');
    };
    await expectReason(s.envelope, 'headers-unavailable', { ...chain, tip: async () => boom() });
    await expectReason(s.envelope, 'headers-unavailable', { ...chain, headerByHash: boom });
    // only the best-chain lookup fails: a block that may have been reorganised away is not "ok"
    await expectReason(s.envelope, 'headers-unavailable', { ...chain, isOnBestChain: async () => boom() });
  });

  it('a header store that reports a block off the best chain outranks the separate lookup', async () => {
    // headerByHash may carry onBest itself (one round trip); its answer is final
    const offBest: ChainView = { ...chain, headerByHash: (h) => ({ ...chain.headerByHash(h)!, onBest: false }), isOnBestChain: () => true };
    await expectReason(s.envelope, 'unknown-block-hash', offBest);
    const onBest: ChainView = { ...chain, headerByHash: (h) => ({ ...chain.headerByHash(h)!, onBest: true }), isOnBestChain: () => false };
    expect(await verifyEnvelope(s.envelope, onBest)).toMatchObject({ ok: true });
  });

  it('malformed-envelope: wrong shapes, non-transactions, 64-byte leaves', async () => {
    await expectReason(null, 'malformed-envelope');
    await expectReason({ ...s.envelope, rawTx: 'zz' }, 'malformed-envelope');
    await expectReason({ ...s.envelope, proof: { txid: s.txid } }, 'malformed-envelope');
    await expectReason({ ...s.envelope, block: { blockHeight: 2 } }, 'malformed-envelope');
    // 64 bytes: exactly the size of an inner merkle node, never accepted as a transaction
    await expectReason({ ...s.envelope, rawTx: 'ab'.repeat(64) }, 'malformed-envelope');
    // a well-formed transaction of exactly 64 bytes (one input, a 1-byte OP_RETURN payload), with a
    // merkle proof that folds correctly: its size alone is why it is refused (an inner node could pose as it)
    const sixtyFour = buildScenario({ length: 6, blockHeight: 2, txCount: 4, txIndex: 1, data: 'A' });
    expect(sixtyFour.rawTx.length).toBe(128);
    const r = await expectReason(sixtyFour.envelope, 'malformed-envelope', memoryChain(sixtyFour.headers));
    expect(r).toMatchObject({ detail: 'rawTx: not a transaction' });
    // one byte more and the same construction verifies: the refusal above is the size guard
    const sixtyFive = buildScenario({ length: 6, blockHeight: 2, txCount: 4, txIndex: 1, data: 'AB' });
    expect(await verifyEnvelope(sixtyFive.envelope, memoryChain(sixtyFive.headers))).toMatchObject({ ok: true });
    // trailing byte after a complete transaction
    await expectReason({ ...s.envelope, rawTx: `${s.rawTx}00` }, 'malformed-envelope');
  });

  it('details name what failed: the field of a malformed envelope, the BUMP, the proof root', async () => {
    expect(await verifyEnvelope({ ...s.envelope, rawTx: 'zz' }, chain)).toEqual({ ok: false, reason: 'malformed-envelope', detail: expect.stringMatching(/^rawTx: ./) });
    expect(await verifyEnvelope('not an envelope', chain)).toEqual({ ok: false, reason: 'malformed-envelope', detail: expect.stringMatching(/^\(root\): ./) });
    expect(await verifyEnvelope({ ...s.envelope, proof: { ...s.envelope.proof, txid: 'zz' } }, chain)).toEqual({
      ok: false,
      reason: 'malformed-envelope',
      detail: expect.stringMatching(/^proof\.txid: ./),
    });
    const foreign = [makeTx('x').txid, makeTx('z').txid, makeTx('y').txid];
    expect(await verifyEnvelope({ ...s.bumpEnvelope, proof: { bump: bumpFor(foreign, 1, 2) } }, chain)).toEqual({
      ok: false,
      reason: 'invalid-merkle-path',
      detail: 'bump does not prove this txid',
    });
    const wrongHeight = { ...s.bumpEnvelope, proof: { bump: bumpFor(s.txids, s.txIndex, 9) } };
    expect(await verifyEnvelope(wrongHeight, chain)).toEqual({ ok: false, reason: 'block-height-mismatch', detail: 'bump block height' });
    const root = flip(s.block.merkleRoot);
    expect(await verifyEnvelope({ ...s.envelope, proof: { ...s.envelope.proof, merkleRoot: root } }, chain)).toEqual({
      ok: false,
      reason: 'invalid-merkle-path',
      detail: 'proof.merkleRoot',
    });
    // the sibling is wrong: no detail beyond the reason
    const path = s.envelope.proof.path.map((p, i) => (i === 0 ? { ...p, hash: flip(p.hash) } : p));
    expect(await verifyEnvelope({ ...s.envelope, proof: { ...s.envelope.proof, path } }, chain)).toEqual({ ok: false, reason: 'invalid-merkle-path' });
  });

  it('a header source that fails when the block is given as a raw header is an outage, not an unknown block', async () => {
    const boom = () => {
      throw new Error('connection refused');
    };
    await expectReason(s.bumpEnvelope, 'headers-unavailable', { ...chain, headerByHash: boom });
  });

  it('input that throws while being read is a malformed envelope, not an exception', async () => {
    const hostile = Object.defineProperty({ ...s.envelope }, 'rawTx', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(await verifyEnvelope(hostile, chain)).toEqual({ ok: false, reason: 'malformed-envelope' });
  });

  it('has reached every reason code', () => {
    expect([...seen].sort()).toEqual([...SPV_REASONS].sort());
  });
});
