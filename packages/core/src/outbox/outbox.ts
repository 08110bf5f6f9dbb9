/**
 * Writes with their invalidation (ARCHITECTURE §5): data, outbox row and audit row commit in one
 * `sql.batch`; only after the commit does the writer invalidate Kv and its own L1. If that fails
 * (Kv down, process killed), `sweepOutbox` applies the row later. Invalidation never runs
 * before the commit, and a failed batch leaves nothing behind.
 */
import { auditStatement, type AuditEntry } from '../audit/audit';
import { StrataError } from '../errors';
import { isNonceReplay, nonceClaimStatement, nonceReplayed, type NonceClaim } from '../identity/nonces';
import { stmt, type Row, type Sql, type Statement } from '../ports/sql';

export interface Invalidation {
  /** Exact cache keys to delete. */
  readonly keys: readonly string[];
  /** Tags whose version to bump (every entry under them becomes stale). */
  readonly tags: readonly string[];
}

/** What the outbox needs from the cache engine. */
export interface Invalidator {
  invalidate(inv: Invalidation): Promise<{ applied: boolean }>;
}

export interface WriteDeps {
  readonly sql: Sql;
  readonly cache: Invalidator;
  /** Runs background work after the response (Workers `waitUntil`; awaited on Lambda). */
  readonly waitUntil: (p: Promise<unknown>) => void;
}

export interface CommitResult {
  /** Rows of each of the caller's statements, in order. */
  readonly results: Row[][];
  /** True when Kv was invalidated on the request path; false → the sweeper will do it. */
  readonly invalidated: boolean;
}

/** The INSERT for one outbox row. */
export function outboxStatement(inv: Invalidation): Statement {
  return stmt('INSERT INTO cache_outbox (keys, tags) VALUES ($1::text[], $2::text[]) RETURNING id', [[...inv.keys], [...inv.tags]]);
}

/**
 * Commits `statements` with an outbox row and an audit row in ONE round trip, then applies the
 * invalidation (one Kv round trip). Postgres unreachable → StrataError('unavailable'), nothing written.
 * `nonce`: the identity-signature nonce this write consumes, claimed in the same transaction
 * (a reused nonce → `nonce-replayed`, nothing written; see identity/nonces.ts).
 */
export async function commitWrite(
  deps: WriteDeps,
  write: { statements: readonly Statement[]; invalidate: Invalidation; audit: AuditEntry; nonce?: NonceClaim | null },
): Promise<CommitResult> {
  const hasInvalidation = write.invalidate.keys.length + write.invalidate.tags.length > 0;
  // the claim goes first: a replay fails before any other statement runs
  const claim = write.nonce && !write.nonce.claimed ? write.nonce : null;
  const offset = claim ? 1 : 0;
  const batch = [...(claim ? [nonceClaimStatement(claim)] : []), ...write.statements, auditStatement(write.audit)];
  if (hasInvalidation) batch.push(outboxStatement(write.invalidate));
  let rows: Row[][];
  try {
    rows = await deps.sql.batch(batch);
    if (claim) claim.claimed = true;
  } catch (e) {
    if (claim && isNonceReplay(e)) throw nonceReplayed(e);
    // the adapters report an unreachable database as `unavailable`; the batch is atomic
    if (e instanceof StrataError && e.code === 'unavailable') {
      throw new StrataError('unavailable', 'The database is unavailable; nothing was written. Retry later.', { cause: e.cause ?? e });
    }
    throw e;
  }
  const results = rows.slice(offset, offset + write.statements.length);
  if (!hasInvalidation) return { results, invalidated: true };

  const outboxId = String(rows[rows.length - 1]?.[0]?.id ?? '');
  const { applied } = await deps.cache.invalidate(write.invalidate);
  if (applied && outboxId) {
    // Marking is bookkeeping, not correctness: if it is lost the sweeper re-applies (idempotent).
    deps.waitUntil(markApplied(deps.sql, [outboxId]).catch(() => undefined));
  }
  return { results, invalidated: applied };
}

/** Marks outbox rows applied (bookkeeping: a lost mark only means the sweeper re-applies them). */
export async function markApplied(sql: Sql, ids: readonly string[]): Promise<void> {
  await sql.query('UPDATE cache_outbox SET applied_at = now() WHERE id = ANY($1::bigint[])', [[...ids]]);
}

export interface SweepResult {
  readonly applied: number;
  readonly failed: number;
  readonly pending: number;
}

/**
 * Applies outbox rows older than `olderThanSec` that were never marked applied (the cron and the
 * queue consumer call this). Rows are applied oldest first; a Kv failure stops the sweep.
 */
export async function sweepOutbox(
  deps: { sql: Sql; cache: Invalidator },
  opts: { olderThanSec?: number; limit?: number } = {},
): Promise<SweepResult> {
  const rows = await deps.sql.query<{ id: string; keys: string[]; tags: string[] }>(
    `SELECT id, keys, tags FROM cache_outbox
      WHERE applied_at IS NULL AND created_at <= now() - make_interval(secs => $1)
      ORDER BY id LIMIT $2`,
    [opts.olderThanSec ?? 0, opts.limit ?? 500],
  );
  if (rows.length === 0) return { applied: 0, failed: 0, pending: 0 };
  // Merge everything into one invalidation: one Kv round trip however many rows are pending.
  const keys = new Set<string>();
  const tags = new Set<string>();
  for (const r of rows) {
    r.keys.forEach((k) => keys.add(k));
    r.tags.forEach((t) => tags.add(t));
  }
  const ids = rows.map((r) => String(r.id));
  const { applied } = await deps.cache.invalidate({ keys: [...keys], tags: [...tags] });
  if (!applied) {
    await deps.sql.query(
      "UPDATE cache_outbox SET attempts = attempts + 1, last_error = 'kv unavailable' WHERE id = ANY($1::bigint[])",
      [ids],
    );
    return { applied: 0, failed: rows.length, pending: rows.length };
  }
  await markApplied(deps.sql, ids);
  return { applied: rows.length, failed: 0, pending: 0 };
}

/** Counts above this are reported as this (the scan stops there). */
export const BACKLOG_COUNT_CAP = 100_000;

export interface Backlog {
  /** Outbox rows not yet applied (up to BACKLOG_COUNT_CAP). */
  readonly outboxPending: number;
  /** Age of the oldest of them in seconds (0 when none): how stale a cached read can be now. */
  readonly outboxOldestSec: number;
  /** Jobs dead-lettered and not replayed (up to BACKLOG_COUNT_CAP). */
  readonly deadLetters: number;
}

/**
 * The post-commit work still owed, in one round trip, for /metrics (observability/collectors.ts)
 * and /health: unapplied outbox rows, the oldest one's age, pending dead letters. Each count is
 * capped so a huge backlog costs a bounded index scan.
 */
export async function outboxBacklog(sql: Sql): Promise<Backlog> {
  const rows = await sql.query<{ outbox_pending: number; outbox_oldest_sec: number | null; dead_letters: number }>(
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM cache_outbox WHERE applied_at IS NULL LIMIT $1) o)::int AS outbox_pending,
            (SELECT extract(epoch FROM now() - created_at) FROM cache_outbox WHERE applied_at IS NULL ORDER BY id LIMIT 1)::float8 AS outbox_oldest_sec,
            (SELECT count(*) FROM (SELECT 1 FROM dead_letters WHERE replayed_at IS NULL LIMIT $1) d)::int AS dead_letters`,
    [BACKLOG_COUNT_CAP],
  );
  const r = rows[0];
  return { outboxPending: Number(r?.outbox_pending ?? 0), outboxOldestSec: Math.max(0, Number(r?.outbox_oldest_sec ?? 0)), deadLetters: Number(r?.dead_letters ?? 0) };
}
