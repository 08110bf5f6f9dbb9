import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyEnvelope } from '@strata/core/spv/envelope';
import { parseHeader } from '@strata/core/spv/header';
import { bumpRoot, foldMerklePath } from '@strata/core/spv/merkle';
import { isWellFormedTx } from '@strata/core/spv/wire';
import { buildScenario, memoryChain } from '../support/chain';

const s = buildScenario({ length: 5, blockHeight: 1, txCount: 7, txIndex: 4 });
const chain = memoryChain(s.headers);
const hex = (min: number, max: number) =>
  fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString('hex'));

/** Replaces the hex digit at `pos` with a different value (not just a case change). */
function mutate(str: string, pos: number, delta: number): string {
  const i = pos % str.length;
  const v = (parseInt(str[i]!, 16) + 1 + (delta % 15)) % 16;
  return `${str.slice(0, i)}${v.toString(16)}${str.slice(i + 1)}`;
}

/** Hex-character positions of the leaf flag bytes in a BUMP whose varints are all one byte. */
function bumpFlagCharPositions(bump: string): Set<number> {
  const b = Buffer.from(bump, 'hex');
  const out = new Set<number>();
  let pos = 1; // block height (one-byte varint here)
  const levels = b[pos++]!;
  for (let l = 0; l < levels; l++) {
    const n = b[pos++]!;
    for (let i = 0; i < n; i++) {
      pos++; // offset
      out.add(pos * 2).add(pos * 2 + 1);
      const flags = b[pos++]!;
      if ((flags & 1) === 0) pos += 32;
    }
  }
  expect(pos).toBe(b.length); // the assumption about one-byte varints held
  return out;
}

describe('hostile input never throws and never verifies', () => {
  it('arbitrary JSON-ish values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (junk) => {
        const r = await verifyEnvelope(junk, chain);
        expect(r.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('envelopes with random bytes in every hex field', async () => {
    const arb = fc.record({
      rawTx: hex(1, 300),
      txid: fc.option(hex(32, 32), { nil: undefined }),
      proof: fc.oneof(
        fc.record({
          txid: hex(32, 32),
          merkleRoot: hex(32, 32),
          path: fc.array(fc.record({ hash: hex(32, 32), position: fc.constantFrom('left', 'right') }), { maxLength: 70 }),
        }),
        fc.record({ bump: hex(1, 400) }),
      ),
      block: fc.oneof(
        fc.record({ blockHeader: hex(80, 80) }),
        fc.record({ blockHash: fc.constantFrom(...s.headers.map((h) => h.hash)), blockHeight: fc.nat(10) }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(arb, async (env) => {
        expect((await verifyEnvelope(env, chain)).ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('a valid envelope with any single hex digit changed', async () => {
    const fields: Array<(e: typeof s.envelope, p: number, d: number) => unknown> = [
      (e, p, d) => ({ ...e, rawTx: mutate(e.rawTx, p, d) }),
      (e, p, d) => ({ ...e, txid: mutate(e.txid, p, d) }),
      (e, p, d) => ({ ...e, proof: { ...e.proof, txid: mutate(e.proof.txid, p, d) } }),
      (e, p, d) => ({ ...e, proof: { ...e.proof, merkleRoot: mutate(e.proof.merkleRoot, p, d) } }),
      (e, p, d) => {
        const path = e.proof.path.map((st, i) => (i === p % e.proof.path.length ? { ...st, hash: mutate(st.hash, p, d) } : st));
        return { ...e, proof: { ...e.proof, path } };
      },
      (e, p) => {
        const path = e.proof.path.map((st, i) =>
          i === p % e.proof.path.length ? { ...st, position: st.position === 'left' ? 'right' : 'left' } : st,
        );
        return { ...e, proof: { ...e.proof, path } };
      },
      (e, p, d) => ({ ...e, block: { ...e.block, blockHash: mutate(e.block.blockHash, p, d) } }),
    ];
    await fc.assert(
      fc.asyncProperty(fc.nat(fields.length - 1), fc.nat(100_000), fc.nat(14), async (f, p, d) => {
        expect((await verifyEnvelope(fields[f]!(s.envelope, p, d), chain)).ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('a valid BUMP envelope with any single hex digit of the BUMP or header changed', async () => {
    // the txid flag (2 vs 0) is advisory: clearing it still proves inclusion, so flag bytes are skipped
    const flagChars = bumpFlagCharPositions(s.bumpEnvelope.proof.bump);
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.nat(100_000), fc.nat(14), async (inBump, p, d) => {
        fc.pre(!inBump || !flagChars.has(p % s.bumpEnvelope.proof.bump.length));
        const e = s.bumpEnvelope;
        const env = inBump
          ? { ...e, proof: { bump: mutate(e.proof.bump, p, d) } }
          : { ...e, block: { blockHeader: mutate(e.block.blockHeader, p, d) } };
        expect((await verifyEnvelope(env, chain)).ok).toBe(false);
      }),
      { numRuns: 400 },
    );
  });

  it('the low-level parsers are total on random strings and bytes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), hex(0, 400), fc.anything(), (str, h, any) => {
        parseHeader(str);
        parseHeader(h);
        foldMerklePath(str, any);
        foldMerklePath(h.slice(0, 64), [{ hash: h.slice(0, 64), position: 'left' }]);
        bumpRoot(h, s.txid);
        bumpRoot(str, any);
        isWellFormedTx(Buffer.from(h, 'hex'));
      }),
      { numRuns: 500 },
    );
  });
});
