/** Audit rows: written in the same batch as the change they describe (ARCHITECTURE §5). */
import { stmt, type Statement } from '../ports/sql';

export interface AuditEntry {
  /** Who acted: `actorName(ctx.actor)` (context.ts) — `admin`, `ingest`, `identity:<pubkey>`, `anonymous`, `schedule:<job>`, `queue:<job type>`, `callback:arc`. */
  readonly actor: string;
  /** Verb in dotted form, e.g. `catalog.publish`. */
  readonly action: string;
  /** What was changed, e.g. `version:<versionId>`. */
  readonly resource: string;
  readonly requestId?: string;
  /** Small summaries only: ids and public metadata, never personal data. */
  readonly before?: unknown;
  readonly after?: unknown;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

/** The INSERT for one audit row. */
export function auditStatement(e: AuditEntry): Statement {
  return stmt(
    'INSERT INTO audit_log (actor, action, resource, request_id, before, after) VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)',
    [e.actor, e.action, e.resource, e.requestId ?? null, json(e.before), json(e.after)],
  );
}
