/**
 * Sql — the relational tier (PostgreSQL is the only source of truth).
 *
 * Value mapping every adapter guarantees (checked by test/contract/sql.contract.ts):
 * int2/int4/float → number, int8/numeric → string, bool → boolean, json/jsonb → parsed value,
 * timestamptz/timestamp → Date, bytea → Uint8Array, text[] → string[], NULL → null.
 * Parameters: string | number | boolean | null | Date | Uint8Array | string[] ; pass JSON
 * as a string and cast in SQL (`$1::jsonb`).
 * Also: date → 'YYYY-MM-DD' string; timestamp without time zone is read as UTC.
 *
 * Errors: a statement PostgreSQL rejects makes every adapter reject with an Error whose `.code` is
 * the SQLSTATE (adapters/sql/errors.ts `SqlError`, also carrying `.constraint`/`.detail`/`.table`);
 * test it with `sqlState(e)` / `isUniqueViolation(e)` below. An unreachable database rejects with
 * StrataError('unavailable'). `neon-http` cannot run `transaction(fn)` (no session over HTTP): it
 * rejects with StrataError('internal') unless constructed with a pooled Sql to delegate to.
 */
export type Row = Record<string, unknown>;
export type SqlParam = string | number | boolean | null | Date | Uint8Array | readonly string[] | readonly number[];

export interface Statement {
  readonly text: string;
  readonly params?: readonly SqlParam[];
}

/** How a statement may be run; adapters that cannot honour an option ignore it (same rows either way). */
export interface QueryOptions {
  /**
   * Prepare the statement under this name once per connection and reuse its plan (node-postgres
   * and Neon's Pool). Only for a constant text, on hot reads whose planning costs as much as their
   * execution (/ready's one statement: 1.1 ms planning, 1.3 ms execution). Names are unique per text.
   */
  readonly prepare?: string;
}

export interface SqlSession {
  /** Runs one parameterised statement (one round trip) and returns its rows. */
  query<T extends Row = Row>(text: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<T[]>;
  /**
   * Runs a parameterless multi-statement script (simple protocol). Available on sessions that
   * hold a connection (PGlite, pools, and inside `transaction`); the migration runner needs it.
   */
  exec?(script: string): Promise<void>;
}

export interface Sql extends SqlSession {
  /** Which adapter this is, for /health and metrics. */
  readonly kind: 'pglite' | 'neon-http' | 'neon-pool' | 'pg';
  /** Runs the statements atomically in one round trip; all or nothing. Returns each statement's rows. */
  batch(statements: readonly Statement[]): Promise<Row[][]>;
  /** Interactive transaction: BEGIN, fn, COMMIT; ROLLBACK if fn throws. */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T>;
  /** Releases pooled connections; the instance is unusable afterwards. */
  close(): Promise<void>;
}

/** Builds a Statement; keeps call sites readable. */
export function stmt(text: string, params: readonly SqlParam[] = []): Statement {
  return { text, params };
}

/** The SQLSTATE of a database error raised through an Sql adapter, if it is one. */
export function sqlState(e: unknown): string | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** True for unique_violation (23505): the migration runner and idempotent writes branch on it. */
export function isUniqueViolation(e: unknown): boolean {
  return sqlState(e) === '23505';
}
