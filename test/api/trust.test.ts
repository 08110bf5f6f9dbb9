/** Trust over HTTP on the embedded default (PGlite, memory Kv). */
import { describe } from 'vitest';
import { embeddedDeps } from '../support/deps';
import { SCENARIO_ENV, trustScenario } from '../support/trust-scenarios';

describe('trust on the embedded stack', () => {
  trustScenario(() => embeddedDeps(SCENARIO_ENV));
});
