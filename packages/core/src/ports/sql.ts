/**
 * Sql — the relational tier (PostgreSQL is the only source of truth).
 *
 * Value mapping every adapter guarantees (checked by test/contract/sql.contract.ts):
 * int2/int4/float → number, int8/numeric → string, bool → boolean, json/jsonb → parsed value,
 * timestamptz/timestamp → Date, bytea → Uint8Array, text[] → string[], NULL → null.
 * Parameters: string | number | boolean | null | Date | Uint8Array | string[] ; pass JSON
 * as a string and cast in SQL (`$1::jsonb`).
 */
export type Row = Record<string, unknown>;
export type SqlParam = string | number | boolean | null | Date | Uint8Array | readonly string[] | readonly number[];

export interface Statement {
  readonly text: string;
  readonly params?: readonly SqlParam[];
}

export interface SqlSession {
  /** Runs one parameterised statement (one round trip) and returns its rows. */
  query<T extends Row = Row>(text: string, params?: readonly SqlParam[]): Promise<T[]>;
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
