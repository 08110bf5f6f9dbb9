/**
 * Bitcoin block headers: the 80-byte wire form, compact difficulty targets and proof of work.
 * Hashes are returned in display (big-endian) hex, as every API and explorer writes them.
 */
import { bytesToHex, hexToBytes, isHex } from '../util/hex';
import { reversed, sha256d } from './bytes';

export const HEADER_BYTES = 80;
const TWO_256 = 1n << 256n;

export interface BlockHeader {
  readonly version: number;
  readonly prevHash: string;
  readonly merkleRoot: string;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
  /** sha256d of the 80 bytes, display hex. */
  readonly hash: string;
  /** The 80 bytes as lower-case hex. */
  readonly raw: string;
}

function u32le(b: Uint8Array, at: number): number {
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16)) + (b[at + 3] as number) * 0x1000000;
}

/** Parses an 80-byte header given as hex; null for anything that is not exactly that. */
export function parseHeader(hex: unknown): BlockHeader | null {
  if (typeof hex !== 'string' || hex.length !== HEADER_BYTES * 2 || !isHex(hex)) return null;
  const b = hexToBytes(hex);
  return {
    version: u32le(b, 0) | 0, // signed int32 on the wire
    prevHash: bytesToHex(reversed(b.subarray(4, 36))),
    merkleRoot: bytesToHex(reversed(b.subarray(36, 68))),
    time: u32le(b, 68),
    bits: u32le(b, 72),
    nonce: u32le(b, 76),
    hash: bytesToHex(reversed(sha256d(b))),
    raw: hex.toLowerCase(),
  };
}

/**
 * Expands compact `bits` into the 256-bit target. Null when the encoding is negative, zero or
 * overflows 256 bits — such a header can never be valid.
 */
export function bitsToTarget(bits: number): bigint | null {
  if (!Number.isInteger(bits) || bits < 0 || bits > 0xffffffff) return null;
  const exponent = bits >>> 24;
  const mantissa = bits & 0x007fffff;
  if ((bits & 0x00800000) !== 0 && mantissa !== 0) return null; // sign bit: negative target
  const target =
    exponent <= 3 ? BigInt(mantissa >>> (8 * (3 - exponent))) : BigInt(mantissa) << BigInt(8 * (exponent - 3));
  if (target === 0n || target >= TWO_256) return null;
  return target;
}

/** Expected number of hashes to meet `bits`: 2^256 / (target + 1); 0n for an invalid target. */
export function workFromBits(bits: number): bigint {
  const target = bitsToTarget(bits);
  return target === null ? 0n : TWO_256 / (target + 1n);
}

/** True when the header's hash, read as a 256-bit number, is at most its own target. */
export function meetsProofOfWork(header: Pick<BlockHeader, 'hash' | 'bits'>): boolean {
  const target = bitsToTarget(header.bits);
  return target !== null && BigInt(`0x${header.hash}`) <= target;
}

/** Parses and checks proof of work in one step; null unless both succeed. */
export function parseValidHeader(hex: unknown): BlockHeader | null {
  const h = parseHeader(hex);
  return h !== null && meetsProofOfWork(h) ? h : null;
}
