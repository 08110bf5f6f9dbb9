/**
 * Test chain builders: low-difficulty headers mined in-process, real transactions built with
 * @bsv/sdk, merkle trees with paths in both accepted forms, envelopes and heavier forks.
 * Hashing here uses node:crypto, independently of the code under test.
 */
import { createHash, randomBytes } from 'node:crypto';
import { LockingScript, Script, UnlockingScript } from '@bsv/sdk/script';
import { MerklePath, Transaction } from '@bsv/sdk/transaction';

/** Regtest's limit: target ≈ 2^255, so about every second nonce meets it (work ≈ 2 per block). */
export const REGTEST_BITS = 0x207fffff;
/** Eight times harder than regtest (target ≈ 2^252, work ≈ 16 per block): a few dozen tries. */
export const HARDER_BITS = 0x200fffff;

function sha256d(buf: Uint8Array): Buffer {
  return createHash('sha256').update(createHash('sha256').update(buf).digest()).digest();
}
const rev = (hex: string): Buffer => Buffer.from(hex, 'hex').reverse();
/** Display hex of sha256d. */
export function hash256Display(buf: Uint8Array): string {
  return Buffer.from(sha256d(buf)).reverse().toString('hex');
}

export interface MinedHeader {
  readonly hex: string;
  readonly hash: string;
  readonly prevHash: string;
  readonly merkleRoot: string;
  readonly time: number;
  readonly bits: number;
  /** Height this builder intended (the store decides the real one). */
  readonly height: number;
}

/** Grinds nonces until the header meets its own target. */
export function mineHeader(o: {
  prevHash: string;
  merkleRoot: string;
  height: number;
  time?: number;
  bits?: number;
  version?: number;
}): MinedHeader {
  const bits = o.bits ?? REGTEST_BITS;
  const time = o.time ?? 1_700_000_000 + o.height * 600;
  const exp = bits >>> 24;
  const target = BigInt(bits & 0x7fffff) << BigInt(8 * (exp - 3));
  const buf = Buffer.alloc(80);
  buf.writeInt32LE(o.version ?? 0x20000000, 0);
  rev(o.prevHash).copy(buf, 4);
  rev(o.merkleRoot).copy(buf, 36);
  buf.writeUInt32LE(time, 68);
  buf.writeUInt32LE(bits, 72);
  for (let nonce = 0; nonce < 0xffffffff; nonce++) {
    buf.writeUInt32LE(nonce, 76);
    const hash = hash256Display(buf);
    if (BigInt(`0x${hash}`) <= target) {
      return { hex: buf.toString('hex'), hash, prevHash: o.prevHash, merkleRoot: o.merkleRoot, time, bits, height: o.height };
    }
  }
  throw new Error('no nonce found');
}

/** Mines `n` linked headers on top of `parent` (default: a fresh checkpoint chain from height 0). */
export function mineChain(
  n: number,
  o: { parent?: { hash: string; height: number }; bits?: number; merkleRoots?: readonly string[]; timeOffset?: number } = {},
): MinedHeader[] {
  const out: MinedHeader[] = [];
  let prev = o.parent ?? { hash: randomBytes(32).toString('hex'), height: -1 };
  for (let i = 0; i < n; i++) {
    const h = mineHeader({
      prevHash: prev.hash,
      merkleRoot: o.merkleRoots?.[i] ?? randomBytes(32).toString('hex'),
      height: prev.height + 1,
      bits: o.bits,
      time: 1_700_000_000 + (prev.height + 1) * 600 + (o.timeOffset ?? 0),
    });
    out.push(h);
    prev = h;
  }
  return out;
}

/** A real transaction with one fake outpoint and an OP_FALSE OP_RETURN output carrying `data`. */
export function makeTx(data: string | Uint8Array = randomBytes(16)): { tx: Transaction; rawTx: string; txid: string } {
  const payload = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data);
  const tx = new Transaction();
  tx.addInput({
    sourceTXID: randomBytes(32).toString('hex'),
    sourceOutputIndex: 0,
    unlockingScript: new UnlockingScript(),
    sequence: 0xffffffff,
  });
  tx.addOutput({
    satoshis: 0,
    lockingScript: new LockingScript(Script.fromASM(`OP_FALSE OP_RETURN ${payload.toString('hex')}`).chunks),
  });
  return { tx, rawTx: tx.toHex(), txid: tx.id('hex') };
}

/** All levels of the block's merkle tree (display hex), leaves first, root last. */
export function merkleTree(txids: readonly string[]): string[][] {
  if (txids.length === 0) throw new Error('empty block');
  const levels: string[][] = [[...txids]];
  while ((levels[levels.length - 1] as string[]).length > 1) {
    const cur = levels[levels.length - 1] as string[];
    const next: string[] = [];
    for (let i = 0; i < cur.length; i += 2) {
      const l = cur[i] as string;
      const r = cur[i + 1] ?? l; // odd count: Bitcoin pairs the last node with itself
      next.push(hash256Display(Buffer.concat([rev(l), rev(r)])));
    }
    levels.push(next);
  }
  return levels;
}

/** The merkle root of the txids. */
export function merkleRootOf(txids: readonly string[]): string {
  const levels = merkleTree(txids);
  return (levels[levels.length - 1] as string[])[0] as string;
}

/** The seed's path form for txids[index]: siblings bottom-up with their side. */
export function merklePathFor(txids: readonly string[], index: number): Array<{ hash: string; position: 'left' | 'right' }> {
  const levels = merkleTree(txids);
  const path: Array<{ hash: string; position: 'left' | 'right' }> = [];
  let i = index;
  for (const level of levels.slice(0, -1)) {
    const sibling = i ^ 1;
    path.push({ hash: level[sibling] ?? (level[i] as string), position: sibling < i ? 'left' : 'right' });
    i >>= 1;
  }
  return path;
}

/** A BRC-74 BUMP (hex) proving txids[index] in a block at `blockHeight`. */
export function bumpFor(txids: readonly string[], index: number, blockHeight: number): string {
  const levels = merkleTree(txids);
  const txid = txids[index] as string;
  if (levels.length === 1) return new MerklePath(blockHeight, [[{ offset: 0, hash: txid, txid: true }]]).toHex();
  const path = levels.slice(0, -1).map((level, h) => {
    const offset = (index >> h) ^ 1;
    const sibling = level[offset];
    const node = sibling === undefined ? { offset, duplicate: true } : { offset, hash: sibling };
    return h === 0 ? [{ offset: index, hash: txid, txid: true }, node] : [node];
  });
  return new MerklePath(blockHeight, path).toHex();
}

export interface Scenario {
  /** The whole chain from its checkpoint (height 0), in order. */
  readonly headers: MinedHeader[];
  /** The block holding the subject tx. */
  readonly block: MinedHeader;
  readonly rawTx: string;
  readonly txid: string;
  readonly txids: string[];
  readonly txIndex: number;
  /** Path-form proof, block referenced by hash and height. */
  readonly envelope: {
    rawTx: string;
    txid: string;
    proof: { txid: string; merkleRoot: string; path: Array<{ hash: string; position: 'left' | 'right' }> };
    block: { blockHash: string; blockHeight: number };
  };
  /** Same tx, proof as a BUMP, block as its raw header. */
  readonly bumpEnvelope: { rawTx: string; txid: string; proof: { bump: string }; block: { blockHeader: string } };
}

/**
 * A chain of `length` headers whose block at `blockHeight` contains `txCount` real txs; the
 * subject tx sits at `txIndex` and carries `data` in its OP_RETURN.
 */
export function buildScenario(o: { length?: number; blockHeight?: number; txCount?: number; txIndex?: number; data?: string } = {}): Scenario {
  const length = o.length ?? 6;
  const blockHeight = o.blockHeight ?? 2;
  const txCount = o.txCount ?? 5;
  const txIndex = o.txIndex ?? Math.min(3, txCount - 1);
  const txs = Array.from({ length: txCount }, (_, i) => makeTx(i === txIndex ? (o.data ?? 'DLM1 subject') : `filler ${i}`));
  const txids = txs.map((t) => t.txid);
  const roots = Array.from({ length }, (_, i) => (i === blockHeight ? merkleRootOf(txids) : randomBytes(32).toString('hex')));
  const headers = mineChain(length, { merkleRoots: roots });
  const block = headers[blockHeight] as MinedHeader;
  const subject = txs[txIndex] as { rawTx: string; txid: string };
  return {
    headers,
    block,
    rawTx: subject.rawTx,
    txid: subject.txid,
    txids,
    txIndex,
    envelope: {
      rawTx: subject.rawTx,
      txid: subject.txid,
      proof: { txid: subject.txid, merkleRoot: block.merkleRoot, path: merklePathFor(txids, txIndex) },
      block: { blockHash: block.hash, blockHeight },
    },
    bumpEnvelope: {
      rawTx: subject.rawTx,
      txid: subject.txid,
      proof: { bump: bumpFor(txids, txIndex, blockHeight) },
      block: { blockHeader: block.hex },
    },
  };
}

/** A competing branch of `length` headers forking after `parent`; longer (or harder) branches carry more work. */
export function mineFork(parent: MinedHeader, length: number, bits = REGTEST_BITS): MinedHeader[] {
  // a time offset keeps the branch's headers distinct even with equal merkle roots
  return mineChain(length, { parent, bits, timeOffset: 1 });
}

/** An in-memory ChainView over mined headers (all on the best chain), for unit tests without SQL. */
export function memoryChain(headers: readonly MinedHeader[]) {
  const byHash = new Map(headers.map((h) => [h.hash, h]));
  const tip = headers[headers.length - 1] as MinedHeader;
  return {
    headerByHash: (hash: string) => {
      const h = byHash.get(hash);
      return h ? { hash: h.hash, height: h.height, merkleRoot: h.merkleRoot } : null;
    },
    isOnBestChain: (hash: string) => byHash.has(hash),
    tip: () => ({ hash: tip.hash, height: tip.height }),
    headerAtHeight: (height: number) => {
      const h = headers.find((x) => x.height === height);
      return h ? { hash: h.hash, height: h.height, merkleRoot: h.merkleRoot } : null;
    },
  };
}
