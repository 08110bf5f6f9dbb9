/**
 * verifyEnvelope split in two (ADR 0052). `digestEnvelope` does everything that depends only on
 * the envelope's own bytes — schema, txid = sha256d(rawTx), the supplied header's proof of work,
 * the merkle fold or BUMP root — once, at proof time; its result is stored next to the
 * declaration. `settleDigest` does the rest per request from LIVE facts only (the tip, the named
 * block's header as the store knows it now and whether it is on the best chain): a handful of
 * string and integer comparisons, in exactly verifyEnvelope's order, so both give the same answer
 * for every envelope and every chain state (test/unit/spv-digest.test.ts).
 */
import { z } from 'zod';
import { hexToBytes } from '../util/hex';
import { isHash32, sha256dDisplayAsync } from './bytes';
import { parseValidHeader } from './header';
import { bumpRoot, foldMerklePath } from './merkle';
import { isBeefEnvelope } from './beef';
import { envelopeSchema, SPV_REASONS, type ChainHeader, type SpvReason, type VerifyResult } from './envelope';
import { isWellFormedTx } from './wire';

/** Bumped when the digest's meaning changes; rows with another version are recomputed. */
export const DIGEST_VERSION = 1;

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const reason = z.enum(SPV_REASONS);

/** What the envelope's bytes establish, independent of any chain. */
export const envelopeDigestSchema = z.discriminatedUnion('kind', [
  // fails before any chain fact is consulted (schema, txid checks)
  z.object({ v: z.literal(DIGEST_VERSION), kind: z.literal('fail'), reason, detail: z.string().optional() }),
  // a BEEF names its block by height on the best chain: a live fact, so it is verified in full per request
  z.object({ v: z.literal(DIGEST_VERSION), kind: z.literal('live') }),
  z.object({
    v: z.literal(DIGEST_VERSION),
    kind: z.literal('proof'),
    txid: hex64,
    /** The block the envelope names (null: its supplied header is invalid). */
    blockHash: hex64.nullable(),
    /** blockHash form: the height it claims; header form: null (the store's height is used). */
    claimedHeight: z.number().int().nullable(),
    /** Header form: the supplied header's merkle root; blockHash form: null (the store's root is used). */
    headerRoot: hex64.nullable(),
    proof: z.discriminatedUnion('form', [
      /** root: what the BUMP folds to for txid (null: it does not prove txid); height: the BUMP's block height. */
      z.object({ form: z.literal('bump'), root: hex64.nullable(), height: z.number().int().nullable() }),
      /** foldedRoot: what the path folds to (null: the path is not foldable). */
      z.object({ form: z.literal('path'), claimedRoot: hex64, foldedRoot: hex64.nullable() }),
    ]),
  }),
]);
export type EnvelopeDigest = z.infer<typeof envelopeDigestSchema>;

const HEX64 = /^[0-9a-f]{64}$/;
const isHex64 = (v: unknown): v is string => typeof v === 'string' && HEX64.test(v);
const isInt = (v: unknown): v is number => Number.isInteger(v);
const orNull = <T>(v: unknown, is: (x: unknown) => x is T): boolean => v === null || is(v);
const REASONS: ReadonlySet<string> = new Set(SPV_REASONS);

/**
 * Reads a stored digest; null when absent, of another version or not a digest (recompute it).
 * Runs for every node of every /ready, so it checks the shape by hand (~0.1 µs) instead of with
 * envelopeDigestSchema (~12 µs, 25 times per depth-8 request); the two accept the same values
 * (test/unit/spv-digest.test.ts).
 */
export function readDigest(stored: unknown): EnvelopeDigest | null {
  if (typeof stored !== 'object' || stored === null) return null;
  const d = stored as Record<string, unknown>;
  if (d.v !== DIGEST_VERSION) return null;
  if (d.kind === 'live') return stored as EnvelopeDigest;
  if (d.kind === 'fail') return REASONS.has(d.reason as string) && (d.detail === undefined || typeof d.detail === 'string') ? (stored as EnvelopeDigest) : null;
  if (d.kind !== 'proof' || !isHex64(d.txid) || !orNull(d.blockHash, isHex64) || !orNull(d.claimedHeight, isInt) || !orNull(d.headerRoot, isHex64)) return null;
  const p = d.proof as Record<string, unknown> | null;
  if (typeof p !== 'object' || p === null) return null;
  if (p.form === 'bump') return orNull(p.root, isHex64) && orNull(p.height, isInt) ? (stored as EnvelopeDigest) : null;
  if (p.form === 'path') return isHex64(p.claimedRoot) && orNull(p.foldedRoot, isHex64) ? (stored as EnvelopeDigest) : null;
  return null;
}

const failed = (r: SpvReason, detail?: string): EnvelopeDigest =>
  detail === undefined ? { v: DIGEST_VERSION, kind: 'fail', reason: r } : { v: DIGEST_VERSION, kind: 'fail', reason: r, detail };

/** The immutable half of verifyEnvelope. Never throws. */
export async function digestEnvelope(input: unknown): Promise<EnvelopeDigest> {
  try {
    if (isBeefEnvelope(input)) return { v: DIGEST_VERSION, kind: 'live' };
    const parsed = envelopeSchema.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return failed('malformed-envelope', issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : undefined);
    }
    const env = parsed.data;
    const raw = hexToBytes(env.rawTx);
    if (raw.length === 64 || !isWellFormedTx(raw)) return failed('malformed-envelope', 'rawTx: not a transaction');
    const derived = await sha256dDisplayAsync(raw);
    const top = env.txid?.toLowerCase();
    const proofTxid = env.proof.txid?.toLowerCase() ?? top ?? derived;
    if (top !== undefined && top !== proofTxid) return failed('txid-mismatch-top-level-vs-proof');
    if (derived !== proofTxid) return failed('txid-mismatch-rawtx-vs-proof');

    let blockHash: string | null;
    let claimedHeight: number | null = null;
    let headerRoot: string | null = null;
    if ('blockHeader' in env.block) {
      const header = parseValidHeader(env.block.blockHeader);
      blockHash = header?.hash ?? null;
      headerRoot = header?.merkleRoot ?? null;
    } else {
      blockHash = env.block.blockHash.toLowerCase();
      claimedHeight = env.block.blockHeight;
    }
    let proof: Extract<EnvelopeDigest, { kind: 'proof' }>['proof'];
    if ('bump' in env.proof) {
      const r = bumpRoot(env.proof.bump, proofTxid);
      proof = { form: 'bump', root: r?.root ?? null, height: r?.blockHeight ?? null };
    } else {
      proof = { form: 'path', claimedRoot: env.proof.merkleRoot.toLowerCase(), foldedRoot: foldMerklePath(proofTxid, env.proof.path) };
    }
    return { v: DIGEST_VERSION, kind: 'proof', txid: derived, blockHash, claimedHeight, headerRoot, proof };
  } catch {
    return failed('malformed-envelope');
  }
}

/** The live facts one envelope needs; `header` is the store's row for the digest's blockHash. */
export interface LiveFacts {
  readonly tip: { readonly hash: string; readonly height: number } | null;
  readonly header: (ChainHeader & { readonly onBest: boolean }) | null;
}

const no = (r: SpvReason, detail?: string): VerifyResult => (detail === undefined ? { ok: false, reason: r } : { ok: false, reason: r, detail });

/** The live half: verifyEnvelope's answer from a digest ('live' digests must be verified in full instead). */
export function settleDigest(d: Exclude<EnvelopeDigest, { kind: 'live' }>, facts: LiveFacts): VerifyResult {
  if (d.kind === 'fail') return no(d.reason, d.detail);
  const tip = facts.tip;
  if (tip === null) return no('headers-unavailable');
  if (d.blockHash === null) return no('invalid-block-header');
  const known = facts.header;
  if (known === null) return no('unknown-block-hash');
  let merkleRoot: string | null;
  if (d.claimedHeight === null) {
    merkleRoot = d.headerRoot;
  } else {
    if (known.height !== d.claimedHeight) return no('block-height-mismatch');
    merkleRoot = isHash32(known.merkleRoot) ? known.merkleRoot.toLowerCase() : null;
    if (merkleRoot === null) return no('merkle-root-unavailable');
  }
  if (d.proof.form === 'bump') {
    if (d.proof.root === null) return no('invalid-merkle-path', 'bump does not prove this txid');
    if (d.proof.height !== known.height) return no('block-height-mismatch', 'bump block height');
    if (d.proof.root !== merkleRoot) return no('invalid-merkle-path');
  } else {
    if (d.proof.claimedRoot !== merkleRoot) return no('invalid-merkle-path', 'proof.merkleRoot');
    if (d.proof.foldedRoot !== merkleRoot) return no('invalid-merkle-path');
  }
  if (!known.onBest) return no('unknown-block-hash', 'not-on-best-chain');
  return {
    ok: true,
    txid: d.txid,
    blockHash: d.blockHash,
    blockHeight: known.height,
    confirmations: Math.max(0, tip.height - known.height + 1),
    tip: { hash: tip.hash, height: tip.height },
  };
}
