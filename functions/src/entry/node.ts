/** Local server: `npm start`. Embedded default with no configuration; migrates itself. */
import { serve } from '@hono/node-server';
import { parseConfig } from '@strata/core/config/index';
import { createDeps } from '@strata/core/deps';
import { migrate } from '@strata/core/migrate/files';
import { createApp } from '../app';
import { nodePlatform } from '../platform/node';

const config = parseConfig(process.env);
const deps = await createDeps(config, nodePlatform());
if (!config.DATABASE_URL || process.env.MIGRATE_ON_START === 'true') {
  const { applied } = await migrate(deps.sql);
  if (applied.length) deps.log.info('migrations applied', { applied });
}
const server = serve({ fetch: createApp(deps).fetch, port: config.PORT, hostname: process.env.HOST ?? '127.0.0.1' }, (info) =>
  deps.log.info('strata listening', { url: `http://${info.address}:${info.port}`, tiers: deps.tiers }),
);

async function shutdown(): Promise<void> {
  server.close();
  await deps.background.drain();
  await deps.close();
  process.exit(0);
}
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());
