/** Hex ↔ bytes, strict: the one pair core uses (catalog, SPV, payments, uploads). */

const HEX_BYTES = /^(?:[0-9a-fA-F]{2})*$/;

/** True for an even-length hex string (any case, may be empty). */
export function isHex(s: unknown): s is string {
  return typeof s === 'string' && HEX_BYTES.test(s);
}

const NIBBLE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  NIBBLE['0123456789abcdef'.charCodeAt(i)] = i;
  NIBBLE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

/** Decodes strict hex; throws on anything else (callers validate first, e.g. with isHex). */
export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  if (hex.length % 2 !== 0) throw new TypeError('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = NIBBLE[hex.charCodeAt(2 * i)] ?? -1;
    const lo = NIBBLE[hex.charCodeAt(2 * i + 1)] ?? -1;
    if (hi < 0 || lo < 0) throw new TypeError('not hex');
    out[i] = (hi << 4) | lo;
  }
  return out;
}

/** Lower-case hex of the bytes. */
export function bytesToHex(bytes: Uint8Array | readonly number[]): string {
  let s = '';
  for (const b of bytes) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}
