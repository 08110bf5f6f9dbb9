/** Trust over HTTP on real services: local PostgreSQL and Redis through the Upstash bridge. */
import { serviceDeps } from '../support/deps';
import { describeWith } from '../support/reachable';
import { SCENARIO_ENV, trustScenario } from '../support/trust-scenarios';

await describeWith(['postgres', 'redis'], 'trust on PostgreSQL + Upstash', () => {
  trustScenario(() => serviceDeps({ env: SCENARIO_ENV }));
});
