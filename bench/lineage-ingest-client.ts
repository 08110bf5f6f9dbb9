/**
 * Ingest client for bench/lineage.ts, in its own process (the server's event loop then does
 * only the server's work). Reads `{base, token, first, bodies, batch, clients}` as JSON on
 * stdin: posts `bodies` bodies of `batch` distinct RunEvents (event numbers from `first`) to
 * POST /api/v1/lineage/batch with `clients` concurrent clients, after one untimed warm-up body;
 * prints `{events, seconds}`. Every body must be stored in full (200, stored = batch).
 */
import { syntheticEvent } from './lineage-events';

interface Input { base: string; token: string; first: number; bodies: number; batch: number; clients: number }
let raw = '';
for await (const chunk of process.stdin) raw += String(chunk);
const o = JSON.parse(raw) as Input;

const body = (b: number) => JSON.stringify(Array.from({ length: o.batch }, (_, i) => syntheticEvent(o.first + b * o.batch + i)));
const bodies = Array.from({ length: o.bodies + 1 }, (_, b) => body(b));
const post = async (text: string) => {
  const res = await fetch(`${o.base}/api/v1/lineage/batch`, { method: 'POST', headers: { authorization: `Bearer ${o.token}`, 'content-type': 'application/json' }, body: text });
  const j = (await res.json()) as { stored?: number };
  if (res.status !== 200 || j.stored !== o.batch) throw new Error(`ingest failed: ${res.status} ${JSON.stringify(j).slice(0, 200)}`);
};
await post(bodies.pop()!); // warm-up (connections, JIT), not counted
let next = 0;
const t0 = performance.now();
await Promise.all(Array.from({ length: o.clients }, async () => {
  while (next < bodies.length) await post(bodies[next++]!);
}));
process.stdout.write(JSON.stringify({ events: bodies.length * o.batch, seconds: (performance.now() - t0) / 1000 }));
export {};
