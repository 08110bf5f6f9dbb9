/**
 * Query client for bench/lineage.ts, in its own process: it times each GET from the request to
 * the last byte of the body, one request at a time, so the server's latency is measured without
 * the client's JSON parsing or event loop in the server's process. Reads
 * `{urls, expectCache, warmUrl}` as JSON on stdin; prints `{ms: number[], nodes: number[]}`. `warmUrl`
 * (a route that touches no lineage state) is fetched first, untimed: a fresh process's first
 * fetch pays for its connection and JIT.
 */
let raw = "";
for await (const chunk of process.stdin) raw += String(chunk);
const input = JSON.parse(raw) as { urls: string[]; expectCache?: string; warmUrl?: string };
if (input.warmUrl) for (let i = 0; i < 20; i++) await (await fetch(input.warmUrl)).arrayBuffer();
const ms: number[] = [];
const nodes: number[] = [];
for (const url of input.urls) {
  const t = performance.now();
  const res = await fetch(url);
  const bytes = await res.arrayBuffer();
  ms.push(performance.now() - t);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  const cache = res.headers.get('x-cache');
  if (input.expectCache && cache !== input.expectCache) throw new Error(`GET ${url}: expected x-cache ${input.expectCache}, got ${cache}`);
  const body = JSON.parse(new TextDecoder().decode(bytes)) as { stats?: { nodes: number } };
  nodes.push(body.stats?.nodes ?? -1);
}
process.stdout.write(JSON.stringify({ ms, nodes }));
export {};
