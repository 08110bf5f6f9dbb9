/**
 * `npm run bench:catalog`: catalog reads over HTTP, cached vs straight from Postgres, in one run.
 *
 * Setup: a fresh database on local PostgreSQL seeded with 100k published versions (set-based
 * INSERTs of the rows a publish creates: manifest, asset, declaration), Redis through the Upstash
 * bridge (the real @upstash/redis client), the app served by @hono/node-server twice on the same
 * Deps: once with the cache engine, once with a pass-through cache (every read goes to
 * Postgres). Load: autocannon in a child process, Zipf-distributed (s = 1.1) detail and listings
 * reads. Rate limiting and lineage hooks are off (the limiter would add one Kv round trip per
 * request to both sides). Two ceilings are measured in the same run with the same load: a bare
 * `node:http` server and a one-route Hono app on @hono/node-server, both answering every detail
 * path with the bytes of a real cache hit — what a cache that cost nothing at all could reach on
 * this machine. Writes bench/results/catalog.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Hono } from 'hono';
import { cpus, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Cache } from '@strata/core/cache/index';
import { canonicalManifest } from '@strata/core/catalog/manifest';
import { sha256Hex } from '@strata/core/util/hash';
import type { Deps } from '@strata/core/deps';
import { parseConfig } from '@strata/core/config/index';
import { createDeps } from '@strata/core/create-deps';
import { createNeonHttpSql } from '@strata/core/adapters/sql/neon-http';
import { bridgeProcess } from './rtt/sql';
import { cpuSampler } from './machine';
import { runJsonProcess, upstashBridgeProcess } from './processes';
import { instrumentSql } from '@strata/core/observability/instrument';
import { migrate } from '@strata/core/migrate/files';
import { createApp } from '@strata/functions/app';
import { nodePlatform } from '@strata/functions/platform/node';
import { createTestDatabase } from '../test/support/pg';
import { acquireRedisDb } from '../test/support/redis-db';

const VERSIONS = Number(process.env.BENCH_VERSIONS ?? 100_000);
const DATASETS = 2_000;
const DURATION = Number(process.env.BENCH_DURATION_SEC ?? 5);
/** Each measured phase runs once per round; ratios are per round, the median round reported. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 10;
const ZIPF_S = 1.1;
/**
 * L1 and freshness windows for the run: long enough that the measured rounds (about three
 * minutes) sit inside one window, so every round measures the same steady state rather than
 * the moment the hot set expires (defaults: assets fresh 300 s, listings 180 s, L1 5 s — sized
 * for many isolates; see README).
 */
const L1_SEC = Number(process.env.BENCH_L1_SEC ?? 900);

/** A cache that always loads (the "no cache" baseline on the same Deps). */
function passThroughCache(inner: Cache): Cache {
  return {
    ...inner,
    async get(_ns, _key, loader) {
      return { value: await loader(), status: 'miss', tier: 'origin' };
    },
    async invalidate() {
      return { applied: true };
    },
  };
}

/** Zipf sampler over ranks 0..n-1 (inverse CDF by binary search). */
function zipf(n: number, s: number, random: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let k = 0; k < n; k++) cdf[k] = sum += 1 / Math.pow(k + 1, s);
  return () => {
    const u = random() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

function seeded(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0) / 2 ** 32);
}

const hex = (n: number, len: number) => n.toString(16).padStart(len, '0');

/** Seeds `count` versions with set-based INSERTs; returns their versionIds. */
async function seed(deps: Deps, count: number): Promise<string[]> {
  const ids: string[] = [];
  const CHUNK = 5_000;
  for (let start = 0; start < count; start += CHUNK) {
    const vids: string[] = [];
    const bodies: string[] = [];
    const datasets: string[] = [];
    const names: string[] = [];
    const hashes: string[] = [];
    const txids: string[] = [];
    for (let i = start; i < Math.min(count, start + CHUNK); i++) {
      const datasetId = `ds-${hex(i % DATASETS, 4)}`;
      const manifest = {
        type: 'datasetVersionManifest',
        datasetId,
        name: `Dataset ${i % DATASETS} version ${Math.floor(i / DATASETS)}`,
        description: 'Synthetic benchmark version',
        content: { contentHash: sha256Hex(`content ${i}`), mimeType: 'text/csv', sizeBytes: 1024 + i },
        provenance: { createdAt: '2025-01-01T00:00:00Z' },
        policy: { license: 'cc-by-4.0', classification: 'public' },
      };
      const vid = sha256Hex(canonicalManifest(manifest as never));
      vids.push(vid);
      bodies.push(JSON.stringify(manifest));
      datasets.push(datasetId);
      names.push(manifest.name);
      hashes.push(manifest.content.contentHash);
      txids.push(sha256Hex(`tx ${i}`));
    }
    await deps.sql.batch([
      { text: `INSERT INTO manifests (version_id, body) SELECT v, b::jsonb FROM unnest($1::text[], $2::text[]) AS t(v, b)`, params: [vids, bodies] },
      {
        text: `INSERT INTO assets (version_id, dataset_id, name, description, content_hash, mime_type, size_bytes, policy_meta, updated_at, created_at)
               SELECT v, d, n, 'Synthetic benchmark version', h, 'text/csv', 1024, '{"license":"cc-by-4.0","classification":"public"}',
                      now() - (o || ' seconds')::interval, now()
                 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS t(v, d, n, h, o)`,
        params: [vids, datasets, names, hashes],
      },
      {
        text: `INSERT INTO declarations (version_id, txid, opret_vout, raw_tx) SELECT v, x, 0, '00' FROM unnest($1::text[], $2::text[]) AS t(v, x)`,
        params: [vids, txids],
      },
    ]);
    ids.push(...vids);
  }
  await deps.sql.query('ANALYZE manifests; ');
  await deps.sql.query('ANALYZE assets');
  return ids;
}

function load(url: string, paths: string[], duration: number) {
  return runJsonProcess<{ rps: number; total: number; p50: number; p99: number; errors: number; non2xx: number }>('./catalog-load.ts', { url, paths, connections: CONNECTIONS, duration });
}

function listen(fetch: (r: Request) => Response | Promise<Response>): Promise<{ url: string; close(): void }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }),
    );
  });
}

function hitsOf(deps: Deps, ns: string): { hits: number; total: number } {
  const r = deps.cache.stats().reads[ns];
  if (!r) return { hits: 0, total: 0 };
  let hits = 0;
  let total = 0;
  for (const tier of ['l1', 'l2', 'origin'] as const) {
    for (const [outcome, n] of Object.entries(r[tier])) {
      total += n;
      if (outcome === 'hit') hits += n;
    }
  }
  return { hits, total };
}

const started = Date.now();
const machineCpu = cpuSampler();
const db = await createTestDatabase('strata_bench');
const redisDb = await acquireRedisDb();
const bridge = await upstashBridgeProcess(redisDb.db);
const deps = await createDeps(
  parseConfig({
    DATABASE_URL: db.url,
    SQL_DRIVER: 'pg',
    SQL_POOL_MAX: '10',
    UPSTASH_REDIS_REST_URL: bridge.url,
    UPSTASH_REDIS_REST_TOKEN: bridge.token,
    KV_TIMEOUT_MS: '1000',
    RATE_LIMIT_PER_MIN: '0',
    FEATURE_FLAGS_JSON: '{"lineageHooks":false}',
    // a single Node process is the only isolate: its own writes clear its L1, so L1 may hold entries as long as L2
    // does, and may hold the whole hot set
    L1_MAX_ENTRIES: '100000',
    CACHE_TTLS_JSON: JSON.stringify({ assets: { fresh: L1_SEC, l1: L1_SEC }, listings: { fresh: L1_SEC, l1: L1_SEC } }),
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    INGEST_TOKEN: 'bench-ingest-token-0123456789',
    LOG_LEVEL: 'silent',
    BLOB_DIR: `${process.env.TMPDIR ?? '/tmp'}/strata-bench-blobs`,
  }),
  nodePlatform(),
);
await migrate(deps.sql);
const stack = {
  deps,
  settle: async () => {
    await deps.background.drain();
    await deps.cache.settle();
  },
};
const t0 = performance.now();
const ids = await seed(stack.deps, VERSIONS);
const seedSec = (performance.now() - t0) / 1000;
console.error(`seeded ${ids.length} versions in ${seedSec.toFixed(1)} s`);

const cached = await listen(createApp(stack.deps).fetch);
const uncached = await listen(createApp({ ...stack.deps, cache: passThroughCache(stack.deps.cache) }).fetch);
// the same reads with the driver Lambda and Workers use by default (SQL_DRIVER=auto → neon-http): one HTTP
// POST per query to the Neon bridge, which runs in its own process in front of the same database
const neonBridge = await bridgeProcess(db.url, { poolMax: 10 });
const neonSql = instrumentSql(createNeonHttpSql({ url: db.url, fetchEndpoint: `http://127.0.0.1:${neonBridge.port}/sql` }), stack.deps.metrics);
const uncachedNeon = await listen(createApp({ ...stack.deps, sql: neonSql, cache: passThroughCache(stack.deps.cache) }).fetch);

const rand = seeded(42);
const pickVersion = zipf(ids.length, ZIPF_S, rand);
const detailPaths = Array.from({ length: 30_000 }, () => `/listings/${ids[pickVersion()]}`);
const pickPage = zipf(DATASETS * 3, ZIPF_S, rand);
const listingPaths = Array.from({ length: 30_000 }, () => {
  const r = pickPage();
  const ds = `ds-${hex(r % DATASETS, 4)}`;
  const page = Math.floor(r / DATASETS);
  return page === 2 ? `/listings?q=dataset%20${r % DATASETS}&limit=20` : `/listings?datasetId=${ds}&limit=20&offset=${page * 20}`;
});

const phase = async (name: string, url: string, paths: string[], ns?: string) => {
  const before = ns ? hitsOf(stack.deps, ns) : { hits: 0, total: 0 };
  const cpu0 = process.cpuUsage();
  const r = await load(url, paths, DURATION);
  // the server is this process (the load generator and the bridges are others): its CPU per request
  const cpu = process.cpuUsage(cpu0);
  const serverCpuUsPerRequest = { user: Math.round(cpu.user / r.total), system: Math.round(cpu.system / r.total) };
  const after = ns ? hitsOf(stack.deps, ns) : { hits: 0, total: 0 };
  const hitRatio = after.total - before.total > 0 ? (after.hits - before.hits) / (after.total - before.total) : null;
  console.error(`${name}: ${Math.round(r.rps)} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms${hitRatio === null ? '' : `, hit ratio ${(hitRatio * 100).toFixed(1)} %`}, server CPU ${serverCpuUsPerRequest.user}+${serverCpuUsPerRequest.system} µs/request${r.non2xx ? `, non-2xx ${r.non2xx}` : ''}`);
  if (r.errors || r.non2xx) throw new Error(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return { ...r, hitRatio, serverCpuUsPerRequest };
};

// a cold pass first (its hit ratio is reported as such), then every distinct path once: the
// measured phases see the cache in steady state for this workload
const cold = await phase('detail, cached, cold start', cached.url, detailPaths, 'assets');
const warmUp = async (paths: string[]) => {
  const distinct = [...new Set(paths)];
  for (let i = 0; i < distinct.length; i += 50) await Promise.all(distinct.slice(i, i + 50).map((p) => fetch(cached.url + p).then((r) => r.arrayBuffer())));
};
await warmUp(detailPaths);
await warmUp(listingPaths);
await stack.settle();
// ceilings: the response of a real hit, replayed by servers that do nothing else
const sample = await fetch(cached.url + detailPaths[0]!);
const sampleBody = await sample.text();
const sampleHeaders: Record<string, string> = {};
for (const h of ['content-type', 'etag', 'cache-control', 'x-cache', 'vary']) sampleHeaders[h] = sample.headers.get(h) ?? '';
const bare = createServer((_req, res) => {
  res.writeHead(200, { ...sampleHeaders, 'x-request-id': crypto.randomUUID() });
  res.end(sampleBody);
});
await new Promise<void>((r) => bare.listen(0, '127.0.0.1', () => r()));
const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
const minimal = new Hono();
minimal.get('/listings/:versionId', (c) => c.body(sampleBody, 200, { ...sampleHeaders, 'x-request-id': crypto.randomUUID() }));
const minimalHono = await listen(minimal.fetch);
// hits only: the 200 hottest versions, already cached
const top = new Set(ids.slice(0, 200));
const hot = detailPaths.filter((p) => top.has(p.slice('/listings/'.length)));

// Every phase runs once per round and the rounds interleave them: on a shared VM the CPU the
// hypervisor leaves us drifts within seconds, so each ratio is taken inside a round (phases
// seconds apart) and the median round is reported.
type PhaseResult = Awaited<ReturnType<typeof phase>>;
const rounds: Record<string, PhaseResult>[] = [];
for (let round = 0; round < ROUNDS; round++) {
  console.error(`round ${round + 1} of ${ROUNDS}`);
  rounds.push({
    cachedDetail: await phase('detail, cached', cached.url, detailPaths, 'assets'),
    uncachedDetail: await phase('detail, Postgres only', uncached.url, detailPaths),
    uncachedNeonDetail: await phase('detail, Postgres only over Neon HTTP', uncachedNeon.url, detailPaths),
    ceilingBare: await phase('ceiling: bare node:http, constant hit response', bareUrl, detailPaths),
    ceilingHono: await phase('ceiling: one-route Hono, constant hit response', minimalHono.url, detailPaths),
    cachedListings: await phase('listings, cached', cached.url, listingPaths, 'listings'),
    uncachedListings: await phase('listings, Postgres only', uncached.url, listingPaths),
    hitsOnly: await phase('detail, hits only', cached.url, hot, 'assets'),
  });
}
bare.close();
minimalHono.close();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const med = (name: string, f: (p: PhaseResult) => number) => median(rounds.map((r) => f(r[name]!)));
const ratio = (a: string, b: string) => Math.round(median(rounds.map((r) => r[a]!.rps / r[b]!.rps)) * 10) / 10;
const rps = (name: string) => Math.round(med(name, (p) => p.rps));
const cpuOf = (name: string) => ({ user: med(name, (p) => p.serverCpuUsPerRequest.user), system: med(name, (p) => p.serverCpuUsPerRequest.system) });

const results = {
  date: new Date().toISOString(),
  conditions: {
    machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), load average ${loadavg().map((n) => n.toFixed(2)).join(' ')}`,
    versions: ids.length,
    datasets: DATASETS,
    zipfS: ZIPF_S,
    l1WindowSec: L1_SEC,
    freshWindowSec: L1_SEC,
    l1MaxEntries: 100_000,
    connections: CONNECTIONS,
    durationSecPerPhase: DURATION,
    server: '@hono/node-server, one process; autocannon in a child process on the same machine',
    tiers: 'local PostgreSQL 15 (node-postgres, pool 10) + Redis 7 through the Upstash REST bridge',
    neonHttpBaseline: 'the same database through the Neon HTTP driver (the Lambda/Worker default) and the Neon bridge in its own process (pool 10)',
    notes: 'rate limiting and lineage hooks off; one cold-start pass, then each distinct path requested once before the measured phases; the Upstash bridge runs in its own process; phases interleaved over rounds, medians reported',
  },
  rounds: ROUNDS,
  perRound: rounds.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v.rps)]))),
  cachedDetailRps: rps('cachedDetail'),
  uncachedDetailRps: rps('uncachedDetail'),
  detailSpeedup: ratio('cachedDetail', 'uncachedDetail'),
  serverCpuUsPerRequest: {
    note: 'user + system CPU of the server process per request (process.cpuUsage over the phase)',
    cachedDetail: cpuOf('cachedDetail'),
    uncachedDetail: cpuOf('uncachedDetail'),
    uncachedDetailNeonHttp: cpuOf('uncachedNeonDetail'),
  },
  uncachedDetailNeonHttpRps: rps('uncachedNeonDetail'),
  uncachedDetailNeonHttpP99Ms: med('uncachedNeonDetail', (p) => p.p99),
  detailSpeedupVsNeonHttp: ratio('cachedDetail', 'uncachedNeonDetail'),
  ceilings: {
    note: 'the same load against servers that answer every detail path with the bytes of a real hit and do nothing else: what a cache costing nothing could reach here',
    bareNodeHttpRps: rps('ceilingBare'),
    minimalHonoRps: rps('ceilingHono'),
    bareNodeHttpVsUncached: ratio('ceilingBare', 'uncachedDetail'),
    minimalHonoVsUncached: ratio('ceilingHono', 'uncachedDetail'),
    cachedVsMinimalHono: Math.round(median(rounds.map((r) => r.cachedDetail!.rps / r.ceilingHono!.rps)) * 100) / 100,
    serverCpuUsPerRequest: { bareNodeHttp: cpuOf('ceilingBare'), minimalHono: cpuOf('ceilingHono') },
  },
  hitRatio: Math.round(med('cachedDetail', (p) => p.hitRatio ?? 0) * 1000) / 1000,
  coldStartHitRatio: Math.round((cold.hitRatio ?? 0) * 1000) / 1000,
  coldStartRps: Math.round(cold.rps),
  cachedDetailP50Ms: med('cachedDetail', (p) => p.p50),
  cachedDetailP99Ms: med('cachedDetail', (p) => p.p99),
  uncachedDetailP50Ms: med('uncachedDetail', (p) => p.p50),
  uncachedDetailP99Ms: med('uncachedDetail', (p) => p.p99),
  hitP50Ms: med('hitsOnly', (p) => p.p50),
  hitP99Ms: med('hitsOnly', (p) => p.p99),
  hitsOnlyRps: rps('hitsOnly'),
  listingsCachedRps: rps('cachedListings'),
  listingsUncachedRps: rps('uncachedListings'),
  listingsSpeedup: ratio('cachedListings', 'uncachedListings'),
  listingsHitRatio: Math.round(med('cachedListings', (p) => p.hitRatio ?? 0) * 1000) / 1000,
  listingsCachedP99Ms: med('cachedListings', (p) => p.p99),
  listingsUncachedP99Ms: med('uncachedListings', (p) => p.p99),
  seedSec: Math.round(seedSec * 10) / 10,
  totalSec: Math.round((Date.now() - started) / 1000),
  // CPU time the hypervisor took from this VM during the run (a noisy neighbour shows here)
  cpu: machineCpu.stop(),
  targets: { detailSpeedupAtLeast: 5, hitRatioAbove: 0.9, hitP99BelowMs: 5 },
};
await mkdir('bench/results', { recursive: true });
await writeFile('bench/results/catalog.json', `${JSON.stringify(results, null, 2)}\n`);
console.log(JSON.stringify(results, null, 2));
cached.close();
uncached.close();
uncachedNeon.close();
await neonSql.close();
await neonBridge.stop();
await deps.close();
bridge.stop();
await db.drop();
await redisDb.release();
process.exit(0);
