/**
 * Policy rows and policy runs. Tables are in migrations/0035_policies.sql. Writes are returned
 * as statements so the caller commits them with their outbox and audit rows in one batch.
 */
import type { PolicyDecision } from './evaluate';
import { parsePolicy, type Policy, type PolicyRecord } from './schema';
import { stmt, type SqlSession, type Statement } from '../ports/sql';

export type { PolicyRecord };

interface PolicyRow {
  [k: string]: unknown;
  policy_id: string;
  name: string;
  enabled: boolean;
  doc: unknown;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'policy_id, name, enabled, doc, created_at, updated_at';

function toRecord(r: PolicyRow): PolicyRecord {
  return {
    policyId: r.policy_id,
    name: r.name,
    enabled: r.enabled,
    // rows were validated on the way in; parsing again normalises docs written by older code
    policy: parsePolicy(r.doc),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

/** The INSERT for a new policy. */
export function insertPolicyStatement(p: { policyId: string; name: string; enabled: boolean; policy: Policy; now: Date }): Statement {
  return stmt(
    `INSERT INTO policies (policy_id, name, enabled, doc, created_at, updated_at) VALUES ($1, $2, $3, $4::jsonb, $5, $5) RETURNING policy_id`,
    [p.policyId, p.name, p.enabled, JSON.stringify(p.policy), p.now],
  );
}

/** The UPDATE for a patch; fields left undefined keep their value. Returns the row when it exists. */
export function updatePolicyStatement(
  policyId: string,
  patch: { name?: string; enabled?: boolean; policy?: Policy },
  now: Date,
): Statement {
  return stmt(
    `UPDATE policies SET name = coalesce($2, name), enabled = coalesce($3, enabled), doc = coalesce($4::jsonb, doc), updated_at = $5
      WHERE policy_id = $1 RETURNING policy_id`,
    [policyId, patch.name ?? null, patch.enabled ?? null, patch.policy === undefined ? null : JSON.stringify(patch.policy), now],
  );
}

/** The DELETE of one policy (its runs stay: they are the audit trail). */
export function deletePolicyStatement(policyId: string): Statement {
  return stmt('DELETE FROM policies WHERE policy_id = $1 RETURNING policy_id', [policyId]);
}

/** One policy, enabled or not; null when unknown. */
export async function getPolicy(sql: SqlSession, policyId: string): Promise<PolicyRecord | null> {
  const rows = await sql.query<PolicyRow>(`SELECT ${COLUMNS} FROM policies WHERE policy_id = $1`, [policyId]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** A page of policies, newest first. */
export async function listPolicies(
  sql: SqlSession,
  q: { enabled?: boolean; limit: number; offset: number },
): Promise<PolicyRecord[]> {
  const rows = await sql.query<PolicyRow>(
    `SELECT ${COLUMNS} FROM policies WHERE ($1::boolean IS NULL OR enabled = $1)
      ORDER BY created_at DESC, policy_id LIMIT $2 OFFSET $3`,
    [q.enabled ?? null, q.limit, q.offset],
  );
  return rows.map(toRecord);
}

export interface PolicyRun {
  readonly policyId: string | null;
  readonly policyHash: string;
  readonly versionId: string;
  readonly source: 'evaluate' | 'ready';
  readonly result: PolicyDecision;
}

/** Records one evaluation in policy_runs. */
export async function insertPolicyRun(sql: SqlSession, run: PolicyRun, at: Date): Promise<void> {
  const r = run.result;
  await sql.query(
    `INSERT INTO policy_runs (policy_id, policy_hash, version_id, decision, reasons, warnings, evidence, source, at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7::jsonb, $8, $9)`,
    [run.policyId, run.policyHash, run.versionId, r.decision, JSON.stringify(r.reasons), JSON.stringify(r.warnings), JSON.stringify(r.evidence), run.source, at],
  );
}
