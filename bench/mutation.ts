/**
 * `npm run mutation`: StrykerJS over the core modules the trust, cache and payment guarantees
 * rest on (bench/mutation-targets.mjs names each file with the suites that cover it), then one
 * summary per file in bench/results/mutation.json: killed, survived, no coverage, timeout,
 * errors, the score with the mutants listed as equivalent in bench/mutation-equivalent.json left
 * out (they are listed there with the reason), and the run time of the run that produced it.
 * Runs of single files merge into the summary: each file keeps the result of its latest run.
 * The HTML reports stay in reports/mutation/ (ignored).
 *
 *   npm run mutation                                         # every file, one run per group (needs PostgreSQL and Redis)
 *   npm run mutation -- unit                                 # one group
 *   npm run mutation -- --file packages/core/src/policy/rules.ts   # one file, only its suites
 *   npm run mutation -- --file a.ts --file b.ts --concurrency 1    # several files, one run each
 *   npm run mutation -- --file a.ts --file b.ts --together         # several files in one run (suites shared)
 *   npm run mutation -- --summarise                          # only rebuild the summary from the reports
 *
 * On a shared machine: `nice -n 10 npm run mutation -- --file … --concurrency 1`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import pg from 'pg';
import { TARGETS, selection } from './mutation-targets.mjs';
import { adminUrl } from '../test/support/pg';

interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly location: { start: { line: number; column: number } };
}
interface Report {
  readonly files: Record<string, { readonly source: string; readonly mutants: readonly Mutant[] }>;
}
interface Equivalent {
  readonly file: string;
  readonly line: number;
  /** Needed only when two mutants of the same mutator and replacement share the line. */
  readonly column?: number;
  readonly mutator: string;
  /** The replacement text Stryker shows; omitted to match every replacement of that mutator on the line. */
  readonly replacement?: string;
  readonly why: string;
}
interface RunInfo {
  readonly seconds: number;
  readonly ranAt: string;
}

const args = process.argv.slice(2);
const valueOf = (flag: string) => args.flatMap((a, i) => (a === flag && args[i + 1] ? [args[i + 1]!] : []));
const fileArgs = valueOf('--file');
const concurrency = valueOf('--concurrency')[0];
for (const f of fileArgs) if (!(f in TARGETS)) throw new Error(`mutation: ${f} is not listed in bench/mutation-targets.mjs`);

type Run = { readonly env: Record<string, string>; readonly name: string };
const runs: Run[] =
  fileArgs.length > 0 && args.includes('--together')
    ? [{ env: { STRATA_MUTATION_FILE: fileArgs.join(',') }, name: selection({ STRATA_MUTATION_FILE: fileArgs.join(',') }).name }]
    : fileArgs.length > 0
    ? fileArgs.map((f) => ({ env: { STRATA_MUTATION_FILE: f }, name: selection({ STRATA_MUTATION_FILE: f }).name }))
    : (args.includes('unit') ? ['unit'] : args.includes('services') ? ['services'] : ['unit', 'services']).map((g) => ({
        env: { STRATA_MUTATION_SUITES: g },
        name: g,
      }));

const runInfoPath = 'reports/mutation/runs.json';
const runInfo: Record<string, RunInfo> = existsSync(runInfoPath) ? JSON.parse(readFileSync(runInfoPath, 'utf8')) : {};

if (!args.includes('--summarise')) {
  for (const run of runs) {
    const started = Date.now();
    console.log(`mutation: ${run.name}`);
    const r = spawnSync('npx', ['stryker', 'run'], {
      stdio: 'inherit',
      env: {
        ...process.env,
        ...run.env,
        STRATA_REQUIRE_SERVICES: '1',
        ...(concurrency ? { STRATA_MUTATION_CONCURRENCY: concurrency } : {}),
      },
    });
    // re-read: another run (of other files) may have finished meanwhile
    const latest: Record<string, RunInfo> = existsSync(runInfoPath) ? JSON.parse(readFileSync(runInfoPath, 'utf8')) : {};
    Object.assign(runInfo, latest, { [run.name]: { seconds: Math.round((Date.now() - started) / 1000), ranAt: new Date().toISOString() } });
    writeFileSync(runInfoPath, `${JSON.stringify(runInfo, null, 2)}\n`);
    if (r.status !== 0) {
      console.error(`mutation: stryker failed for ${run.name} (exit ${r.status})`);
      process.exit(1);
    }
  }
}

// the upload verb suites' template databases (test/support/uploads-verbs.ts) live only as long as the run
if (!args.includes('--summarise')) {
  const admin = new pg.Client({ connectionString: adminUrl() });
  try {
    await admin.connect();
    const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE 'strata\\_vu\\_tpl\\_%'`);
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${String(r.datname).replace(/"/g, '')}" WITH (FORCE)`);
  } catch (e) {
    console.warn(`mutation: could not drop the upload suites' template databases: ${String(e)}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

const equivalents: Equivalent[] = JSON.parse(readFileSync('bench/mutation-equivalent.json', 'utf8'));
const isEquivalent = (file: string, m: Mutant) =>
  equivalents.find(
    (e) =>
      e.file === file &&
      e.line === m.location.start.line &&
      (e.column === undefined || e.column === m.location.start.column) &&
      e.mutator === m.mutatorName && (e.replacement === undefined || e.replacement === m.replacement),
  );

// every report under reports/mutation/<run>/; a file takes the result of its newest report
const reports = (existsSync('reports/mutation') ? readdirSync('reports/mutation') : [])
  .map((name) => ({ name, path: `reports/mutation/${name}/mutation.json` }))
  .filter((r) => existsSync(r.path))
  .map((r) => ({ ...r, mtime: statSync(r.path).mtimeMs }))
  .sort((a, b) => a.mtime - b.mtime);

const previous = existsSync('bench/results/mutation.json') ? JSON.parse(readFileSync('bench/results/mutation.json', 'utf8')) : {};
const files: Record<string, unknown> = { ...(previous.files ?? {}) };
for (const f of Object.keys(files)) if (!(f in TARGETS)) delete files[f];
const matched = new Set<Equivalent>();
/** Files summarised from a report in this run: only their equivalents can be checked for staleness. */
const reported = new Set<string>();
for (const { name, path } of reports) {
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  for (const [abs, f] of Object.entries(report.files)) {
    const file = relative(process.cwd(), abs).replaceAll('\\', '/');
    reported.add(file);
    const count = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, ignored: 0, errors: 0, equivalent: 0 };
    const survivors: string[] = [];
    for (const m of f.mutants) {
      const eq = m.status === 'Survived' || m.status === 'NoCoverage' ? isEquivalent(file, m) : undefined;
      if (eq) {
        count.equivalent++;
        matched.add(eq);
        continue;
      }
      if (m.status === 'Killed') count.killed++;
      else if (m.status === 'Survived') count.survived++;
      else if (m.status === 'NoCoverage') count.noCoverage++;
      else if (m.status === 'Timeout') count.timeout++;
      // static mutants (module-level declarations such as zod schemas) under `ignoreStatic`
      else if (m.status === 'Ignored') count.ignored++;
      else count.errors++;
      if (m.status === 'Survived' || m.status === 'NoCoverage')
        survivors.push(`${m.location.start.line}:${m.location.start.column} ${m.mutatorName} ${JSON.stringify(m.replacement ?? '')}`);
    }
    const detected = count.killed + count.timeout;
    const valid = detected + count.survived + count.noCoverage;
    files[file] = {
      run: name,
      runSeconds: runInfo[name]?.seconds ?? null,
      ranAt: runInfo[name]?.ranAt ?? null,
      ...count,
      score: valid === 0 ? 100 : Math.round((detected / valid) * 1000) / 10,
      survivors,
    };
  }
}

const sorted = Object.fromEntries(Object.keys(TARGETS).filter((f) => f in files).map((f) => [f, files[f]]));
const unmatched = equivalents.filter((e) => reported.has(e.file) && !matched.has(e));
const summary = {
  summarisedAt: new Date().toISOString(),
  tool: 'StrykerJS 9.6.1, vitest runner, perTest coverage',
  note: 'Each file is the result of its latest run (run: a single file or a group); runSeconds is that run\'s wall time.',
  files: sorted,
  notYetRun: Object.keys(TARGETS).filter((f) => !(f in files)),
  staleEquivalents: unmatched.map((e) => `${e.file}:${e.line} ${e.mutator}`),
};
writeFileSync('bench/results/mutation.json', `${JSON.stringify(summary, null, 2)}\n`);
for (const [file, s] of Object.entries(sorted) as [string, { score: number; survived: number; noCoverage: number; equivalent: number }][])
  console.log(`${s.score.toFixed(1).padStart(6)} %  ${file}  (survived ${s.survived}, no coverage ${s.noCoverage}, equivalent ${s.equivalent})`);
if (unmatched.length > 0) console.log(`equivalents that matched no surviving mutant (stale entries?): ${summary.staleEquivalents.join(', ')}`);
