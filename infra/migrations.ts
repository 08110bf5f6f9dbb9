import { createHash } from 'node:crypto';
import { lambdaDefaults } from './defaults';
import { databaseEnvironment } from './environment';
import { migrationsHash } from './migrations-hash';
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

const currentHash = migrationsHash('migrations');

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
