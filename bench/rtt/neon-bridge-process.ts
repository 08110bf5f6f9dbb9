/**
 * Runs the Neon bridge as its own process for the round-trip bench: a proxy living in the same
 * event loop as the client it serves adds scheduling delay (measured at several ms per fetch)
 * that a real, separate proxy does not have. Env: STRATA_BRIDGE_PG_URL, STRATA_BRIDGE_POOL_MAX
 * (PostgreSQL connections behind the bridge, default 4). Prints `{"port":N}` once listening; stops when its
 * stdin closes.
 */
import { startNeonBridge } from '../../test/support/neon-bridge';

const pgUrl = process.env.STRATA_BRIDGE_PG_URL;
if (!pgUrl) throw new Error('STRATA_BRIDGE_PG_URL is required');
const poolMax = Number(process.env.STRATA_BRIDGE_POOL_MAX ?? 4);
const bridge = await startNeonBridge({ pgUrl, poolMax });
process.stdout.write(`${JSON.stringify({ port: bridge.port })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void bridge.close().then(() => process.exit(0));
});
