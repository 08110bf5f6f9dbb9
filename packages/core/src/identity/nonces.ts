/**
 * Single use of identity-signature nonces, durably in PostgreSQL (migration 0045). A nonce is
 * claimed by a plain INSERT in the same transaction as the write it authorises: a replay is a
 * unique violation that rolls that write back, a write that fails for another reason leaves
 * the nonce unclaimed, and no restart, outage or eviction of the cache tier forgets a claim.
 * Rows whose signature is outside the accepted window are pruned by a schedule: such a
 * signature is refused on its timestamp alone.
 */
import { StrataError } from '../errors';
import type { Call, NonceClaim } from '../context';
import type { Sql, SqlSession, Statement } from '../ports/sql';
import { violatesConstraint } from '../catalog/publish';

export type { NonceClaim } from '../context';

const PKEY = 'identity_nonces_pkey';

/** The INSERT that claims `claim`; fails the transaction (unique violation) when it was used before. */
export function nonceClaimStatement(claim: NonceClaim): Statement {
  return {
    text: 'INSERT INTO identity_nonces (identity_key, nonce, signed_at) VALUES ($1, $2, $3)',
    params: [claim.identityKey, claim.nonce, claim.signedAt],
  };
}

/** True when `err` (from a batch holding a claim) says the nonce was already used. */
export function isNonceReplay(err: unknown): boolean {
  return violatesConstraint(err, PKEY);
}

/** The error a replay answers with (401 nonce-replayed). */
export function nonceReplayed(cause?: unknown): StrataError {
  return new StrataError('nonce-replayed', 'This nonce was already used.', { hint: 'nonce-reused', ...(cause === undefined ? {} : { cause }) });
}

/**
 * Claims `claim` on its own (one statement, committed at once) for routes whose write does not
 * carry the claim: a replay is still refused durably, but a write that then fails has used it.
 */
export async function claimNonceNow(sql: SqlSession, claim: NonceClaim): Promise<void> {
  const rows = await sql.query(
    `INSERT INTO identity_nonces (identity_key, nonce, signed_at) VALUES ($1, $2, $3)
     ON CONFLICT ON CONSTRAINT ${PKEY} DO NOTHING RETURNING 1 AS claimed`,
    [claim.identityKey, claim.nonce, claim.signedAt],
  );
  if (rows.length === 0) throw nonceReplayed();
  claim.claimed = true;
}

/** How far beyond the window rows are kept: covers clock differences between app hosts and the pruner. */
export const PRUNE_MARGIN_SEC = 60;

/**
 * Deletes nonces whose signature's timestamp lies further in the past than the window (plus a
 * margin), in chunks of `chunk` rows so no single statement holds many locks.
 */
export async function pruneNonces(call: Call<{ readonly sql: Sql }, { nowMs: number; windowSec: number; chunk?: number; maxChunks?: number }>): Promise<{ deleted: number }> {
  const { deps: { sql }, input: o } = call;
  const before = new Date(o.nowMs - (o.windowSec + PRUNE_MARGIN_SEC) * 1000);
  const chunk = o.chunk ?? 5_000;
  let deleted = 0;
  for (let i = 0; i < (o.maxChunks ?? 100); i++) {
    const rows = await sql.query(
      `DELETE FROM identity_nonces WHERE (identity_key, nonce) IN (
         SELECT identity_key, nonce FROM identity_nonces WHERE signed_at < $1 LIMIT $2)
       RETURNING 1 AS d`,
      [before, chunk],
    );
    deleted += rows.length;
    if (rows.length < chunk) break;
  }
  return { deleted };
}
