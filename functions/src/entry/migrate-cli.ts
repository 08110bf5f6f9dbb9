/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL or, when it is unset, to the
 * embedded PGlite under PGLITE_DIR (holding its lock, so never beside a running server).
 * Prints each file it applied, or that the database is up to date. `--check` applies nothing
 * and lists what is pending.
 *
 * Exit codes: 0 done (or up to date), 1 the database or a migration failed, 2 bad settings or
 * arguments, 3 `--check` found pending migrations. Errors are one line each, no stack.
 */
import { createPgliteSql } from '@strata/core/adapters/sql/pglite';
import { createPgSql } from '@strata/core/adapters/sql/pg-pool';
import { ConfigError, parseConfig } from '@strata/core/config/index';
import { migrate, pending, readMigrations } from '@strata/core/migrate/files';
import { MigrationError } from '@strata/core/migrate/runner';
import type { Sql } from '@strata/core/ports/sql';
import { oneLine } from '../platform/one-line';
import { acquireDataDirLock, DataDirLockedError, type DataDirLock } from '../platform/data-dir-lock';

const USAGE = 'usage: npm run migrate [-- --check]   (target: DATABASE_URL, or the embedded database under PGLITE_DIR)';
const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`strata migrate: ${line}\n`);

/** Where a URL points, without its credentials. */
function describeUrl(raw: string): string {
  const u = new URL(raw);
  return `PostgreSQL at ${u.hostname}:${u.port || '5432'}${u.pathname}`;
}

async function main(argv: readonly string[]): Promise<number> {
  const unknown = argv.filter((a) => a !== '--check');
  if (argv.includes('--help') || argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  if (unknown.length) {
    err(`unknown argument ${unknown[0]}; ${USAGE}`);
    return 2;
  }
  const check = argv.includes('--check');

  let config;
  try {
    config = parseConfig(process.env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const p of e.problems) err(`${p.variable}: ${p.message}`);
    return 2;
  }

  let lock: DataDirLock | null = null;
  let sql: Sql | undefined;
  let target = 'the database';
  try {
    if (config.DATABASE_URL) {
      target = describeUrl(config.DATABASE_URL.reveal());
      sql = createPgSql({ url: config.DATABASE_URL.reveal(), max: 1 });
    } else {
      target = `the embedded database in ${config.PGLITE_DIR}`;
      if (!config.PGLITE_DIR.includes('://')) lock = await acquireDataDirLock(config.PGLITE_DIR, { role: 'migrate' });
      sql = await createPgliteSql({ dataDir: config.PGLITE_DIR });
    }

    const started = performance.now();
    const files = await readMigrations();
    const latest = files.at(-1)?.name ?? '(none)';
    if (check) {
      const missing = await pending(sql);
      if (missing.length === 0) {
        out(`${target} is up to date (${files.length} migrations, latest ${latest})`);
        return 0;
      }
      for (const m of missing) out(`pending ${m}`);
      out(`${target} lacks ${missing.length} of ${files.length} migrations; run npm run migrate`);
      return 3;
    }
    const { applied } = await migrate(sql);
    const ms = Math.round(performance.now() - started);
    if (applied.length === 0) out(`${target} is up to date (${files.length} migrations, latest ${latest})`);
    else {
      for (const name of applied) out(`applied ${name}`);
      out(`migrated ${target}: ${applied.length} applied in ${ms} ms, now at ${latest}`);
    }
    return 0;
  } catch (e) {
    if (e instanceof DataDirLockedError || e instanceof MigrationError) err(e.message);
    else err(`cannot migrate ${target}: ${oneLine(e)}`);
    return 1;
  } finally {
    await sql?.close().catch(() => undefined);
    await lock?.release().catch(() => undefined);
  }
}

process.exitCode = await main(process.argv.slice(2));
