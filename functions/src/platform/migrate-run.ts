/**
 * Applying migrations from a command line: `npm run migrate` (entry/migrate-cli.ts) and
 * `strata migrate` share this. Targets DATABASE_URL or, when it is unset, the embedded PGlite
 * under PGLITE_DIR (holding its lock, so never beside a running server). `check` applies
 * nothing and lists what is pending.
 *
 * Exit codes: 0 done (or up to date), 1 the database or a migration failed, 2 bad settings,
 * 3 `check` found pending migrations. Lines go to `out` (results) and `err` (one line per
 * failure, no stack).
 */
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { ConfigError, parseConfig } from '@strata/core/config/index';
import { migrate, pending, readMigrations } from '@strata/core/migrate/files';
import { MigrationError } from '@strata/core/migrate/runner';
import type { Sql } from '@strata/core/ports/sql';
import { oneLine } from './one-line';
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from './data-dir-lock';

export interface MigrateOutcome {
  readonly exitCode: 0 | 1 | 2 | 3;
  /** Where the migrations went, without credentials. */
  readonly target: string;
  readonly applied: string[];
  readonly pending: string[];
  readonly latest: string | null;
  readonly total: number;
  readonly ms: number;
  /** The failures, one line each (also written to `err`). */
  readonly errors: string[];
}

/** Where a URL points, without its credentials. */
export function describeDatabaseUrl(raw: string): string {
  const u = new URL(raw);
  return `PostgreSQL at ${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

export async function runMigrations(input: {
  check: boolean;
  env: Readonly<Record<string, string | undefined>>;
  out?: (line: string) => void;
  err?: (line: string) => void;
  /** The process that holds the embedded data directory's lock while migrating. */
  role?: 'server' | 'migrate';
}): Promise<MigrateOutcome> {
  const out = input.out ?? (() => undefined);
  const errors: string[] = [];
  const err = (line: string) => {
    errors.push(line);
    input.err?.(line);
  };
  const result = (exitCode: MigrateOutcome['exitCode'], rest: Partial<MigrateOutcome> = {}): MigrateOutcome => ({
    exitCode,
    target: 'the database',
    applied: [],
    pending: [],
    latest: null,
    total: 0,
    ms: 0,
    errors,
    ...rest,
  });

  let config;
  try {
    config = parseConfig(input.env as Record<string, string | undefined>);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) err(`${p.variable}: ${p.message}`);
    return result(2);
  }

  let lock: DataDirLock | null = null;
  let sql: Sql | undefined;
  let target = 'the database';
  try {
    if (config.DATABASE_URL) {
      target = describeDatabaseUrl(config.DATABASE_URL.reveal());
      sql = createPgSql({ url: config.DATABASE_URL.reveal(), max: 1 });
    } else {
      target = `the embedded database in ${config.PGLITE_DIR}`;
      if (!config.PGLITE_DIR.includes('://')) lock = await acquireDataDirLock(config.PGLITE_DIR, { role: input.role ?? 'migrate' });
      sql = await createPgliteSql({ dataDir: config.PGLITE_DIR });
    }

    const started = performance.now();
    const files = await readMigrations();
    const latest = files.at(-1)?.name ?? null;
    const base = { target, latest, total: files.length };
    if (input.check) {
      const missing = await pending(sql);
      if (missing.length === 0) {
        out(`${target} is up to date (${files.length} migrations, latest ${latest ?? '(none)'})`);
        return result(0, base);
      }
      for (const m of missing) out(`pending ${m}`);
      out(`${target} lacks ${missing.length} of ${files.length} migrations; run npm run migrate`);
      return result(3, { ...base, pending: missing });
    }
    const { applied } = await migrate(sql);
    const ms = Math.round(performance.now() - started);
    if (applied.length === 0) out(`${target} is up to date (${files.length} migrations, latest ${latest ?? '(none)'})`);
    else {
      for (const name of applied) out(`applied ${name}`);
      out(`migrated ${target}: ${applied.length} applied in ${ms} ms, now at ${latest ?? '(none)'}`);
    }
    return result(0, { ...base, applied, ms });
  } catch (e) {
    if (e instanceof DataDirLockedError || e instanceof MigrationError) err(e.message);
    else err(`cannot migrate ${target}: ${oneLine(e)}`);
    return result(1, { target });
  } finally {
    await sql?.close().catch(() => undefined);
    await lock?.release().catch(() => undefined);
  }
}
