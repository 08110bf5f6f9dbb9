/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL or, when it is unset, to the
 * embedded PGlite under PGLITE_DIR (holding its lock, so never beside a running server).
 * Prints each file it applied, or that the database is up to date. `--check` applies nothing
 * and lists what is pending. The work is platform/migrate-run.ts (`strata migrate` runs it too).
 *
 * Exit codes: 0 done (or up to date), 1 the database or a migration failed, 2 bad settings or
 * arguments, 3 `--check` found pending migrations. Errors are one line each, no stack.
 */
import { runMigrations } from '../platform/migrate-run';

const USAGE = 'usage: npm run migrate [-- --check]   (target: DATABASE_URL, or the embedded database under PGLITE_DIR)';
const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`strata migrate: ${line}\n`);

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
  return (await runMigrations({ check: argv.includes('--check'), env: process.env, out, err })).exitCode;
}

process.exitCode = await main(process.argv.slice(2));
