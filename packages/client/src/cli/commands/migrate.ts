/**
 * `strata migrate [--check]`: what `npm run migrate` does (functions/src/platform/migrate-run.ts),
 * with the command's output contract. It talks to the database, not to a server: DATABASE_URL,
 * else PGLITE_DIR, else the embedded database in `<home>/pglite`.
 */
import { isAbsolute, join, resolve } from 'node:path';
import { CliError, defineCommand, EXIT } from '../framework';

export const migrate = defineCommand({
  name: 'migrate',
  summary: 'apply pending database migrations (DATABASE_URL, else the embedded database)',
  description:
    'Applies migrations/NNNN_*.sql in order, each in a transaction, recorded with a checksum — the same work as `npm run migrate`. Targets DATABASE_URL, else PGLITE_DIR, else the embedded database under <home>/pglite (refused while a server holds it). --check applies nothing and exits 3 when migrations are pending.',
  options: { check: { type: 'boolean', description: 'apply nothing; list pending migrations (exit 3 when there are any)' } },
  examples: ['strata migrate', 'DATABASE_URL=postgres://… strata migrate --check'],
  async run(ctx) {
    const env: Record<string, string | undefined> = { ...ctx.io.env };
    if (!env.DATABASE_URL) {
      const dir = env.PGLITE_DIR;
      if (!dir) env.PGLITE_DIR = join(ctx.services.discovery.home, 'pglite');
      else if (!dir.includes('://') && !isAbsolute(dir)) env.PGLITE_DIR = resolve(ctx.io.cwd, dir);
    }
    const { runMigrations } = await import('@strata/functions/platform/migrate-run');
    const lines: string[] = [];
    const outcome = await runMigrations({ check: ctx.bool('check'), env, out: (l) => lines.push(l) });
    if (outcome.exitCode === 1 || outcome.exitCode === 2) {
      throw new CliError(outcome.errors.join('; ') || `cannot migrate ${outcome.target}`, {
        exitCode: outcome.exitCode === 2 ? EXIT.usage : EXIT.failed,
        error: outcome.exitCode === 2 ? 'bad-settings' : 'migration-failed',
        problem: { target: outcome.target },
      });
    }
    const { errors: _errors, exitCode, ...json } = outcome;
    return { json: { ...json, upToDate: outcome.pending.length === 0 && outcome.applied.length === 0 }, human: lines.join('\n'), exitCode: exitCode === 3 ? EXIT.negative : EXIT.ok };
  },
});
