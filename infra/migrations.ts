import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { lambdaDefaults } from './defaults';
import { databaseEnvironment } from './environment';
import { secrets } from './secrets';

/**
 * Database migrations run as part of `sst deploy`: the Migrator function applies every
 * pending `migrations/NNNN_*.sql` (bundled next to the handler) and the deploy waits for
 * it. A failing migration fails the deploy before the new API code goes live.
 */
export const migrator = new sst.aws.Function('Migrator', {
  ...lambdaDefaults,
  handler: 'functions/src/entry/migrate.handler',
  timeout: '5 minutes',
  memory: '512 MB',
  // the runner reads the SQL files at run time from ./migrations (the function root)
  copyFiles: [{ from: 'migrations', to: 'migrations' }],
  environment: databaseEnvironment(),
});

/** SHA-256 over every migration's name and content, in apply order. */
export function migrationsHash(dir = 'migrations'): string {
  const hash = createHash('sha256');
  const files = readdirSync(dir)
    .filter((name) => /^\d{4}_.+\.sql$/.test(name))
    .sort();
  for (const name of files) {
    // NUL separators keep (name, content) pairs unambiguous
    hash.update(name).update('\0').update(readFileSync(join(dir, name))).update('\0');
  }
  return hash.digest('hex');
}

const currentHash = migrationsHash();

/**
 * Invokes the Migrator whenever the migrations or the target database change. The runner
 * is idempotent (applied files are recorded), so an extra invocation is harmless; only a
 * hash of the connection string reaches the state file, never the secret itself.
 */
export const migration = new aws.lambda.Invocation(
  'MigratorInvocation',
  {
    functionName: migrator.name,
    input: JSON.stringify({ source: 'deploy', migrationsHash: currentHash }),
    triggers: {
      migrations: currentHash,
      database: secrets.DatabaseUrl.value.apply((url) =>
        createHash('sha256').update(url).digest('hex'),
      ),
    },
  },
  { dependsOn: [migrator] },
);
