/** /ready serves nothing stale, on the embedded default (PGlite, memory Kv). */
import { describe } from 'vitest';
import { embeddedDeps } from '../support/deps';
import { LIVE_ENV, liveReadyScenario } from '../support/trust-live';

describe('live readiness on the embedded stack', () => {
  liveReadyScenario(() => embeddedDeps(LIVE_ENV), { roundTrips: false });
});
