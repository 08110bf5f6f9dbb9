/**
 * Builds the edge artefacts with esbuild, configured like SST's own bundling (so tests and the
 * bench measure what a deploy ships):
 *  - the Worker: `functions/src/entry/worker.ts` → dist/worker/worker.js, one ESM file,
 *    conditions workerd/worker/browser, `node:*` and `cloudflare:*` left to the runtime
 *    (nodejs_compat);
 *  - the Lambda handlers: each `functions/src/entry/{lambda,queue,cron,migrate}.ts` →
 *    dist/lambda/<name>.mjs, ESM for Node with a `require` shim for CommonJS dependencies.
 * `tsx functions/build.ts [worker|lambda]` builds one or both.
 */
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export const WORKER_OUT = `${root}dist/worker/worker.js`;
export const LAMBDA_ENTRIES = ['lambda', 'queue', 'cron', 'migrate'] as const;
export type LambdaEntry = (typeof LAMBDA_ENTRIES)[number];
export const lambdaOut = (name: LambdaEntry) => `${root}dist/lambda/${name}.mjs`;

/** Bundles the Worker script; returns esbuild's metafile (inputs per output). */
export async function buildWorker(opts: { minify?: boolean } = {}): Promise<Metafile> {
  const options: BuildOptions = {
    entryPoints: [`${root}functions/src/entry/worker.ts`],
    outfile: WORKER_OUT,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['node:*', 'cloudflare:*'],
    minify: opts.minify ?? true,
    keepNames: true,
    metafile: true,
    logLevel: 'error',
  };
  return (await build(options)).metafile!;
}

/** Bundles every Lambda handler; returns one metafile for all of them. */
export async function buildLambdas(opts: { minify?: boolean } = {}): Promise<Metafile> {
  const r = await build({
    entryPoints: Object.fromEntries(LAMBDA_ENTRIES.map((n) => [n, `${root}functions/src/entry/${n}.ts`])),
    outdir: `${root}dist/lambda`,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    mainFields: ['module', 'main'],
    // CommonJS dependencies call require(); ESM output needs one
    banner: { js: "import { createRequire as __strataRequire } from 'node:module'; const require = __strataRequire(import.meta.url);" },
    minify: opts.minify ?? true,
    keepNames: true,
    metafile: true,
    logLevel: 'error',
  });
  return r.metafile;
}

/** Input files (relative paths) that ended up in an output. */
export function bundledInputs(meta: Metafile, outfile: string): string[] {
  const out = Object.entries(meta.outputs).find(([path]) => outfile.endsWith(path) || path.endsWith(outfile.split('/').slice(-2).join('/')));
  return out ? Object.keys(out[1].inputs) : [];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const what = process.argv[2] ?? 'all';
  if (what === 'worker' || what === 'all') await buildWorker();
  if (what === 'lambda' || what === 'all') await buildLambdas();
}
