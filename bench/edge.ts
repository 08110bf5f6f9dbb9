/**
 * bench:edge — what the edge artefacts cost before they serve anything.
 *  - Worker: size of the esbuild bundle of functions/src/entry/worker.ts, raw and gzipped
 *    (Cloudflare's limit is on the compressed script; budget here < 1 MiB gzipped), and the
 *    biggest packages in it.
 *  - Lambda: cold import time of each built handler — a fresh `node` process per sample
 *    imports dist/lambda/<name>.mjs and reports how long the import took (module evaluation
 *    only: Deps are built on the first invocation, not at import). Budget < 300 ms (median).
 * `npm run bench:edge [samples]` → bench/results/edge.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildLambdas, buildWorker, lambdaOut, LAMBDA_ENTRIES, WORKER_OUT } from '../functions/build';

const samples = Math.max(1, Number(process.argv[2] ?? 15));
const MiB = 1024 * 1024;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (n: number) => Math.round(n * 10) / 10;

const workerMeta = await buildWorker();
const raw = readFileSync(WORKER_OUT);
const workerBundleBytes = raw.byteLength;
const workerBundleGzipBytes = gzipSync(raw, { level: 9 }).byteLength;
const byPackage: Record<string, number> = {};
for (const [path, v] of Object.entries(Object.values(workerMeta.outputs)[0]!.inputs)) {
  const m = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(path);
  const key = m ? m[1]! : 'strata (own code)';
  byPackage[key] = (byPackage[key] ?? 0) + v.bytesInOutput;
}
const workerTopPackages = Object.fromEntries(Object.entries(byPackage).sort((a, b) => b[1] - a[1]).slice(0, 8));

await buildLambdas();
// a realistic environment: configuration is read at import only by the entry; nothing connects yet
const env = { ...process.env, DATABASE_URL: 'postgres://u:p@127.0.0.1:1/db', LOG_LEVEL: 'silent' };
const probe = (file: string) =>
  `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t0));`;

const importTimes = (file: string) => {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) times.push(Number(execFileSync(process.execPath, ['--input-type=module', '-e', probe(file)], { env, encoding: 'utf8' })));
  return times;
};

// what importing a trivial module costs on this machine right now (the floor under every number)
const empty = `${os.tmpdir()}/strata-bench-empty.mjs`;
writeFileSync(empty, 'export const x = 1;\n');
const baselineImportMs = round(pct(importTimes(empty), 50));

const lambda: Record<string, { bytes: number; medianMs: number; p90Ms: number; samples: number }> = {};
for (const name of LAMBDA_ENTRIES) {
  const file = lambdaOut(name);
  const times = importTimes(file);
  lambda[name] = { bytes: statSync(file).size, medianMs: round(pct(times, 50)), p90Ms: round(pct(times, 90)), samples };
}

const lambdaColdImportMs = lambda.lambda!.medianMs;
const result = {
  at: new Date().toISOString(),
  node: process.version,
  machine: { cpus: os.cpus().length, loadavg: os.loadavg().map(round) },
  workerBundleBytes,
  workerBundleGzipBytes,
  workerTopPackages,
  lambdaColdImportMs,
  baselineImportMs,
  lambda,
  budgets: {
    workerBundleGzipBytes: { limit: MiB, ok: workerBundleGzipBytes < MiB },
    lambdaColdImportMs: { limit: 300, ok: lambdaColdImportMs < 300 },
  },
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/edge.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
console.log(JSON.stringify(result, null, 2));
if (!result.budgets.workerBundleGzipBytes.ok || !result.budgets.lambdaColdImportMs.ok) process.exitCode = 1;
