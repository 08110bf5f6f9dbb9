/**
 * Merkle inclusion proofs in the two forms Strata accepts: the seed's explicit path
 * (`[{hash, position}]`, display hex) and a BRC-74 BUMP (binary merkle path, hex).
 */
import { MerklePath } from '@bsv/sdk/transaction';
import { bytesToHex, hexToBytes, isHex } from '../util/hex';
import { isHash32, reversed, sha256d } from './bytes';
import { isWellFormedBump } from './wire';

/** Deeper trees would need more than 2^64 transactions. */
export const MAX_MERKLE_DEPTH = 64;
/** A BUMP proving one tx needs at most 64 levels × 2 nodes × 34 bytes ≈ 4.4 kB. */
export const MAX_BUMP_HEX = 16_384;
/** Enough for a compound proof of a few dozen txs; bounds the library's per-leaf recomputation. */
export const MAX_BUMP_LEAVES_PER_LEVEL = 64;

export interface MerkleStep {
  /** Sibling node, display hex. */
  readonly hash: string;
  /** Which side the sibling sits on when concatenated with the running hash. */
  readonly position: 'left' | 'right';
}

/**
 * Folds `txid` up the path and returns the root (display hex), or null when the input is not a
 * well-formed path. Hashing happens on little-endian bytes, so every node is reversed first.
 */
export function foldMerklePath(txid: unknown, path: unknown): string | null {
  if (!isHash32(txid) || !Array.isArray(path) || path.length > MAX_MERKLE_DEPTH) return null;
  let acc = reversed(hexToBytes(txid));
  const buf = new Uint8Array(64);
  for (const step of path as unknown[]) {
    if (typeof step !== 'object' || step === null) return null;
    const { hash, position } = step as { hash?: unknown; position?: unknown };
    if (!isHash32(hash) || (position !== 'left' && position !== 'right')) return null;
    const node = reversed(hexToBytes(hash));
    if (position === 'left') {
      buf.set(node, 0);
      buf.set(acc, 32);
    } else {
      buf.set(acc, 0);
      buf.set(node, 32);
    }
    acc = sha256d(buf);
  }
  return bytesToHex(reversed(acc));
}

/** True when the path folds `txid` to `merkleRoot` (both display hex, any case). */
export function verifyMerklePath(txid: unknown, path: unknown, merkleRoot: unknown): boolean {
  const root = foldMerklePath(typeof txid === 'string' ? txid.toLowerCase() : txid, path);
  return root !== null && isHash32(merkleRoot) && root === merkleRoot.toLowerCase();
}

export interface BumpRoot {
  /** Merkle root the BUMP yields for the txid, display hex. */
  readonly root: string;
  /** Block height the BUMP claims. */
  readonly blockHeight: number;
}

/**
 * Parses a BUMP and computes the root for `txid`. Null when the hex is malformed (truncated,
 * trailing bytes, out-of-range sizes, inconsistent tree) or lacks the txid at its leaf level.
 */
export function bumpRoot(bumpHex: unknown, txid: unknown): BumpRoot | null {
  if (!isHex(bumpHex) || bumpHex.length === 0 || bumpHex.length > MAX_BUMP_HEX || !isHash32(txid)) return null;
  const hex = bumpHex.toLowerCase();
  const id = txid.toLowerCase();
  try {
    const bytes = hexToBytes(hex);
    if (!isWellFormedBump(bytes, MAX_MERKLE_DEPTH, MAX_BUMP_LEAVES_PER_LEVEL)) return null;
    const mp = MerklePath.fromBinary(bytes);
    if (!Number.isSafeInteger(mp.blockHeight) || mp.blockHeight > 0x7fffffff) return null;
    const level0 = mp.path[0] ?? [];
    const leaf = level0.find((l) => l.hash === id);
    // the library walks offsets with 32-bit shifts: keep ours in range and inside the tree
    if (leaf === undefined || !Number.isSafeInteger(leaf.offset) || leaf.offset >= 2 ** Math.min(31, mp.path.length)) {
      return null;
    }
    const root = mp.computeRoot(id);
    return isHash32(root) ? { root, blockHeight: mp.blockHeight } : null;
  } catch {
    return null;
  }
}
