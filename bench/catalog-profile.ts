/**
 * `npx tsx bench/catalog-profile.ts [ratio|profile|callgrind]`: the cached read path against the
 * one-route Hono ceiling, small enough to run often while changing the path (docs/adr/0057).
 *
 * Setup as in bench/catalog.ts, smaller: a fresh database on local PostgreSQL with
 * PROFILE_VERSIONS versions (default 20,000), memory Kv (every measured read is an L1 hit; L2 is
 * not on a hit's path), the app on @hono/node-server, every distinct path read once. The ceiling
 * is a one-route Hono app answering every detail path with the bytes of a real hit.
 *
 * - `ratio` (default): ROUNDS interleaved rounds of cached detail, ceiling and cached listings
 *   under autocannon (10 connections, a child process); per round the ratio to the ceiling and
 *   the server's CPU per request; medians printed.
 * - `profile`: PROFILE_TARGET (detail, listings or ceiling) alone, with V8's CPU profiler on
 *   around the load only; writes PROFILE_OUT (see bench/cpuprofile-summary.ts).
 * - `callgrind`: fixed request counts per target with instrumentation toggled on around each
 *   load, for `valgrind --tool=callgrind --instr-atstart=no`: instructions per request, which a
 *   loaded machine does not move. Run as
 *   `CALLGRIND_DIR=<dir> valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file=<dir>/cg.%p node --import tsx bench/catalog-profile.ts callgrind`.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { parseConfig } from '@strata/core/config/index';
import { createDeps } from '@strata/core/create-deps';
import { migrate } from '@strata/core/migrate/files';
import { createApp } from '@strata/functions/app';
import { nodePlatform } from '@strata/functions/platform/node';
import { createTestDatabase } from '../test/support/pg';
import { benchPaths, seed } from './catalog-data';
import { runJsonProcess } from './processes';

const mode = process.argv[2] ?? 'ratio';
const VERSIONS = Number(process.env.PROFILE_VERSIONS ?? 20_000);
const DURATION = Number(process.env.BENCH_DURATION_SEC ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.PROFILE_REQUESTS ?? 4_000);
const run = promisify(execFile);

const db = await createTestDatabase('strata_prof');
const deps = await createDeps(
  parseConfig({
    DATABASE_URL: db.url,
    SQL_DRIVER: 'pg',
    RATE_LIMIT_PER_MIN: '0',
    FEATURE_FLAGS_JSON: '{"lineageHooks":false}',
    L1_MAX_ENTRIES: '100000',
    CACHE_TTLS_JSON: JSON.stringify({ assets: { fresh: 900, l1: 900 }, listings: { fresh: 900, l1: 900 } }),
    ADMIN_TOKEN: 'bench-admin-token-0123456789',
    INGEST_TOKEN: 'bench-ingest-token-0123456789',
    LOG_LEVEL: 'silent',
    BLOB_DIR: `${process.env.TMPDIR ?? '/tmp'}/strata-bench-blobs`,
  }),
  nodePlatform(),
);
await migrate(deps.sql);
const ids = await seed(deps, VERSIONS);
console.error(`seeded ${ids.length} versions`);
const { detailPaths, listingPaths } = benchPaths(ids);

function listen(fetch: (r: Request) => Response | Promise<Response>): Promise<{ url: string; close(): void }> {
  return new Promise((resolve) => {
    const server = serve({ fetch, port: 0, hostname: '127.0.0.1' }, (info: AddressInfo) =>
      resolve({ url: `http://127.0.0.1:${info.port}`, close: () => server.close() }),
    );
  });
}

const cached = await listen(createApp(deps).fetch);
const warmUp = async (paths: string[]) => {
  const distinct = [...new Set(paths)];
  // retried: under valgrind a reused keep-alive connection can have been closed by the slow server
  const get = async (p: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return void (await (await fetch(cached.url + p)).arrayBuffer());
      } catch (e) {
        if (attempt >= 5) throw e;
      }
    }
  };
  for (let i = 0; i < distinct.length; i += 20) await Promise.all(distinct.slice(i, i + 20).map(get));
};
await warmUp(detailPaths);
await warmUp(listingPaths);
await deps.background.drain();
await deps.cache.settle();

const sample = await fetch(cached.url + detailPaths[0]!);
const sampleBody = await sample.text();
const sampleHeaders: Record<string, string> = {};
for (const h of ['content-type', 'etag', 'cache-control', 'x-cache', 'vary']) sampleHeaders[h] = sample.headers.get(h) ?? '';
const minimal = new Hono();
minimal.get('/listings/:versionId', (c) => c.body(sampleBody, 200, { ...sampleHeaders, 'x-request-id': crypto.randomUUID() }));
const ceiling = await listen(minimal.fetch);

type Load = { rps: number; total: number; p50: number; p99: number; errors: number; non2xx: number };
const load = (url: string, paths: string[], o: { duration?: number; amount?: number }) =>
  runJsonProcess<Load>('./catalog-load.ts', { url, paths, connections: 10, timeout: mode === 'callgrind' ? 120 : 10, ...o });

const targets = {
  detail: () => [cached.url, detailPaths] as const,
  ceiling: () => [ceiling.url, detailPaths] as const,
  listings: () => [cached.url, listingPaths] as const,
};

async function measure(name: keyof typeof targets, o: { duration?: number; amount?: number }) {
  const [url, paths] = targets[name]();
  const cpu0 = process.cpuUsage();
  const r = await load(url, paths, o);
  const cpu = process.cpuUsage(cpu0);
  // under valgrind a request can time out: the instruction count is divided by the completed ones
  if (r.non2xx || (r.errors && mode !== 'callgrind')) throw new Error(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx`);
  return { rps: r.rps, p99: r.p99, cpuUs: (cpu.user + cpu.system) / r.total, total: r.total };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

if (mode === 'ratio') {
  type M = { rps: number; cpuUs: number; p99: number };
  const per: { detail: M; ceiling: M; listings: M }[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const r = { detail: await measure('detail', { duration: DURATION }), ceiling: await measure('ceiling', { duration: DURATION }), listings: await measure('listings', { duration: DURATION }) };
    per.push(r);
    console.error(
      `round ${i + 1}: detail ${Math.round(r.detail.rps)} (${r.detail.cpuUs.toFixed(0)} µs), ceiling ${Math.round(r.ceiling.rps)} (${r.ceiling.cpuUs.toFixed(0)} µs), listings ${Math.round(r.listings.rps)} (${r.listings.cpuUs.toFixed(0)} µs); detail/ceiling ${(r.detail.rps / r.ceiling.rps).toFixed(2)}, listings/ceiling ${(r.listings.rps / r.ceiling.rps).toFixed(2)}`,
    );
  }
  console.log(
    JSON.stringify({
      detailVsCeiling: median(per.map((r) => r.detail.rps / r.ceiling.rps)),
      listingsVsCeiling: median(per.map((r) => r.listings.rps / r.ceiling.rps)),
      cpuUsPerRequest: { detail: median(per.map((r) => r.detail.cpuUs)), ceiling: median(per.map((r) => r.ceiling.cpuUs)), listings: median(per.map((r) => r.listings.cpuUs)) },
      detailP99Ms: median(per.map((r) => r.detail.p99)),
    }),
  );
} else if (mode === 'profile') {
  // V8's sampling profiler around the measured load only (not the seeding and warm-up)
  const session = new Session();
  session.connect();
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  const r = await measure((process.env.PROFILE_TARGET as keyof typeof targets | undefined) ?? 'detail', { duration: Number(process.env.BENCH_DURATION_SEC ?? 15) });
  const { profile } = await session.post('Profiler.stop');
  const file = process.env.PROFILE_OUT ?? 'catalog.cpuprofile';
  await writeFile(file, JSON.stringify(profile));
  console.log(JSON.stringify({ ...r, profile: file }));
} else if (mode === 'callgrind') {
  // this process runs under valgrind: toggle collection around each load, dump, read the dump's totals
  const pid = String(process.pid);
  const out: Record<string, number> = {};
  for (const name of (process.env.PROFILE_TARGETS ?? 'ceiling,detail,listings').split(',') as (keyof typeof targets)[]) {
    await measure(name, { amount: Math.min(1000, REQUESTS) }); // JIT and caches settled for this target
    await run('callgrind_control', ['-z', pid]);
    await run('callgrind_control', ['-i', 'on', pid]);
    const r = await measure(name, { amount: REQUESTS });
    await run('callgrind_control', ['-i', 'off', pid]);
    await run('callgrind_control', ['-d', name, pid]);
    const file = await latestDump();
    const totals = /^totals:\s*(\d+)/m.exec(await readFile(file, 'utf8'));
    const ir = Number(totals?.[1] ?? NaN) / r.total;
    out[name] = ir;
    console.error(`${name}: ${Math.round(ir)} instructions per request (${r.total} requests)`);
  }
  console.log(
    JSON.stringify({
      instructionsPerRequest: Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Math.round(v)])),
      detailVsCeiling: Math.round(((out.ceiling ?? 0) / (out.detail ?? 1)) * 100) / 100,
      listingsVsCeiling: Math.round(((out.ceiling ?? 0) / (out.listings ?? 1)) * 100) / 100,
    }),
  );
}

/** The newest dump of this process in CALLGRIND_DIR (the run's `--callgrind-out-file=$CALLGRIND_DIR/cg.%p`). */
async function latestDump(): Promise<string> {
  const dir = process.env.CALLGRIND_DIR ?? '.';
  const stem = `cg.${process.pid}.`;
  const files = (await readdir(dir)).filter((f) => f.startsWith(stem));
  files.sort((a, b) => Number(a.slice(stem.length)) - Number(b.slice(stem.length)));
  return join(dir, files[files.length - 1]!);
}

cached.close();
ceiling.close();
await deps.close();
await db.drop();
process.exit(0);
