/**
 * BRC-62 BEEF (V1, V2 and BRC-95 Atomic BEEF) as an alternative SPV envelope encoding:
 * `{ beef: "<hex>", txid?: "<hex>" }`. The bytes are scanned with bounded cursors (never handed
 * to @bsv/sdk's readers, which do not stop at the end of their input) and the target's BUMP
 * locates its block by height; the result is the ordinary envelope form, verified as usual.
 */
import { z } from 'zod';
import { bytesToHex, hexToBytes } from '../util/hex';
import { reversed, sha256dDisplayAsync } from './bytes';
import type { ChainView, Envelope, SpvReason } from './envelope-schema';
import { bumpRoot, MAX_BUMP_HEX, MAX_BUMP_LEAVES_PER_LEVEL, MAX_MERKLE_DEPTH } from './merkle';
import { Cursor, scanBump, scanTx } from './wire';

/** Version words as read little-endian: bytes 01 00 BE EF and 02 00 BE EF. */
export const BEEF_V1 = 0xefbe0001;
export const BEEF_V2 = 0xefbe0002;
/** BRC-95: 01010101, the subject txid, then a V1/V2 BEEF. */
export const ATOMIC_BEEF = 0x01010101;
/** Bounds the work a hostile BEEF can ask for. */
export const MAX_BEEF_BUMPS = 64;
export const MAX_BEEF_TXS = 1000;
/** The envelope's raw-tx cap (20 MB hex) plus room for every BUMP. */
export const MAX_BEEF_HEX = 20_000_000 + MAX_BEEF_BUMPS * MAX_BUMP_HEX;

const hash32 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters');
export const beefEnvelopeSchema = z.object({
  beef: z.string().min(2).max(MAX_BEEF_HEX).regex(/^(?:[0-9a-fA-F]{2})+$/, 'expected an even number of hex characters'),
  txid: hash32.optional(),
  confirmations: z.number().optional(),
});
export type BeefEnvelope = z.infer<typeof beefEnvelopeSchema>;

export interface BeefTxEntry {
  /** The serialised transaction; null for a V2 txid-only entry. */
  readonly raw: Uint8Array<ArrayBuffer> | null;
  /** Display hex, only for txid-only entries (raw ones are hashed on demand). */
  readonly txid: string | null;
  readonly bumpIndex: number | null;
}

export interface ScannedBeef {
  readonly version: number;
  /** The subject txid of an Atomic BEEF (display hex). */
  readonly atomicTxid: string | null;
  readonly bumps: readonly Uint8Array<ArrayBuffer>[];
  readonly txs: readonly BeefTxEntry[];
}

/** True when the input looks like a BEEF envelope (has a `beef` member), whatever its validity. */
export function isBeefEnvelope(input: unknown): boolean {
  return typeof input === 'object' && input !== null && !Array.isArray(input) && 'beef' in input;
}

function u32le(c: Cursor): number | null {
  const at = c.pos;
  if (!c.skip(4)) return null;
  const b = c.bytes;
  return ((b[at] as number) | ((b[at + 1] as number) << 8) | ((b[at + 2] as number) << 16) | ((b[at + 3] as number) << 24)) >>> 0;
}

/**
 * Scans a whole BEEF; null when it is truncated, has trailing bytes, exceeds the caps, or a
 * bump index points past the bumps. Every count is checked against the bytes that remain.
 */
export function scanBeef(bytes: Uint8Array<ArrayBuffer>): ScannedBeef | null {
  if (bytes.length > MAX_BEEF_HEX / 2) return null;
  const c = new Cursor(bytes);
  let version = u32le(c);
  let atomicTxid: string | null = null;
  if (version === ATOMIC_BEEF) {
    const at = c.pos;
    if (!c.skip(32)) return null;
    atomicTxid = bytesToHex(reversed(bytes.subarray(at, at + 32)));
    version = u32le(c);
  }
  if (version !== BEEF_V1 && version !== BEEF_V2) return null;

  const nBumps = c.varint();
  // a BUMP is at least 3 bytes: block height 1 + tree height 1 + one level's leaf count 1
  if (nBumps === null || nBumps > MAX_BEEF_BUMPS || nBumps * 3 > c.remaining) return null;
  const bumps: Uint8Array<ArrayBuffer>[] = [];
  for (let i = 0; i < nBumps; i++) {
    const start = c.pos;
    if (!scanBump(c, MAX_MERKLE_DEPTH, MAX_BUMP_LEAVES_PER_LEVEL) || (c.pos - start) * 2 > MAX_BUMP_HEX) return null;
    bumps.push(bytes.subarray(start, c.pos));
  }

  const nTx = c.varint();
  // a V1 entry is at least 52 bytes (a 51-byte tx + hasBump); a V2 txid-only one is 33
  if (nTx === null || nTx > MAX_BEEF_TXS || nTx * 33 > c.remaining) return null;
  const txs: BeefTxEntry[] = [];
  for (let i = 0; i < nTx; i++) {
    let bumpIndex: number | null = null;
    if (version === BEEF_V2) {
      const format = c.u8();
      if (format === 2) {
        const at = c.pos;
        if (!c.skip(32)) return null;
        txs.push({ raw: null, txid: bytesToHex(reversed(bytes.subarray(at, at + 32))), bumpIndex: null });
        continue;
      }
      if (format === 1) bumpIndex = c.varint();
      else if (format !== 0) return null;
      if (format === 1 && bumpIndex === null) return null;
    }
    const start = c.pos;
    if (!scanTx(c)) return null;
    const raw = bytes.subarray(start, c.pos);
    if (version === BEEF_V1) {
      const hasBump = c.u8();
      if (hasBump === null || hasBump > 1) return null;
      if (hasBump === 1) bumpIndex = c.varint();
      if (hasBump === 1 && bumpIndex === null) return null;
    }
    if (bumpIndex !== null && bumpIndex >= bumps.length) return null;
    txs.push({ raw, txid: null, bumpIndex });
  }
  return c.remaining === 0 ? { version, atomicTxid, bumps, txs } : null;
}

export type BeefResolution =
  | { readonly ok: true; readonly envelope: Envelope }
  | { readonly ok: false; readonly reason: SpvReason; readonly detail?: string };

const no = (reason: SpvReason, detail?: string): BeefResolution =>
  detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };

/**
 * Turns a BEEF envelope into the ordinary form `{rawTx, txid, proof: {bump}, block: {blockHash,
 * blockHeight}}`: finds the target (the given txid, else the Atomic subject, else the last tx),
 * requires its BUMP to prove it, and names the best-chain block at the BUMP's height. The caller
 * still verifies the result (root against that header, best chain, confirmations). Never throws.
 */
export async function resolveBeefEnvelope(input: unknown, chain: ChainView): Promise<BeefResolution> {
  try {
    return await resolve(input, chain);
  } catch {
    return no('malformed-envelope');
  }
}

async function resolve(input: unknown, chain: ChainView): Promise<BeefResolution> {
  const parsed = beefEnvelopeSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return no('malformed-envelope', issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : undefined);
  }
  const beef = scanBeef(hexToBytes(parsed.data.beef));
  if (beef === null) return no('malformed-envelope', 'beef: not a well-formed BEEF');
  const given = parsed.data.txid?.toLowerCase();
  if (given !== undefined && beef.atomicTxid !== null && given !== beef.atomicTxid) {
    return no('txid-mismatch-top-level-vs-proof', 'beef: atomic subject');
  }
  const wanted = given ?? beef.atomicTxid;

  let target: { raw: Uint8Array<ArrayBuffer>; txid: string; bumpIndex: number | null } | null = null;
  if (wanted === null) {
    const last = beef.txs[beef.txs.length - 1];
    if (last?.raw) target = { raw: last.raw, txid: await sha256dDisplayAsync(last.raw), bumpIndex: last.bumpIndex };
  } else {
    for (const t of beef.txs) {
      if (t.raw === null) continue;
      const id = await sha256dDisplayAsync(t.raw);
      if (id === wanted) target = { raw: t.raw, txid: id, bumpIndex: t.bumpIndex };
    }
  }
  if (target === null) {
    return wanted === null ? no('malformed-envelope', 'beef: no transaction to prove') : no('txid-mismatch-top-level-vs-proof', 'beef: txid not in the BEEF');
  }
  // a 64-byte "transaction" could be an inner merkle node posing as a leaf
  if (target.raw.length === 64) return no('malformed-envelope', 'beef: target is not a transaction');
  const bump = target.bumpIndex === null ? undefined : beef.bumps[target.bumpIndex];
  if (bump === undefined) return no('invalid-merkle-path', 'beef: the target carries no BUMP');
  const bumpHex = bytesToHex(bump);
  const proved = bumpRoot(bumpHex, target.txid);
  if (proved === null) return no('invalid-merkle-path', 'bump does not prove this txid');

  const lookup = chain.headerAtHeight;
  if (lookup === undefined) return no('headers-unavailable', 'no height lookup');
  let header;
  try {
    header = await lookup.call(chain, proved.blockHeight);
  } catch {
    return no('headers-unavailable');
  }
  if (header === null) return no('unknown-block-hash', `no best-chain header at height ${proved.blockHeight}`);
  return {
    ok: true,
    envelope: {
      rawTx: bytesToHex(target.raw),
      txid: target.txid,
      proof: { bump: bumpHex },
      block: { blockHash: header.hash.toLowerCase(), blockHeight: proved.blockHeight },
    },
  };
}
