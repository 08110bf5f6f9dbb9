/**
 * Local server: `npm start` (node itself, tsx loaded as a hook: one process, so a signal to npm,
 * to the process group or to node reaches the server). Embedded default with no configuration.
 * SIGINT/SIGTERM stop it gracefully (a second one forces the exit); start-up problems print one
 * line each on stderr and exit 1, without a stack.
 */
// first: V8 settings before anything else is loaded (ADR 0063)
import '../platform/v8-tuning';
import { StartError, startNodeServer, type NodeServer } from '../platform/node-server';

const say = (line: string) => process.stderr.write(`strata: ${line}\n`);

let server: NodeServer;
try {
  server = await startNodeServer(process.env);
} catch (e) {
  if (e instanceof StartError) for (const p of e.problems) say(p);
  else say(`cannot start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}

// Whatever ends the process, the data directory's lock says so (a killed process is detected by its pid).
process.once('exit', () => server.lock?.releaseSync());

let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals++;
  if (signals > 1) {
    say(`${signal} again: exiting without waiting`);
    process.exit(130);
  }
  server.stop(signal).then(
    () => process.exit(0),
    (e: unknown) => {
      say(`stopping failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
