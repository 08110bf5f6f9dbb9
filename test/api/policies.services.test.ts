/** Policies (D28) over HTTP on real services: local PostgreSQL and Redis through the Upstash bridge. */
import { serviceDeps } from '../support/deps';
import { describeWith } from '../support/reachable';
import { POLICY_ENV, policyScenario } from '../support/policies-scenario';

await describeWith(['postgres', 'redis'], 'policies on PostgreSQL + Upstash', () => {
  policyScenario(() => serviceDeps({ env: POLICY_ENV }));
});
