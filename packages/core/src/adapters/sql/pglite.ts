/**
 * Sql on PGlite: real PostgreSQL compiled to WASM, in process. Used for the zero-setup embedded
 * mode and for tests that must always run. PGlite is a single connection; its own mutex makes a
 * plain query wait until any open transaction has finished, so a query from elsewhere never lands
 * inside someone else's transaction.
 */
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite';
import type { ParserOptions } from '@electric-sql/pglite';
import { z } from 'zod';
import type { Row, Sql, SqlParam, SqlSession, Statement } from '../../ports/sql';
import { normalised } from './errors';
import { OID } from './types';

/** Where the embedded host keeps its database unless told otherwise. */
export const DEFAULT_PGLITE_DIR = './.strata/pglite';

const optionsSchema = z.object({
  /** Directory to persist into; omitted → in memory (gone on close). */
  dataDir: z.string().min(1).optional(),
});
export type PgliteSqlOptions = z.input<typeof optionsSchema>;

const keepText = (text: string) => text;

/** PGlite's defaults differ from the port for int8 (number/bigint) and date (Date): keep both as text. */
const parsers: ParserOptions = {
  [OID.INT8]: keepText,
  [OID.INT8_ARRAY]: (text) => pgliteTypes.arrayParser(text, keepText, OID.INT8),
  [OID.DATE]: keepText,
  [OID.DATE_ARRAY]: (text) => pgliteTypes.arrayParser(text, keepText, OID.DATE),
};

type Queryable = Pick<PGlite, 'query' | 'exec'>;

async function run<T extends Row>(db: Queryable, text: string, params: readonly SqlParam[] | undefined): Promise<T[]> {
  const res = await normalised(() => db.query<T>(text, params ? [...params] : []));
  return res.rows;
}

function session(tx: Queryable): SqlSession {
  return {
    query: (text, params) => run(tx, text, params),
    exec: async (script) => {
      await normalised(() => tx.exec(script));
    },
  };
}

/** The PGlite-backed Sql; `db` is exposed for tests and tooling that need PGlite itself. */
export class PgliteSql implements Sql {
  readonly kind = 'pglite' as const;

  constructor(readonly db: PGlite) {}

  /** Runs one statement; waits for any open transaction first (PGlite's mutex). */
  query<T extends Row = Row>(text: string, params?: readonly SqlParam[]): Promise<T[]> {
    return run<T>(this.db, text, params);
  }

  /** Runs a parameterless multi-statement script, e.g. a migration file. */
  async exec(script: string): Promise<void> {
    await normalised(() => this.db.exec(script));
  }

  /** Runs the statements in one transaction; the first failure rolls all of them back. */
  batch(statements: readonly Statement[]): Promise<Row[][]> {
    return normalised(() =>
      this.db.transaction(async (tx) => {
        const out: Row[][] = [];
        for (const s of statements) out.push(await run(tx, s.text, s.params));
        return out;
      }),
    );
  }

  /** Interactive transaction; rolled back if `fn` throws. Do not call this.query inside `fn` (it would wait forever). */
  transaction<T>(fn: (tx: SqlSession) => Promise<T>): Promise<T> {
    return normalised(() => this.db.transaction((tx) => fn(session(tx))));
  }

  /** Closes the database (and flushes it to disk when persistent). */
  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}

/** Opens (creating if needed) a PGlite database; in memory unless `dataDir` is given. */
export async function createPgliteSql(options: PgliteSqlOptions = {}): Promise<PgliteSql> {
  const { dataDir } = optionsSchema.parse(options);
  if (dataDir !== undefined && !dataDir.includes('://')) {
    // PGlite wants the directory to exist; only Node hosts persist to disk, so load fs lazily.
    const { mkdir } = await import('node:fs/promises');
    await mkdir(dataDir, { recursive: true });
  }
  const db = await PGlite.create({ ...(dataDir === undefined ? {} : { dataDir }), parsers });
  return new PgliteSql(db);
}
