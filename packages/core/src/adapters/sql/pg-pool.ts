/**
 * Sql on node-postgres for Node hosting (kind 'pg'). Node-only: imports `pg`, so Workers bundles
 * must import neon-http / neon-pool directly rather than this file.
 */
import pg from 'pg';
import { z } from 'zod';
import type { Sql } from '../../ports/sql';
import { createPoolSql, type PgPoolLike } from './pool-sql';

const optionsSchema = z.object({
  /** End the pool on close() (default true); false when the caller keeps using it. */
  ownsPool: z.boolean().optional(),
});
export type PgPoolSqlOptions = z.input<typeof optionsSchema>;

/** Wraps an existing node-postgres Pool (or any pool with its API) as an Sql. */
export function createPgPoolSql(pool: PgPoolLike, options: PgPoolSqlOptions = {}): Sql {
  const { ownsPool } = optionsSchema.parse(options);
  return createPoolSql(pool, 'pg', { typeParser: pg.types.getTypeParser, ownsPool });
}

const urlSchema = z.object({
  url: z.string().regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL'),
  /** Pool size; small by default because serverless hosts run many instances. */
  max: z.number().int().positive().max(100).default(5),
});

/** Opens a node-postgres Pool on `url` and wraps it (the adapter owns and ends the pool). */
export function createPgSql(options: z.input<typeof urlSchema>): Sql {
  const { url, max } = urlSchema.parse(options);
  const pool = new pg.Pool({ connectionString: url, max });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  return createPgPoolSql(pool as unknown as PgPoolLike);
}
