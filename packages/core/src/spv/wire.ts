/**
 * Bounded structural scans of Bitcoin wire formats. @bsv/sdk's readers do not stop at the end of
 * their input (a hostile varint count makes them loop for ~2^64 iterations), so anything
 * untrusted is scanned here first: every count must fit in the bytes that remain.
 */

/** A forward-only cursor that answers null instead of reading past the end. */
export class Cursor {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  /** Bytes not yet consumed. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Advances n bytes; false (and no move) when fewer remain. */
  skip(n: number): boolean {
    if (!Number.isSafeInteger(n) || n < 0 || n > this.remaining) return false;
    this.pos += n;
    return true;
  }

  /** One byte, or null at the end. */
  u8(): number | null {
    if (this.remaining < 1) return null;
    return this.bytes[this.pos++] as number;
  }

  /** A Bitcoin CompactSize integer; null if truncated or above 2^53. */
  varint(): number | null {
    const first = this.u8();
    if (first === null) return null;
    if (first < 0xfd) return first;
    const width = first === 0xfd ? 2 : first === 0xfe ? 4 : 8;
    if (this.remaining < width) return null;
    let v = 0;
    for (let i = width - 1; i >= 0; i--) v = v * 256 + (this.bytes[this.pos + i] as number);
    this.pos += width;
    return Number.isSafeInteger(v) ? v : null;
  }
}

/**
 * True when the bytes are exactly one serialised transaction (version, inputs, outputs,
 * locktime) with nothing left over. Scripts are not interpreted.
 */
export function isWellFormedTx(bytes: Uint8Array): boolean {
  const c = new Cursor(bytes);
  return scanTx(c) && c.remaining === 0;
}

/** Consumes one serialised transaction from the cursor; false when it does not fit the bytes left. */
export function scanTx(c: Cursor): boolean {
  if (!c.skip(4)) return false;
  const nIn = c.varint();
  // each input is at least 41 bytes: outpoint 36 + script length 1 + sequence 4
  if (nIn === null || nIn === 0 || nIn * 41 > c.remaining) return false;
  for (let i = 0; i < nIn; i++) {
    if (!c.skip(36)) return false;
    const len = c.varint();
    if (len === null || !c.skip(len) || !c.skip(4)) return false;
  }
  const nOut = c.varint();
  // each output is at least 9 bytes: satoshis 8 + script length 1
  if (nOut === null || nOut * 9 > c.remaining) return false;
  for (let i = 0; i < nOut; i++) {
    if (!c.skip(8)) return false;
    const len = c.varint();
    if (len === null || !c.skip(len)) return false;
  }
  return c.skip(4);
}

/**
 * True when the bytes are exactly one BRC-74 BUMP whose tree height is in 1..maxDepth and whose
 * leaf counts fit the input and the cap; only then is it safe to hand to MerklePath.fromBinary
 * (which recomputes the root per leaf, cubic in the leaf count in the worst case).
 */
export function isWellFormedBump(bytes: Uint8Array, maxDepth: number, maxLeavesPerLevel: number): boolean {
  const c = new Cursor(bytes);
  return scanBump(c, maxDepth, maxLeavesPerLevel) && c.remaining === 0;
}

/** Consumes one BUMP from the cursor under the same rules as isWellFormedBump; false when it does not fit. */
export function scanBump(c: Cursor, maxDepth: number, maxLeavesPerLevel: number): boolean {
  if (c.varint() === null) return false;
  const treeHeight = c.u8();
  if (treeHeight === null || treeHeight < 1 || treeHeight > maxDepth) return false;
  for (let level = 0; level < treeHeight; level++) {
    const n = c.varint();
    // each leaf is at least 2 bytes: offset 1 + flags 1
    if (n === null || n > maxLeavesPerLevel || n * 2 > c.remaining) return false;
    for (let i = 0; i < n; i++) {
      if (c.varint() === null) return false;
      const flags = c.u8();
      if (flags === null || flags > 2) return false; // 0 sibling, 1 duplicate, 2 txid
      if ((flags & 1) === 0 && !c.skip(32)) return false;
    }
  }
  return true;
}
