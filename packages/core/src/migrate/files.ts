/** Reads migration files from a folder (Node only; Workers never migrate). */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from '../ports/sql';
import { migrateFrom, pendingMigrations } from './runner';

/** The repository's migrations/ folder, found relative to this file. */
export const defaultMigrationsDir = fileURLToPath(new URL('../../../../migrations/', import.meta.url));

/** Loads every `*.sql` file in `dir`. */
export async function readMigrations(dir = defaultMigrationsDir): Promise<{ name: string; sql: string }[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  return Promise.all(names.map(async (name) => ({ name, sql: await readFile(join(dir, name), 'utf8') })));
}

/** Applies pending migrations from `dir` (default: the repository's migrations/). */
export async function migrate(sql: Sql, opts: { dir?: string } = {}): Promise<{ applied: string[] }> {
  return migrateFrom(sql, await readMigrations(opts.dir));
}

/** Names of the migrations in `dir` not yet applied (read-only). */
export async function pending(sql: Sql, opts: { dir?: string } = {}): Promise<string[]> {
  return pendingMigrations(sql, await readMigrations(opts.dir));
}
