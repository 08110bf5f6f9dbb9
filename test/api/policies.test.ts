/** Policies (D28) over HTTP on the embedded default (PGlite, memory Kv). */
import { describe } from 'vitest';
import { embeddedDeps } from '../support/deps';
import { POLICY_ENV, policyScenario } from '../support/policies-scenario';

describe('policies on the embedded stack', () => {
  policyScenario(() => embeddedDeps(POLICY_ENV));
});
