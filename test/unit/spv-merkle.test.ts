import { describe, expect, it } from 'vitest';
import { MerklePath } from '@bsv/sdk/transaction';
import { bumpRoot, foldMerklePath, verifyMerklePath } from '@strata/core/spv/merkle';
import { isWellFormedBump } from '@strata/core/spv/wire';
import { bumpFor, makeTx, merklePathFor, merkleRootOf } from '../support/chain';

// Block 170: the coinbase and the first person-to-person transaction, and the block's merkle root.
const COINBASE_170 = 'b1fea52486ce0c62bb442b530a3f0132b826c74e473d1f2c220bfa78111c5082';
const TX_170 = 'f4184fc596403b9d638783cf57adfe4c75c605f6356fbc91338530e9831e9e16';
const ROOT_170 = '7dac2c5666815c17a3b36427de37bb9d2e2c5ccec3f8633eb91a4205cb4c10ff';

const txids = (n: number) => Array.from({ length: n }, (_, i) => makeTx(`tx ${i}`).txid);

describe('foldMerklePath (the seed path form)', () => {
  it('folds a real mainnet pair (block 170) to its merkle root', () => {
    expect(foldMerklePath(TX_170, [{ hash: COINBASE_170, position: 'left' }])).toBe(ROOT_170);
    expect(verifyMerklePath(COINBASE_170, [{ hash: TX_170, position: 'right' }], ROOT_170.toUpperCase())).toBe(true);
    // sides matter: swapping them yields a different root
    expect(verifyMerklePath(TX_170, [{ hash: COINBASE_170, position: 'right' }], ROOT_170)).toBe(false);
  });

  it('folds every leaf of self-built trees (odd and even sizes) to the root', () => {
    for (const n of [1, 2, 3, 5, 8, 13]) {
      const ids = txids(n);
      const root = merkleRootOf(ids);
      ids.forEach((id, i) => expect(foldMerklePath(id, merklePathFor(ids, i))).toBe(root));
    }
  });

  it('treats a single-tx block as path [] with root = txid', () => {
    const [id] = txids(1);
    expect(foldMerklePath(id, [])).toBe(id);
  });

  it('fails on a tampered sibling, a wrong txid or a truncated path', () => {
    const ids = txids(6);
    const root = merkleRootOf(ids);
    const path = merklePathFor(ids, 4);
    const tampered = path.map((s, i) => (i === 1 ? { ...s, hash: `${s.hash.slice(0, 63)}${s.hash.endsWith('0') ? '1' : '0'}` } : s));
    expect(verifyMerklePath(ids[4], tampered, root)).toBe(false);
    expect(verifyMerklePath(ids[3], path, root)).toBe(false);
    expect(verifyMerklePath(ids[4], path.slice(0, -1), root)).toBe(false);
  });

  it('returns null for malformed input instead of throwing', () => {
    const step = { hash: COINBASE_170, position: 'left' };
    expect(foldMerklePath('xyz', [step])).toBeNull();
    expect(foldMerklePath(TX_170, 'nope')).toBeNull();
    expect(foldMerklePath(TX_170, [{ ...step, position: 'up' }])).toBeNull();
    expect(foldMerklePath(TX_170, [{ ...step, hash: 'ab' }])).toBeNull();
    expect(foldMerklePath(TX_170, [null])).toBeNull();
    expect(foldMerklePath(TX_170, Array.from({ length: 65 }, () => step))).toBeNull();
    expect(foldMerklePath(TX_170, Array.from({ length: 64 }, () => step))).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('bumpRoot (BRC-74)', () => {
  it('agrees with the real block 170 root', () => {
    const bump = new MerklePath(170, [[{ offset: 0, hash: COINBASE_170 }, { offset: 1, hash: TX_170, txid: true }]]).toHex();
    expect(bumpRoot(bump, TX_170)).toEqual({ root: ROOT_170, blockHeight: 170 });
  });

  it('matches the path form for every leaf of self-built trees', () => {
    for (const n of [1, 2, 3, 7, 10]) {
      const ids = txids(n);
      const root = merkleRootOf(ids);
      ids.forEach((id, i) => expect(bumpRoot(bumpFor(ids, i, 100 + n), id)).toEqual({ root, blockHeight: 100 + n }));
    }
  });

  it('rejects a BUMP that does not contain the txid, trailing bytes, truncation and non-hex', () => {
    const ids = txids(4);
    const bump = bumpFor(ids, 1, 7);
    expect(bumpRoot(bump, ids[3])).toBeNull(); // ids[3] is not a leaf of this proof
    expect(bumpRoot(`${bump}00`, ids[1])).toBeNull();
    expect(bumpRoot(bump.slice(0, -2), ids[1])).toBeNull();
    expect(bumpRoot(`${bump.slice(0, -1)}g`, ids[1])).toBeNull();
    expect(bumpRoot('', ids[1])).toBeNull();
    expect(bumpRoot(bump, 'not-a-txid')).toBeNull();
  });

  it('refuses hostile leaf counts before the library could loop on them', () => {
    // block height 0, tree height 1, then a leaf count of 2^53-ish: the library's reader would
    // keep reading past the end; the bounded scan refuses it up front
    const hostile = new Uint8Array([0x00, 0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x00]);
    expect(isWellFormedBump(hostile, 64, 64)).toBe(false);
    expect(bumpRoot(Buffer.from(hostile).toString('hex'), COINBASE_170)).toBeNull();
    // tree heights 0 and 65 are refused too
    expect(isWellFormedBump(new Uint8Array([0x00, 0x00]), 64, 64)).toBe(false);
    expect(isWellFormedBump(new Uint8Array([0x00, 65]), 64, 64)).toBe(false);
  });
});

describe('merkle inputs of the wrong type or out of range', () => {
  const A = 'aa'.repeat(32);
  const B = 'bb'.repeat(32);

  it('verifyMerklePath and bumpRoot answer false/null for non-string input instead of throwing', () => {
    const step = { hash: COINBASE_170, position: 'left' };
    for (const txid of [170, null, undefined, { txid: TX_170 }]) expect(verifyMerklePath(txid, [step], ROOT_170)).toBe(false);
    for (const root of [170, null, undefined, [ROOT_170]]) expect(verifyMerklePath(TX_170, [step], root)).toBe(false);
    expect(verifyMerklePath(TX_170.toUpperCase(), [step], ROOT_170)).toBe(true);
    const bump = new MerklePath(170, [[{ offset: 0, hash: COINBASE_170 }, { offset: 1, hash: TX_170, txid: true }]]).toHex();
    for (const hex of [170, null, undefined, { bump }, [bump]]) expect(bumpRoot(hex, TX_170)).toBeNull();
    expect(bumpRoot(bump.toUpperCase(), TX_170.toUpperCase())).toEqual({ root: ROOT_170, blockHeight: 170 });
  });

  it('accepts block heights up to 2^31 - 1 and refuses larger ones', () => {
    const at = (h: number) => new MerklePath(h, [[{ offset: 0, hash: A, txid: true }, { offset: 1, hash: B }]]).toHex();
    expect(bumpRoot(at(0x7fffffff), A)).toMatchObject({ blockHeight: 0x7fffffff });
    expect(bumpRoot(at(0x80000000), A)).toBeNull();
    expect(bumpRoot(at(2 ** 40), A)).toBeNull();
  });

  it('refuses a txid placed outside its tree, for which the library would still compute a root', () => {
    // tree height 1 has leaf offsets 0 and 1; offset 2 names a leaf of some other, larger tree
    const outside = new MerklePath(5, [[{ offset: 2, hash: A, txid: true }, { offset: 3, hash: B }]]);
    expect(outside.computeRoot(A)).toMatch(/^[0-9a-f]{64}$/);
    expect(bumpRoot(outside.toHex(), A)).toBeNull();
    const inside = new MerklePath(5, [[{ offset: 0, hash: B }, { offset: 1, hash: A, txid: true }]]);
    expect(bumpRoot(inside.toHex(), A)).toEqual({ root: inside.computeRoot(A), blockHeight: 5 });
  });

  it('a well-formed BUMP the library cannot fold reads as null', () => {
    // tree height 2, but no node at level 1: the txid's path is missing a sibling
    const hex = `0502020002${A}0100${B}00`;
    expect(isWellFormedBump(Buffer.from(hex, 'hex'), 64, 64)).toBe(true);
    expect(() => MerklePath.fromHex(hex).computeRoot(A)).toThrow();
    expect(bumpRoot(hex, A)).toBeNull();
  });
});
