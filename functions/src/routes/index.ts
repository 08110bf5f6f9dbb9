/** Registers every resource's routes; one file per resource. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Deps } from '@strata/core/deps';
import type { AppEnv } from '../env';
import { registerBlobs } from './blobs';
import { registerHealth } from './health';
import { registerLineage } from './openlineage-ingest';
import { registerOpenLineage } from './openlineage-read';
import { registerDeadLetters } from './dead-letters';
import { registerAgents } from './agents';
import { registerDeclarations } from './declarations';
import { registerListings } from './listings';
import { registerProducers } from './producers';
import { registerSubmit } from './submit';
import { registerHeaders } from './headers';
import { registerBundle } from './bundle';
import { registerReady } from './ready';
import { registerAdvisories } from './advisories';
import { registerPolicies } from './policies';
import { registerRoot } from './root';
import { registerUploads } from './uploads';
import { registerData } from './data';
import { registerPrices } from './prices';
import { registerReceipts } from './receipts';
import { registerPayments } from './payments';

export function registerRoutes(app: OpenAPIHono<AppEnv>, _deps: Deps): void {
  registerHealth(app);
  registerBlobs(app);
  registerLineage(app);
  registerOpenLineage(app);
  registerDeadLetters(app);
  registerSubmit(app);
  registerDeclarations(app);
  registerListings(app);
  registerProducers(app);
  registerAgents(app);
  registerHeaders(app);
  registerBundle(app);
  registerReady(app);
  registerAdvisories(app);
  registerPolicies(app);
  registerRoot(app);
  registerUploads(app);
  registerData(app);
  registerPrices(app);
  registerReceipts(app);
  registerPayments(app);
}
