import { describe, expect, it } from 'vitest';
import { bitsToTarget, meetsProofOfWork, parseHeader, parseValidHeader, workFromBits } from '@strata/core/spv/header';
import { HARDER_BITS, REGTEST_BITS, mineHeader } from '../support/chain';

// Bitcoin's genesis block header and block 170 (the first block with a non-coinbase tx): real vectors.
const GENESIS =
  '0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c';
const BLOCK_170 =
  '0100000055bd840a78798ad0da853f68974f3d183e2bd1db6a842c1feecf222a00000000ff104ccb05421ab93e63f8c3ce5c2c2e9dbb37de2764b3a3175c8166562cac7d51b96a49ffff001d283e9e70';

describe('parseHeader', () => {
  it('parses the genesis header into display-order fields', () => {
    const h = parseHeader(GENESIS);
    expect(h).toEqual({
      version: 1,
      prevHash: '0'.repeat(64),
      merkleRoot: '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b',
      time: 1231006505,
      bits: 0x1d00ffff,
      nonce: 2083236893,
      hash: '000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f',
      raw: GENESIS,
    });
    expect(meetsProofOfWork(h!)).toBe(true);
  });

  it('parses block 170 and links it to block 169', () => {
    const h = parseValidHeader(BLOCK_170.toUpperCase());
    expect(h?.hash).toBe('00000000d1145790a8694403d4063f323d499e655c83426834d4ce2f8dd4a2ee');
    expect(h?.prevHash).toBe('000000002a22cfee1f2c846adbd12b3e183d4f97683f85dad08a79780a84bd55');
    expect(h?.raw).toBe(BLOCK_170); // normalised to lower case
  });

  it('reads a high-bit version as a signed int32 and high-bit fields as unsigned', () => {
    const b = Buffer.from(GENESIS, 'hex');
    b.writeUInt32LE(0xffffffff, 0);
    b.writeUInt32LE(0xfffffffe, 68);
    const h = parseHeader(b.toString('hex'));
    expect(h?.version).toBe(-1);
    expect(h?.time).toBe(0xfffffffe);
  });

  it.each([
    ['empty', ''],
    ['79 bytes', GENESIS.slice(0, 158)],
    ['81 bytes', `${GENESIS}00`],
    ['odd length', GENESIS.slice(0, 159)],
    ['non-hex', `${GENESIS.slice(0, 158)}zz`],
    ['whitespace', ` ${GENESIS.slice(1)}`],
    ['not a string', 42],
  ])('rejects %s', (_name, input) => {
    expect(parseHeader(input)).toBeNull();
  });
});

describe('compact bits and work', () => {
  it('expands difficulty-1 bits to the known target and work', () => {
    expect(bitsToTarget(0x1d00ffff)).toBe(0xffffn << 208n);
    // genesis chainwork is 0x100010001
    expect(workFromBits(0x1d00ffff)).toBe(0x100010001n);
  });

  it('handles small exponents and rejects negative, zero and overflowing targets', () => {
    expect(bitsToTarget(0x03123456)).toBe(0x123456n);
    expect(bitsToTarget(0x02123456)).toBe(0x1234n);
    expect(bitsToTarget(0x04923456)).toBeNull(); // sign bit set
    expect(bitsToTarget(0x1d000000)).toBeNull(); // zero
    expect(bitsToTarget(0x2100ffff)).toBe(0xffffn << 240n);
    expect(bitsToTarget(0x23010000)).toBeNull(); // ≥ 2^256
    // exactly 2^256 (mantissa 1 shifted by 32 bytes): a target every hash would meet
    expect(bitsToTarget(0x23000001)).toBeNull();
    expect(meetsProofOfWork({ hash: 'f'.repeat(64), bits: 0x23000001 })).toBe(false);
    expect(workFromBits(0x23000001)).toBe(0n);
    // the largest target below 2^256 is still a target
    expect(bitsToTarget(0x220000ff)).toBe(0xffn << 248n);
    expect(bitsToTarget(0x100000000)).toBeNull(); // not a 32-bit field
    expect(bitsToTarget(1.5)).toBeNull();
    expect(bitsToTarget(-1)).toBeNull();
    expect(workFromBits(0x1d000000)).toBe(0n);
  });

  it('gives harder bits more work', () => {
    expect(workFromBits(HARDER_BITS)).toBeGreaterThan(workFromBits(REGTEST_BITS));
    expect(workFromBits(REGTEST_BITS)).toBe(2n);
  });
});

describe('proof of work', () => {
  it('accepts a mined regtest header and rejects it once a byte changes', () => {
    const mined = mineHeader({ prevHash: '11'.repeat(32), merkleRoot: '22'.repeat(32), height: 1 });
    expect(parseValidHeader(mined.hex)?.hash).toBe(mined.hash);
    // find a nonce whose hash misses the target: about every second one does
    const b = Buffer.from(mined.hex, 'hex');
    let failing: string | null = null;
    for (let n = 0; failing === null; n++) {
      b.writeUInt32LE(n, 76);
      const h = parseHeader(b.toString('hex'))!;
      if (!meetsProofOfWork(h)) failing = h.raw;
    }
    expect(parseHeader(failing)).not.toBeNull();
    expect(parseValidHeader(failing)).toBeNull();
  });

  it('rejects the genesis header when its bits claim a harder target', () => {
    const b = Buffer.from(GENESIS, 'hex');
    b.writeUInt32LE(0x1b00ffff, 72);
    expect(parseValidHeader(b.toString('hex'))).toBeNull();
  });
});

describe('compact bits at the edges', () => {
  it('refuses bits that are not a 32-bit unsigned integer, even when they would wrap to a valid one', () => {
    expect(bitsToTarget(0x1d00ffff)).not.toBeNull();
    for (const bits of [0x1d00ffff + 0.5, 0x1d00ffff - 2 ** 32, 0x1d00ffff + 2 ** 32, Number.NaN]) expect(bitsToTarget(bits)).toBeNull();
  });

  it('shifts the mantissa right for exponents below 3', () => {
    expect(bitsToTarget(0x01123456)).toBe(0x12n);
    expect(bitsToTarget(0x02123456)).toBe(0x1234n);
    expect(bitsToTarget(0x03123456)).toBe(0x123456n);
    expect(bitsToTarget(0x04123456)).toBe(0x12345600n);
  });

  it('difficulty 1 is 2^32 + 2^16 + 1 expected hashes (2^256 / (target + 1))', () => {
    expect(workFromBits(0x1d00ffff)).toBe(0x100010001n);
    expect(workFromBits(0)).toBe(0n);
    // the smallest target, 1: half of all hashes meet it
    expect(bitsToTarget(0x01010000)).toBe(1n);
    expect(workFromBits(0x01010000)).toBe(2n ** 255n);
  });

  it('a hash exactly at the target meets it, one above does not', () => {
    const target = bitsToTarget(0x1d00ffff)!;
    const hex = (n: bigint) => n.toString(16).padStart(64, '0');
    expect(meetsProofOfWork({ hash: hex(target), bits: 0x1d00ffff })).toBe(true);
    expect(meetsProofOfWork({ hash: hex(target + 1n), bits: 0x1d00ffff })).toBe(false);
    // invalid bits meet nothing, not even the zero hash
    expect(meetsProofOfWork({ hash: '00'.repeat(32), bits: 0 })).toBe(false);
  });

  it('parseValidHeader answers null for anything that is not a header', () => {
    for (const x of ['xyz', '', null, 42, '00'.repeat(79)]) expect(parseValidHeader(x)).toBeNull();
  });
});
