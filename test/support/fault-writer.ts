/**
 * A writer process that dies between commit and invalidation (run by faults.load.test.ts): it
 * publishes one version with the cache invalidation replaced by SIGKILL of its own process, so
 * the commit is durable and nothing after it runs — no invalidation, no outbox mark, no answer.
 * Prints the versionId first, so the parent knows what was in flight.
 */
import { parseConfig } from '@strata/core/config/index';
import { createDeps } from '@strata/core/create-deps';
import { publish } from '@strata/core/catalog/service';
import { ANONYMOUS } from '@strata/core/context';
import { nodePlatform } from '@strata/functions/platform/node';
import { makePublication } from './dlm1';

const deps = await createDeps(
  parseConfig({ DATABASE_URL: process.env.DATABASE_URL!, SQL_DRIVER: 'pg', REDIS_URL: process.env.REDIS_URL!, LOG_LEVEL: 'silent', ADMIN_TOKEN: 'x'.repeat(24), INGEST_TOKEN: 'y'.repeat(24), BLOB_DIR: process.env.BLOB_DIR! }),
  nodePlatform(),
);
const p = makePublication({ datasetId: process.env.DATASET_ID! });
process.stdout.write(`${p.versionId}\n`);
const dying = {
  ...deps,
  cache: {
    ...deps.cache,
    invalidate: () => {
      process.kill(process.pid, 'SIGKILL');
      return new Promise<never>(() => undefined);
    },
  },
};
await publish({ deps: dying, ctx: { waitUntil: () => undefined, requestId: 'fault-writer', actor: ANONYMOUS }, input: p });
// not reached: the process is killed right after the commit
process.exit(3);
