/** Registers every resource's routes; one file per resource. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Deps } from '@strata/core/deps';
import type { AppEnv } from '../env';
import { registerBlobs } from './blobs';
import { registerHealth } from './health';

export function registerRoutes(app: OpenAPIHono<AppEnv>, _deps: Deps): void {
  registerHealth(app);
  registerBlobs(app);
}
