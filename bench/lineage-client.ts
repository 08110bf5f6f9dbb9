/**
 * Query client for bench/lineage.ts, in its own process: it times each GET from the request to
 * the last byte of the body, one request at a time, so the server's latency is measured without
 * the client's JSON parsing or event loop in the server's process. Reads
 * `{urls, expectCache, warmUrl}` as JSON on stdin; prints `{ms: number[], nodes: number[]}`.
 * `warmUrl` (a route that touches no lineage state) is fetched first, untimed: a fresh process's
 * first requests pay for the connection and JIT.
 *
 * The client is node:http on one keep-alive socket rather than fetch (undici): timing a bare
 * server that answers 20 KB of constant bytes, fetch measured p50 ~1.0 ms / p99 3–9 ms where
 * node:http measured ~0.6 / 2–4 ms on the same machine — the difference is the instrument's own
 * work, not the server's.
 */
import { Agent, request } from 'node:http';

let raw = '';
for await (const chunk of process.stdin) raw += String(chunk);
const input = JSON.parse(raw) as { urls: string[]; expectCache?: string; warmUrl?: string };
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string): Promise<{ status: number; body: Buffer; cache: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), cache: res.headers['x-cache'] as string | undefined }));
      res.on('error', reject);
    })
      .on('error', reject)
      .end();
  });
}

if (input.warmUrl) for (let i = 0; i < 50; i++) await get(input.warmUrl);
const ms: number[] = [];
const nodes: number[] = [];
for (const url of input.urls) {
  const t = performance.now();
  const res = await get(url);
  ms.push(performance.now() - t);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  if (input.expectCache && res.cache !== input.expectCache) throw new Error(`GET ${url}: expected x-cache ${input.expectCache}, got ${res.cache}`);
  const body = JSON.parse(res.body.toString('utf8')) as { stats?: { nodes: number } };
  nodes.push(body.stats?.nodes ?? -1);
}
agent.destroy();
process.stdout.write(JSON.stringify({ ms, nodes }));
