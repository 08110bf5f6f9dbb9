/**
 * `npm run bench:observe [requests]`: what the observe middleware (request metrics + access
 * log, functions/src/middleware/observe.ts) adds to a request, measured in one process against
 * the same app without it. The apps mirror createApp's shape on a cached-detail route
 * (`/listings/:versionId`, a `*` context middleware, a fixed JSON body), so the difference is
 * the middleware alone: route-template lookup, two memoised series, and the log line (built and
 * discarded by the sink, so stdout's cost — the operator's choice of destination — is left out).
 * Rounds are interleaved (A, B, C, A, B, C, …); the overhead is the median of the per-round
 * differences (B − A, C − A of the same pass), which cancels most of the drift a shared machine
 * adds between passes.
 * Writes bench/results/observe.json.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { Hono } from 'hono';
import type { Deps } from '@strata/core/deps';
import { createLogger } from '@strata/core/observability/log';
import { createMetrics } from '@strata/core/observability/metrics';
import { createRequestRecorder } from '@strata/core/observability/http';
import { observe } from '@strata/functions/middleware/observe';
import { cpuSampler } from './machine';

const requests = Number(process.argv[2] ?? 5_000);
const ROUNDS = 15;
const body = JSON.stringify({ versionId: 'a'.repeat(64), manifest: { name: 'bench', datasetId: 'ds', license: 'MIT' } });

function build(withObserve: false | 'empty' | 'silent' | 'info'): Hono {
  const app = new Hono();
  if (withObserve === 'empty') app.use('*', async (_c, next) => void (await next()));
  else if (withObserve) {
    const deps = { metrics: createMetrics(), log: createLogger(withObserve, () => undefined) } as unknown as Deps;
    app.use('*', observe(deps) as never);
  }
  app.use('*', async (c, next) => {
    c.set('requestId' as never, 'bench-request-id' as never);
    c.header('x-request-id', 'bench-request-id');
    await next();
  });
  app.get('/listings/:versionId', (c) => c.body(body, 200, { 'content-type': 'application/json', 'x-cache': 'hit' }));
  return app;
}

const urls = Array.from({ length: 64 }, (_, i) => `http://bench.local/listings/${i.toString(16).padStart(64, '0')}`);

/** CPU time (user + system) per request in ns: on a shared machine, waiting for a core is not our cost. */
async function round(app: Hono): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < requests; i++) {
    const res = await app.fetch(new Request(urls[i & 63]!));
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  }
  const c = process.cpuUsage(c0);
  return ((c.user + c.system) * 1000) / requests;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
// `emptyMiddleware`: the cost of one more async middleware layer that does nothing
const apps = { without: build(false), emptyMiddleware: build('empty'), metricsOnly: build('silent'), metricsAndLog: build('info') };
for (const app of Object.values(apps)) await round(app); // warm up
const ns: Record<keyof typeof apps, number[]> = { without: [], emptyMiddleware: [], metricsOnly: [], metricsAndLog: [] };
const cpu = cpuSampler();
for (let r = 0; r < ROUNDS; r++) for (const [name, app] of Object.entries(apps)) ns[name as keyof typeof apps].push(await round(app));
const machine = cpu.stop();

// the recorder alone: what a request pays for the two series once its route is known
const record = createRequestRecorder(createMetrics());
const calls = 2_000_000;
const c0 = process.cpuUsage();
for (let i = 0; i < calls; i++) record('/listings/:versionId', 'GET', 200, i & 7);
const rc = process.cpuUsage(c0);
const recorderNs = ((rc.user + rc.system) * 1000) / calls;

const m = { without: median(ns.without), emptyMiddleware: median(ns.emptyMiddleware), metricsOnly: median(ns.metricsOnly), metricsAndLog: median(ns.metricsAndLog) };
const paired = (k: 'emptyMiddleware' | 'metricsOnly' | 'metricsAndLog') => median(ns[k].map((v, i) => v - ns.without[i]!));
const result = {
  requestsPerRound: requests,
  rounds: ROUNDS,
  node: process.version,
  /** CPU ns (user + system) per request, median round. */
  nsPerRequest: Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.round(v)])),
  overheadNs: { emptyMiddleware: Math.round(paired('emptyMiddleware')), metricsOnly: Math.round(paired('metricsOnly')), metricsAndLog: Math.round(paired('metricsAndLog')) },
  overheadPct: { emptyMiddleware: Math.round((paired('emptyMiddleware') / m.without) * 1000) / 10, metricsOnly: Math.round((paired('metricsOnly') / m.without) * 1000) / 10, metricsAndLog: Math.round((paired('metricsAndLog') / m.without) * 1000) / 10 },
  recorderAloneNs: Math.round(recorderNs * 10) / 10,
  roundsNs: Object.fromEntries(Object.entries(ns).map(([k, v]) => [k, v.map(Math.round)])),
  cpu: machine,
};
console.log(JSON.stringify(result, null, 2));
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/observe.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log('wrote bench/results/observe.json');
