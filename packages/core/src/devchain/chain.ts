/**
 * The dev chain's blocks: low-difficulty headers mined in-process on top of a fixed genesis,
 * and the merkle trees of the transactions they carry (ADR 0061). Pure functions over the
 * SPV module's own hashing, so they run wherever core runs; a header mined here passes the
 * same proof-of-work and linkage checks as any other (spv/header.ts, spv/header-store.ts).
 */
import { bytesToHex, hexToBytes } from '../util/hex';
import { reversed, sha256d, sha256dDisplay } from '../spv/bytes';
import { meetsProofOfWork, parseHeader, bitsToTarget, type BlockHeader } from '../spv/header';
import type { MerkleStep } from '../spv/merkle';

/** Regtest's compact target (≈ 2^255): about every second nonce meets it. */
export const DEV_CHAIN_BITS = 0x207fffff;
/** Block version written into every dev header (BIP9 top bits, as real blocks carry). */
const DEV_VERSION = 0x20000000;
/** The dev genesis: fixed time, all-zero parent, a merkle root naming the chain. */
const GENESIS_TIME = 1_700_000_000;
const GENESIS_TAG = 'Strata dev chain genesis';
const ZERO_HASH = '0'.repeat(64);

/** Display hex of sha256d over UTF-8 text. */
export function tagHash(text: string): string {
  return sha256dDisplay(new TextEncoder().encode(text));
}

function u32le(buf: Uint8Array, at: number, v: number): void {
  buf[at] = v & 0xff;
  buf[at + 1] = (v >>> 8) & 0xff;
  buf[at + 2] = (v >>> 16) & 0xff;
  buf[at + 3] = (v >>> 24) & 0xff;
}

/**
 * Grinds nonces until the 80-byte header meets `bits`. With the dev target that takes a couple
 * of hashes; a target a caller makes harder still ends (2^32 nonces), or throws.
 */
export function mineHeader(o: { prevHash: string; merkleRoot: string; time: number; bits?: number }): BlockHeader {
  const bits = o.bits ?? DEV_CHAIN_BITS;
  if (bitsToTarget(bits) === null) throw new RangeError('bits is not a valid compact target');
  const buf = new Uint8Array(80);
  u32le(buf, 0, DEV_VERSION);
  buf.set(reversed(hexToBytes(o.prevHash)), 4);
  buf.set(reversed(hexToBytes(o.merkleRoot)), 36);
  u32le(buf, 68, o.time);
  u32le(buf, 72, bits);
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    u32le(buf, 76, nonce);
    const h = parseHeader(bytesToHex(buf));
    if (h !== null && meetsProofOfWork(h)) return h;
  }
  throw new Error('no nonce meets the target');
}

let genesis: BlockHeader | null = null;
/** The dev chain's first header (height 0): the same on every machine, so a store can tell it apart. */
export function devGenesis(): BlockHeader {
  genesis ??= mineHeader({ prevHash: ZERO_HASH, merkleRoot: tagHash(GENESIS_TAG), time: GENESIS_TIME });
  return genesis;
}

/** The pseudo-coinbase txid of the dev block at `height`: every block has at least one leaf. */
export function coinbaseTxid(height: number): string {
  return tagHash(`Strata dev chain coinbase ${height}`);
}

/** All levels of a block's merkle tree (display hex), leaves first, root last. */
export function merkleTree(txids: readonly string[]): string[][] {
  if (txids.length === 0) throw new RangeError('a block has at least one transaction');
  const levels: string[][] = [txids.map((t) => t.toLowerCase())];
  const pair = new Uint8Array(64);
  for (let cur = levels[0] as string[]; cur.length > 1; cur = levels[levels.length - 1] as string[]) {
    const next: string[] = [];
    for (let i = 0; i < cur.length; i += 2) {
      const l = cur[i] as string;
      const r = cur[i + 1] ?? l; // odd count: the last node pairs with itself
      pair.set(reversed(hexToBytes(l)), 0);
      pair.set(reversed(hexToBytes(r)), 32);
      next.push(bytesToHex(reversed(sha256d(pair))));
    }
    levels.push(next);
  }
  return levels;
}

/** The path-form proof (siblings bottom-up with their side) of leaf `index` in `levels`. */
export function merklePath(levels: readonly string[][], index: number): MerkleStep[] {
  const path: MerkleStep[] = [];
  let i = index;
  for (const level of levels.slice(0, -1)) {
    const sibling = i ^ 1;
    path.push({ hash: level[sibling] ?? (level[i] as string), position: sibling < i ? 'left' : 'right' });
    i >>= 1;
  }
  return path;
}

/** The root of a tree built by merkleTree. */
export function merkleRoot(levels: readonly string[][]): string {
  return (levels[levels.length - 1] as string[])[0] as string;
}
