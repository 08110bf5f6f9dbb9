/**
 * SPV envelopes: the proof that a transaction is in a block on the best chain Strata knows.
 * `verifyEnvelope` never throws on hostile input; every failure is one of `SPV_REASONS`.
 */
import { z } from 'zod';
import { hexToBytes } from '../util/hex';
import { isHash32, sha256dDisplayAsync } from './bytes';
import { parseValidHeader } from './header';
import { bumpRoot, foldMerklePath } from './merkle';
import { beefEnvelopeSchema, isBeefEnvelope, resolveBeefEnvelope } from './beef';
import { isWellFormedTx } from './wire';
import { envelopeSchema, type ChainHeader, type ChainView, type SpvReason } from './envelope-schema';

export { MAX_RAW_TX_HEX, SPV_REASONS, merkleStepSchema, pathProofSchema, bumpProofSchema, blockRefSchema, envelopeSchema } from './envelope-schema';
export type { SpvReason, Envelope, ChainHeader, ChainView } from './envelope-schema';

/** Either accepted encoding: the object form above or a BRC-62 BEEF `{beef, txid?}` (spv/beef.ts). */
export const anyEnvelopeSchema = z.union([envelopeSchema, beefEnvelopeSchema]);

export type VerifyResult =
  | {
      readonly ok: true;
      readonly txid: string;
      readonly blockHash: string;
      readonly blockHeight: number;
      /** tip.height − blockHeight + 1 at the moment of the call; never store it. */
      readonly confirmations: number;
      readonly tip: { readonly hash: string; readonly height: number };
    }
  | { readonly ok: false; readonly reason: SpvReason; readonly detail?: string; readonly confirmations?: number };

const fail = (reason: SpvReason, detail?: string): VerifyResult =>
  detail === undefined ? { ok: false, reason } : { ok: false, reason, detail };

const DOWN = Symbol('headers-down');

/** Calls the chain view; a throwing header source becomes DOWN instead of an exception. */
async function ask<T>(fn: () => Promise<T> | T): Promise<T | typeof DOWN> {
  try {
    return await fn();
  } catch {
    return DOWN;
  }
}

/** Verifies an envelope against the chain view; see SPV_REASONS for the failure codes. */
export async function verifyEnvelope(input: unknown, chain: ChainView): Promise<VerifyResult> {
  try {
    if (isBeefEnvelope(input)) {
      const resolved = await resolveBeefEnvelope(input, chain);
      return resolved.ok ? await verify(resolved.envelope, chain) : resolved;
    }
    return await verify(input, chain);
  } catch {
    // the checks below are total; this only guards against an unforeseen library throw
    return fail('malformed-envelope');
  }
}

async function verify(input: unknown, chain: ChainView): Promise<VerifyResult> {
  const parsed = envelopeSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return fail('malformed-envelope', issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : undefined);
  }
  const env = parsed.data;
  const raw = hexToBytes(env.rawTx);
  // a 64-byte "transaction" could be an inner merkle node posing as a leaf
  if (raw.length === 64 || !isWellFormedTx(raw)) return fail('malformed-envelope', 'rawTx: not a transaction');
  const derived = await sha256dDisplayAsync(raw);
  const top = env.txid?.toLowerCase();
  const proofTxid = env.proof.txid?.toLowerCase() ?? top ?? derived;
  if (top !== undefined && top !== proofTxid) return fail('txid-mismatch-top-level-vs-proof');
  if (derived !== proofTxid) return fail('txid-mismatch-rawtx-vs-proof');

  const tip = await ask(() => chain.tip());
  if (tip === DOWN || tip === null) return fail('headers-unavailable');

  // resolve the block: from the supplied header (which must carry its own proof of work) or by hash
  let blockHash: string;
  let merkleRoot: string | null;
  let known: ChainHeader | null | typeof DOWN;
  if ('blockHeader' in env.block) {
    const header = parseValidHeader(env.block.blockHeader);
    if (header === null) return fail('invalid-block-header');
    blockHash = header.hash;
    merkleRoot = header.merkleRoot;
    known = await ask(() => chain.headerByHash(blockHash));
    if (known === DOWN) return fail('headers-unavailable');
    if (known === null) return fail('unknown-block-hash');
  } else {
    blockHash = env.block.blockHash.toLowerCase();
    known = await ask(() => chain.headerByHash(blockHash));
    if (known === DOWN) return fail('headers-unavailable');
    if (known === null) return fail('unknown-block-hash');
    if (known.height !== env.block.blockHeight) return fail('block-height-mismatch');
    merkleRoot = isHash32(known.merkleRoot) ? known.merkleRoot.toLowerCase() : null;
    if (merkleRoot === null) return fail('merkle-root-unavailable');
  }

  if ('bump' in env.proof) {
    const r = bumpRoot(env.proof.bump, proofTxid);
    if (r === null) return fail('invalid-merkle-path', 'bump does not prove this txid');
    if (r.blockHeight !== known.height) return fail('block-height-mismatch', 'bump block height');
    if (r.root !== merkleRoot) return fail('invalid-merkle-path');
  } else {
    if (env.proof.merkleRoot.toLowerCase() !== merkleRoot) return fail('invalid-merkle-path', 'proof.merkleRoot');
    if (foldMerklePath(proofTxid, env.proof.path) !== merkleRoot) return fail('invalid-merkle-path');
  }

  const onBest = known.onBest ?? (await ask(() => chain.isOnBestChain(blockHash)));
  if (onBest === DOWN) return fail('headers-unavailable');
  // a block reorganised away is no longer a block Strata knows on its best chain
  if (!onBest) return fail('unknown-block-hash', 'not-on-best-chain');

  return {
    ok: true,
    txid: derived,
    blockHash,
    blockHeight: known.height,
    confirmations: Math.max(0, tip.height - known.height + 1),
    tip: { hash: tip.hash, height: tip.height },
  };
}

/** Applies a confirmation threshold to a verification result (the caller's policy). */
export function requireConfirmations(result: VerifyResult, minConfs: number): VerifyResult {
  if (!result.ok || result.confirmations >= minConfs) return result;
  return { ok: false, reason: 'insufficient-confs', confirmations: result.confirmations };
}
