/** /ready serves nothing stale and costs one round trip, on PostgreSQL and Redis through the Upstash bridge. */
import { serviceDeps } from '../support/deps';
import { describeWith } from '../support/reachable';
import { LIVE_ENV, liveReadyScenario } from '../support/trust-live';

await describeWith(['postgres', 'redis'], 'live readiness on PostgreSQL + Upstash', () => {
  liveReadyScenario(() => serviceDeps({ env: LIVE_ENV }), { roundTrips: true });
});
