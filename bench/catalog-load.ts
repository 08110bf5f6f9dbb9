/**
 * Load generator for bench/catalog.ts, run in its own process so autocannon and the server do
 * not share an event loop. Reads `{url, paths, connections, duration}` as JSON from stdin,
 * prints autocannon's summary as JSON on stdout.
 */
// @ts-expect-error autocannon ships no type declarations
import autocannon from 'autocannon';

let input = '';
for await (const chunk of process.stdin) input += String(chunk);
const o = JSON.parse(input) as { url: string; paths: string[]; connections: number; duration?: number; amount?: number; timeout?: number };
const result = await autocannon({
  url: o.url,
  connections: o.connections,
  // a fixed request count (`amount`) when given (instruction counts), otherwise a duration
  ...(o.amount ? { amount: o.amount } : { duration: o.duration }),
  ...(o.timeout ? { timeout: o.timeout } : {}),
  // every request draws a path at random from the (Zipf-distributed) list, independently per connection
  requests: [{ method: 'GET', setupRequest: (req: Record<string, unknown>) => ({ ...req, path: o.paths[Math.floor(Math.random() * o.paths.length)] }) }],
});
process.stdout.write(
  JSON.stringify({
    rps: result.requests.average,
    total: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx: result.non2xx,
    timeouts: result.timeouts,
  }),
);
