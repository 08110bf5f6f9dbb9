/**
 * Price rules and overrides (migration 0050) and the version a receipt sells, read in one query
 * with its producer and every price that could apply.
 */
import type { SqlSession, Statement } from '../ports/sql';
import { stmt } from '../ports/sql';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

/** A version as the payments domain needs it: content, owner, payout and the price candidates. */
export interface SaleVersion {
  readonly versionId: string;
  readonly contentHash: string;
  readonly sizeBytes: number | null;
  readonly producerId: string | null;
  readonly producerIdentityKey: string | null;
  readonly payoutScriptHex: string | null;
  readonly versionRuleSat: number | null;
  readonly overrideSat: number | null;
  readonly producerRuleSat: number | null;
}

/** One query: the version, its producer and every price rule that could apply; null if unknown. */
export async function getSaleVersion(sql: SqlSession, versionId: string): Promise<SaleVersion | null> {
  const rows = await sql.query(
    `SELECT a.version_id, a.content_hash, a.size_bytes, a.producer_id, p.identity_key, p.payout_script_hex,
            (SELECT satoshis FROM price_rules WHERE scope = 'version' AND scope_id = a.version_id) AS version_rule,
            (SELECT satoshis FROM price_overrides WHERE version_id = a.version_id) AS override,
            (SELECT satoshis FROM price_rules WHERE scope = 'producer' AND scope_id = a.producer_id) AS producer_rule
       FROM assets a LEFT JOIN producers p USING (producer_id)
      WHERE a.version_id = $1`,
    [versionId],
  );
  const r = rows[0];
  if (!r) return null;
  const opt = (v: unknown) => (v == null ? null : num(v));
  return {
    versionId: r.version_id as string,
    contentHash: r.content_hash as string,
    sizeBytes: opt(r.size_bytes),
    producerId: (r.producer_id as string | null) ?? null,
    producerIdentityKey: (r.identity_key as string | null) ?? null,
    payoutScriptHex: (r.payout_script_hex as string | null) ?? null,
    versionRuleSat: opt(r.version_rule),
    overrideSat: opt(r.override),
    producerRuleSat: opt(r.producer_rule),
  };
}

/** Upsert of the producer's price for one version. */
export function setOverrideStatement(versionId: string, satoshis: number, setBy: string, now: Date): Statement {
  return stmt(
    `INSERT INTO price_overrides (version_id, satoshis, set_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
     ON CONFLICT (version_id) DO UPDATE SET satoshis = EXCLUDED.satoshis, set_by = EXCLUDED.set_by, updated_at = EXCLUDED.updated_at`,
    [versionId, satoshis, setBy, now],
  );
}

/** Upsert of a price rule (a version's or a producer's). */
export function setRuleStatement(scope: 'version' | 'producer', scopeId: string, satoshis: number, setBy: string, now: Date): Statement {
  return stmt(
    `INSERT INTO price_rules (scope, scope_id, satoshis, set_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)
     ON CONFLICT (scope, scope_id) DO UPDATE SET satoshis = EXCLUDED.satoshis, set_by = EXCLUDED.set_by, updated_at = EXCLUDED.updated_at`,
    [scope, scopeId, satoshis, setBy, now],
  );
}
