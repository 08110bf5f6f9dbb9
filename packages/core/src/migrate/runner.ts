/**
 * Forward-only migrations: numbered SQL files applied in order, each in its own transaction,
 * recorded with a checksum. Safe when several processes start at once (a transaction-scoped
 * advisory lock serialises them), and refuses to run if an applied file was edited or removed.
 */
import type { Sql, SqlSession } from '../ports/sql';
import { sha256Hex } from '../util/hash';

export interface MigrationFile {
  /** The number in `NNNN_name.sql`. */
  readonly id: number;
  /** The file name. */
  readonly name: string;
  readonly sql: string;
}

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

// Any constant works; it only has to be the same in every process of this database.
const LOCK_KEY = 727_367_001;
const FILE_NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

/** Parses file names and orders them; rejects malformed or duplicate numbers. */
export function orderMigrations(files: readonly { name: string; sql: string }[]): MigrationFile[] {
  const out: MigrationFile[] = [];
  const seen = new Map<number, string>();
  for (const f of files) {
    const m = FILE_NAME.exec(f.name);
    if (!m) throw new MigrationError(`migration file name "${f.name}" must look like 0001_name.sql`);
    const id = Number(m[1]);
    const prev = seen.get(id);
    if (prev) throw new MigrationError(`migrations "${prev}" and "${f.name}" share the number ${m[1]}`);
    seen.set(id, f.name);
    out.push({ id, name: f.name, sql: f.sql });
  }
  return out.sort((a, b) => a.id - b.id);
}

/** Checksum of a file's content, insensitive to line-ending style. */
export function checksumOf(sqlText: string): string {
  return sha256Hex(sqlText.replace(/\r\n/g, '\n'));
}

async function runScript(tx: SqlSession, script: string): Promise<void> {
  if (!tx.exec) throw new MigrationError('this Sql adapter cannot run multi-statement scripts inside a transaction');
  await tx.exec(script);
}

/** Applies every pending migration; returns the names applied by this call. */
export async function migrateFrom(sql: Sql, files: readonly { name: string; sql: string }[]): Promise<{ applied: string[] }> {
  const ordered = orderMigrations(files);
  const sums = new Map<number, string>();
  for (const f of ordered) sums.set(f.id, checksumOf(f.sql));

  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
    await runScript(tx, BOOKKEEPING);
  });

  // Refuse to start on drift before touching anything.
  const applied = await sql.query<{ id: number; name: string; checksum: string }>(
    'SELECT id, name, checksum FROM schema_migrations ORDER BY id',
  );
  for (const row of applied) {
    const expected = sums.get(row.id);
    if (expected === undefined) {
      throw new MigrationError(`applied migration ${row.name} is missing from the migrations folder`);
    }
    if (expected !== row.checksum) {
      throw new MigrationError(`applied migration ${row.name} was edited after it ran (checksum differs); add a new migration instead`);
    }
  }

  const done: string[] = [];
  const appliedIds = new Set(applied.map((r) => r.id));
  for (const f of ordered) {
    if (appliedIds.has(f.id)) continue;
    const ran = await sql.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [LOCK_KEY]);
      // Another process may have applied it while we waited for the lock.
      const again = await tx.query<{ checksum: string }>('SELECT checksum FROM schema_migrations WHERE id = $1', [f.id]);
      if (again.length > 0) {
        if (again[0]!.checksum !== sums.get(f.id)) throw new MigrationError(`migration ${f.name} differs from the one applied concurrently`);
        return false;
      }
      try {
        await runScript(tx, f.sql);
      } catch (e) {
        throw new MigrationError(`migration ${f.name} failed: ${(e as Error).message}`);
      }
      await tx.query('INSERT INTO schema_migrations (id, name, checksum) VALUES ($1, $2, $3)', [f.id, f.name, sums.get(f.id)!]);
      return true;
    });
    if (ran) done.push(f.name);
  }
  return { applied: done };
}

/**
 * The files of `files` not yet applied to `sql`, in order (all of them on an empty database).
 * Read-only: a server uses it to refuse traffic on a database that is behind its code.
 */
export async function pendingMigrations(sql: Sql, files: readonly { name: string; sql: string }[]): Promise<string[]> {
  const ordered = orderMigrations(files);
  const exists = await sql.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (!exists[0]?.t) return ordered.map((f) => f.name);
  const applied = new Set((await sql.query<{ id: number }>('SELECT id FROM schema_migrations')).map((r) => Number(r.id)));
  return ordered.filter((f) => !applied.has(f.id)).map((f) => f.name);
}
