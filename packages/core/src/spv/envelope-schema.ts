/**
 * The SPV envelope's object form, the failure codes and the chain view verification asks: the
 * vocabulary envelope.ts (the verifier) and beef.ts (the BEEF form) share, kept apart from both
 * so neither has to import the other's module for it.
 */
import { z } from 'zod';
import { MAX_BUMP_HEX, MAX_MERKLE_DEPTH } from './merkle';

/** 10 MB of transaction; bigger bodies are refused before they get here anyway. */
export const MAX_RAW_TX_HEX = 20_000_000;

/** Reason codes, verbatim from the original verifier, plus the two Strata adds (last two). */
export const SPV_REASONS = [
  'txid-mismatch-top-level-vs-proof',
  'txid-mismatch-rawtx-vs-proof',
  'invalid-block-header',
  'unknown-block-hash',
  'block-height-mismatch',
  'merkle-root-unavailable',
  'invalid-merkle-path',
  'insufficient-confs',
  'headers-unavailable',
  'malformed-envelope',
] as const;
export type SpvReason = (typeof SPV_REASONS)[number];

const hash32 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex characters');
const hexBytes = (max: number) =>
  z.string().min(2).max(max).regex(/^(?:[0-9a-fA-F]{2})+$/, 'expected an even number of hex characters');

export const merkleStepSchema = z.object({ hash: hash32, position: z.enum(['left', 'right']) });
export const pathProofSchema = z.object({
  txid: hash32,
  merkleRoot: hash32,
  path: z.array(merkleStepSchema).max(MAX_MERKLE_DEPTH),
});
export const bumpProofSchema = z.object({ bump: hexBytes(MAX_BUMP_HEX), txid: hash32.optional() });
export const blockRefSchema = z.union([
  z.object({ blockHeader: z.string().regex(/^[0-9a-fA-F]{160}$/, 'expected an 80-byte header as hex') }),
  z.object({ blockHash: hash32, blockHeight: z.number().int().min(0).max(0x7fffffff) }),
]);

/** The envelope as stored and served (D03 shape; `confirmations` is ignored and never trusted). */
export const envelopeSchema = z.object({
  rawTx: hexBytes(MAX_RAW_TX_HEX),
  txid: hash32.optional(),
  proof: z.union([pathProofSchema, bumpProofSchema]),
  block: blockRefSchema,
  headerChain: z.array(z.string().max(160)).max(1000).optional(),
  confirmations: z.number().optional(),
  ts: z.number().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/** A header as the chain view knows it. `onBest`, when given, saves an isOnBestChain call. */
export interface ChainHeader {
  readonly hash: string;
  readonly height: number;
  /** Null/absent when the header source carries no merkle roots. */
  readonly merkleRoot?: string | null;
  readonly onBest?: boolean;
}

/** What verification needs from the header store (or any other header source). */
export interface ChainView {
  headerByHash(hash: string): Promise<ChainHeader | null> | ChainHeader | null;
  isOnBestChain(hash: string): Promise<boolean> | boolean;
  tip(): Promise<{ hash: string; height: number } | null> | { hash: string; height: number } | null;
  /** The best chain's header at `height`; BEEF envelopes need it (without it they are `headers-unavailable`). */
  headerAtHeight?(height: number): Promise<ChainHeader | null> | ChainHeader | null;
}
