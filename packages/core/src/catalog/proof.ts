/**
 * Attaching an SPV envelope to a declaration. This file checks the envelope's SHAPE only; the
 * proof itself (txid = sha256d(rawTx), merkle path → root, header on the best chain) is
 * verified by the spv domain, whose result is passed in as `verified` — the seam: nothing is
 * marked `confirmed` here without it.
 */
import { z } from 'zod';
import { invalidInput, StrataError, type InputAt } from '../errors';
import type { Row, SqlSession, Statement } from '../ports/sql';
import { parseHex64 } from './hex';

const Hex64 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters').transform((s) => s.toLowerCase());
const RawTxHex = z.string().min(2).max(2 * 1024 * 1024).regex(/^(?:[0-9a-fA-F]{2})+$/, 'must be hex');

const MerkleProof = z.looseObject({
  txid: Hex64,
  merkleRoot: Hex64,
  path: z.array(z.strictObject({ hash: Hex64, position: z.enum(['left', 'right']) })).max(64),
});
// BRC-74 BUMP, accepted as hex; its structure is the spv domain's business
const BumpProof = z.string().min(2).max(64 * 1024).regex(/^(?:[0-9a-fA-F]{2})+$/, 'must be BUMP hex');

export const SpvEnvelopeShape = z.looseObject({
  rawTx: RawTxHex,
  txid: Hex64.optional(),
  proof: z.union([MerkleProof, BumpProof]),
  block: z.union([
    z.looseObject({ blockHeader: z.string().regex(/^[0-9a-fA-F]{160}$/, 'must be an 80-byte header hex') }),
    z.looseObject({ blockHash: Hex64, blockHeight: z.number().int().min(0) }),
  ]),
});
export type SpvEnvelopeShape = z.output<typeof SpvEnvelopeShape>;

/** Validates an envelope's shape; `validation-failed` listing each field (paths under `at`, the request's `body.envelope`). */
export function parseEnvelopeShape(input: unknown, at: InputAt = ['body', 'envelope']): SpvEnvelopeShape {
  const r = SpvEnvelopeShape.safeParse(input);
  if (!r.success) throw invalidInput(at, r.error.issues, 'The SPV envelope is not well-formed.');
  return r.data;
}

/** What the spv domain established about the envelope. */
export interface VerifiedProof {
  readonly blockHash: string;
  readonly height: number;
  /** The envelope's chain-independent verification result (spv/envelope-digest.ts), stored with it. */
  readonly digest?: unknown;
}

/**
 * Statement storing a verified envelope on the declaration of `txid` and marking it
 * `confirmed`; returns `version_id` (no row → unknown txid, see interpretProofResult).
 */
export function prepareProof(input: { txid: string; envelope: unknown; verified: VerifiedProof; now: Date }): Statement {
  const txid = parseHex64('txid', input.txid);
  const envelope = parseEnvelopeShape(input.envelope);
  const blockHash = parseHex64('blockHash', input.verified.blockHash);
  const params = [txid, JSON.stringify(envelope), blockHash, input.verified.height, input.now];
  // without a digest the column is left alone: migration 0070's trigger clears the old one
  const digest = input.verified.digest === undefined ? '' : ', spv_digest = $6::jsonb';
  if (digest) params.push(JSON.stringify(input.verified.digest));
  return {
    text: `UPDATE declarations
              SET proof_json = $2::jsonb, status = 'confirmed', block_hash = $3, height = $4, updated_at = $5${digest}
            WHERE txid = $1
        RETURNING version_id`,
    params,
  };
}

/** versionId whose declaration took the proof, or `not-found` for an unknown txid. */
export function interpretProofResult(rows: readonly Row[]): string {
  const v = rows[0]?.version_id;
  if (typeof v !== 'string') throw new StrataError('not-found', 'No declaration has this txid.', { hint: 'txid not found' });
  return v;
}

export interface Declaration {
  readonly versionId: string;
  readonly txid: string;
  readonly status: 'pending' | 'confirmed';
  readonly opretVout: number;
  readonly rawTx: string;
  readonly proof: unknown;
  readonly blockHash: string | null;
  readonly height: number | null;
}

const DECLARATION_COLUMNS = `version_id, txid, status, opret_vout, raw_tx, proof_json, block_hash, height`;

function toDeclaration(r: Row): Declaration {
  return {
    versionId: r.version_id as string,
    txid: r.txid as string,
    status: r.status as Declaration['status'],
    opretVout: r.opret_vout as number,
    rawTx: r.raw_tx as string,
    proof: r.proof_json ?? null,
    blockHash: (r.block_hash as string | null) ?? null,
    height: (r.height as number | null) ?? null,
  };
}

/** The declaration made by `txid`, or null. */
export async function getDeclarationByTxid(sql: SqlSession, txid: string): Promise<Declaration | null> {
  const rows = await sql.query(`SELECT ${DECLARATION_COLUMNS} FROM declarations WHERE txid = $1`, [parseHex64('txid', txid)]);
  return rows[0] ? toDeclaration(rows[0]) : null;
}

