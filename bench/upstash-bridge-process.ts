/**
 * Runs the Upstash REST bridge as its own process for bench:catalog (like the real Upstash, it
 * does not share the server's event loop). Env: STRATA_BRIDGE_REDIS_URL, STRATA_BRIDGE_DB.
 * Prints `{"url":…,"token":…}` once listening; stops when its stdin closes.
 */
import { startUpstashBridge } from '../test/support/upstash-bridge';

const redisUrl = process.env.STRATA_BRIDGE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const bridge = await startUpstashBridge({ redisUrl, token: 'bench-upstash-token', db: Number(process.env.STRATA_BRIDGE_DB ?? 0), record: false });
process.stdout.write(`${JSON.stringify({ url: bridge.url, token: bridge.token })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void bridge.close().then(() => process.exit(0));
});
