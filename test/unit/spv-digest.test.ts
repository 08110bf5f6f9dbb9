/**
 * The split verifier (spv/envelope-digest.ts) against the whole one: for every envelope — valid,
 * each reason code's mutation, and random corruptions — and every chain state (longer chain,
 * block reorganised away, empty store, block unknown, header at another height, no merkle roots),
 * settleDigest(digestEnvelope(e), live facts) gives exactly what verifyEnvelope(e, chain) gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { verifyEnvelope, type ChainView } from '@strata/core/spv/envelope';
import { digestEnvelope, envelopeDigestSchema, readDigest, settleDigest, type LiveFacts } from '@strata/core/spv/envelope-digest';
import { buildScenario, bumpFor, makeTx, memoryChain, mineChain } from '../support/chain';

const s = buildScenario({ length: 6, blockHeight: 2, txCount: 5, txIndex: 3 });
const flip = (hex: string) => `${hex.slice(0, -1)}${hex.endsWith('0') ? '1' : '0'}`;
const base = memoryChain(s.headers);

const chains: Record<string, ChainView> = {
  base,
  longer: memoryChain([...s.headers, ...mineChain(3, { parent: s.headers[5]! })]),
  reorganisedAway: { ...base, isOnBestChain: () => false },
  emptyStore: { ...base, tip: () => null },
  blockUnknown: { ...base, headerByHash: () => null },
  otherHeight: { ...base, headerByHash: (h: string) => { const k = base.headerByHash(h); return k ? { ...k, height: k.height + 1 } : null; } },
  noRoots: { ...base, headerByHash: (h: string) => { const k = base.headerByHash(h); return k ? { ...k, merkleRoot: null } : null; } },
  onBestFlag: { ...base, headerByHash: (h: string) => { const k = base.headerByHash(h); return k ? { ...k, onBest: true } : null; } },
};

const badPow = (() => {
  const b = Buffer.from(s.block.hex, 'hex');
  b.writeUInt32LE(0x04923456, 72);
  return b.toString('hex');
})();
const other = makeTx('another');

const envelopes: Record<string, unknown> = {
  path: s.envelope,
  bump: s.bumpEnvelope,
  withConfirmations: { ...s.envelope, confirmations: 999 },
  upperCase: { ...s.envelope, txid: s.txid.toUpperCase(), proof: { ...s.envelope.proof, txid: s.txid.toUpperCase(), merkleRoot: s.block.merkleRoot.toUpperCase() }, block: { blockHash: s.block.hash.toUpperCase(), blockHeight: 2 } },
  topTxid: { ...s.envelope, txid: flip(s.txid) },
  rawTxPath: { ...s.envelope, rawTx: other.rawTx },
  rawTxBump: { ...s.bumpEnvelope, rawTx: other.rawTx },
  invalidHeader: { ...s.bumpEnvelope, block: { blockHeader: badPow } },
  unknownHash: { ...s.envelope, block: { blockHash: flip(s.block.hash), blockHeight: 2 } },
  strangerHeader: { ...s.bumpEnvelope, block: { blockHeader: mineChain(1)[0]!.hex } },
  claimedHeight: { ...s.envelope, block: { blockHash: s.block.hash, blockHeight: 3 } },
  bumpHeight: { ...s.bumpEnvelope, proof: { bump: bumpFor(s.txids, s.txIndex, 9) } },
  bumpByHash: { ...s.bumpEnvelope, block: { blockHash: s.block.hash, blockHeight: 2 } },
  sibling: { ...s.envelope, proof: { ...s.envelope.proof, path: s.envelope.proof.path.map((p, i) => (i === 0 ? { ...p, hash: flip(p.hash) } : p)) } },
  proofRoot: { ...s.envelope, proof: { ...s.envelope.proof, merkleRoot: flip(s.block.merkleRoot) } },
  foreignBump: { ...s.bumpEnvelope, proof: { bump: bumpFor([makeTx('x').txid, s.txid, makeTx('y').txid], 1, 2) } },
  nullEnvelope: null,
  badHex: { ...s.envelope, rawTx: 'zz' },
  noPath: { ...s.envelope, proof: { txid: s.txid } },
  noBlock: { ...s.envelope, block: { blockHeight: 2 } },
  innerNode: { ...s.envelope, rawTx: 'ab'.repeat(64) },
  trailingByte: { ...s.envelope, rawTx: `${s.rawTx}00` },
};

/** What one /ready row carries for an envelope: the tip, and the named block's header now. */
async function factsFrom(view: ChainView, blockHash: string | null): Promise<LiveFacts> {
  const tip = await view.tip();
  if (blockHash === null) return { tip, header: null };
  const h = await view.headerByHash(blockHash);
  return { tip, header: h === null ? null : { ...h, onBest: h.onBest ?? (await view.isOnBestChain(blockHash)) } };
}

async function split(env: unknown, view: ChainView) {
  // through JSON and readDigest, as it is stored in and read from declarations.spv_digest
  const d = readDigest(JSON.parse(JSON.stringify(await digestEnvelope(env))));
  if (d === null || d.kind === 'live') throw new Error('expected a settleable digest');
  return settleDigest(d, await factsFrom(view, d.kind === 'proof' ? d.blockHash : null));
}

describe('envelope digests settle exactly as verifyEnvelope verifies', () => {
  for (const [e, env] of Object.entries(envelopes)) {
    it(`${e}: same result on every chain state`, async () => {
      for (const [c, view] of Object.entries(chains)) {
        expect(await split(env, view), `${e} on ${c}`).toEqual(await verifyEnvelope(env, view));
      }
    });
  }

  it('the valid envelopes settle ok, with confirmations from the live tip', async () => {
    expect(await split(s.envelope, chains.longer!)).toMatchObject({ ok: true, txid: s.txid, blockHeight: 2, confirmations: 7 });
    expect(await split(s.bumpEnvelope, base)).toMatchObject({ ok: true, blockHash: s.block.hash, confirmations: 4 });
  });

  it('random corruptions of any hex field agree too', async () => {
    const fields = ['rawTx', 'txid', 'proof.merkleRoot', 'proof.path.0.hash', 'proof.path.1.hash', 'block.blockHash'] as const;
    const corrupt = (path: string, at: number, ch: string): unknown => {
      const e = structuredClone(s.envelope) as Record<string, unknown>;
      const keys = path.split('.');
      let o: Record<string, unknown> = e;
      for (const k of keys.slice(0, -1)) o = o[k] as Record<string, unknown>;
      const last = keys[keys.length - 1]!;
      const v = o[last] as string;
      const i = at % v.length;
      o[last] = `${v.slice(0, i)}${ch}${v.slice(i + 1)}`;
      return e;
    };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fields), fc.nat(), fc.constantFrom(...'0123456789abcdefg'), fc.constantFrom(...Object.keys(chains)), async (f, at, ch, c) => {
        const env = corrupt(f, at, ch);
        expect(await split(env, chains[c]!)).toEqual(await verifyEnvelope(env, chains[c]!));
      }),
      { numRuns: 150 },
    );
  });

  it('readDigest accepts exactly what the digest schema accepts', async () => {
    const digests = await Promise.all(Object.values(envelopes).map((e) => digestEnvelope(e)));
    const samples: unknown[] = [...digests, { v: 1, kind: 'live' }];
    // every field of every digest dropped, nulled or given a wrong value
    for (const d of digests) {
      const flat = d as Record<string, unknown>;
      for (const k of Object.keys(flat)) {
        for (const bad of [undefined, null, 'x', 7, -1.5, {}]) samples.push({ ...flat, [k]: bad });
        const inner = flat[k];
        if (typeof inner === 'object' && inner !== null) {
          for (const j of Object.keys(inner)) for (const bad of [undefined, null, 'X'.repeat(64), 2.5]) samples.push({ ...flat, [k]: { ...inner, [j]: bad } });
        }
      }
    }
    expect(samples.length).toBeGreaterThan(500);
    for (const x of samples) {
      expect(readDigest(x) !== null, JSON.stringify(x)).toBe(envelopeDigestSchema.safeParse(x).success);
    }
  });

  it('a BEEF envelope is left to the full verifier; a foreign or older digest is not trusted', async () => {
    expect(await digestEnvelope({ beef: 'beef' })).toEqual({ v: 1, kind: 'live' });
    expect(readDigest({ v: 2, kind: 'fail', reason: 'malformed-envelope' })).toBeNull();
    expect(readDigest({ v: 1, kind: 'proof', txid: 'x' })).toBeNull();
    expect(readDigest(null)).toBeNull();
  });
});
