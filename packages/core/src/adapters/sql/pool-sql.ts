/**
 * Sql over any node-postgres-compatible Pool: node-postgres itself (Node hosting, kind 'pg') and
 * Neon's WebSocket Pool (kind 'neon-pool') share this code. The pool is passed in, so this module
 * imports no driver and stays safe to bundle for Workers.
 */
import type { QueryOptions, Row, Sql, SqlParam, SqlSession, Statement } from '../../ports/sql';
import { normalised, toSqlError } from './errors';
import { bytesToBytea, portTypes, type GetTypeParser } from './types';

interface QueryConfig {
  /** A prepared statement's name: parsed and planned once per connection (QueryOptions.prepare). */
  name?: string;
  text: string;
  values: unknown[];
  types: { getTypeParser: GetTypeParser };
  /** node-postgres: always the extended protocol, one statement, as PGlite and Neon HTTP do. */
  queryMode: 'extended';
}
/** The slice of node-postgres' PoolClient this adapter uses. */
export interface PgClientLike {
  query(config: QueryConfig | string): Promise<unknown>;
  release(destroy?: Error | boolean): void;
  on?(event: 'error', listener: (e: Error) => void): unknown;
  off?(event: 'error', listener: (e: Error) => void): unknown;
}
/** The slice of node-postgres' Pool this adapter uses (pg.Pool and Neon's Pool both fit). */
export interface PgPoolLike {
  connect(): Promise<PgClientLike>;
  query(config: QueryConfig | string): Promise<unknown>;
  end(): Promise<void>;
}

export interface PoolSqlOptions {
  /** The driver's default `types.getTypeParser`, wrapped with the port's overrides per query. */
  readonly typeParser: GetTypeParser;
  /** End the pool on close() (default true); false when the caller shares the pool. */
  readonly ownsPool?: boolean;
}

/** node-postgres turns Buffers into bytea but not every build handles plain Uint8Array: send hex text. */
function prepare(params: readonly SqlParam[] | undefined): unknown[] {
  if (!params) return [];
  return params.map((p) => (p instanceof Uint8Array ? bytesToBytea(p) : p));
}

/** Builds an Sql on a pool; `kind` labels it for /health and metrics. */
export function createPoolSql(pool: PgPoolLike, kind: 'pg' | 'neon-pool', options: PoolSqlOptions): Sql {
  const types = portTypes(options.typeParser);
  const ownsPool = options.ownsPool ?? true;
  const config = (text: string, params?: readonly SqlParam[], options?: QueryOptions): QueryConfig => ({
    ...(options?.prepare ? { name: options.prepare } : {}),
    text,
    values: prepare(params),
    types,
    queryMode: 'extended',
  });
  const rowsOf = <T>(result: unknown): T[] => (result as { rows: T[] }).rows;
  const onClient = (client: PgClientLike): SqlSession => ({
    query: async <T extends Row = Row>(text: string, params?: readonly SqlParam[], options?: QueryOptions) =>
      rowsOf<T>(await normalised(() => client.query(config(text, params, options)))),
    // A bare string goes through the simple protocol, which accepts several statements.
    exec: async (script: string) => {
      await normalised(() => client.query(script));
    },
  });

  /** BEGIN, fn, COMMIT on one pooled client; ROLLBACK (or discard the client) on failure. */
  async function inTransaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    const client = await normalised(() => pool.connect());
    // A checked-out client has no pool listener: a connection the server terminates mid-transaction
    // emits 'error', which unheard would crash the process. The query in flight fails with it anyway.
    const ignore = () => undefined;
    client.on?.('error', ignore);
    const session = onClient(client);
    try {
      await session.query('BEGIN');
      const result = await fn(session);
      await session.query('COMMIT');
      client.off?.('error', ignore);
      client.release();
      return result;
    } catch (e) {
      try {
        await client.query(config('ROLLBACK'));
        client.off?.('error', ignore);
        client.release();
      } catch (rollbackError) {
        // The connection is in an unknown state: drop it rather than hand it to the next caller.
        client.off?.('error', ignore);
        client.release(rollbackError instanceof Error ? rollbackError : true);
      }
      throw toSqlError(e);
    }
  }

  return {
    kind,
    /** One statement on any free pooled connection. */
    async query<T extends Row = Row>(text: string, params?: readonly SqlParam[], options?: QueryOptions): Promise<T[]> {
      return rowsOf<T>(await normalised(() => pool.query(config(text, params, options))));
    },
    /** A parameterless multi-statement script (simple protocol), e.g. a migration file. */
    async exec(script: string): Promise<void> {
      await normalised(() => pool.query(script));
    },
    /** All statements in one transaction on one connection; the first failure rolls back all. */
    batch(statements: readonly Statement[]): Promise<Row[][]> {
      return inTransaction(async (tx) => {
        const out: Row[][] = [];
        for (const s of statements) out.push(await tx.query(s.text, s.params));
        return out;
      });
    },
    /** Interactive transaction on one pooled connection. */
    transaction: inTransaction,
    /** Ends the pool if this adapter owns it. */
    async close(): Promise<void> {
      if (ownsPool) await pool.end();
    },
  };
}
