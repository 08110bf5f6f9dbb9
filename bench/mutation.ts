/**
 * `npm run mutation`: StrykerJS over the core modules the trust and cache guarantees rest on
 * (stryker.config.mjs), in its two groups, then one summary per file in
 * bench/results/mutation.json: killed, survived, no coverage, timeout, errors, the score with
 * the mutants listed as equivalent in bench/mutation-equivalent.json left out (they are listed
 * there with the reason), and the run time. The HTML reports stay in reports/mutation/ (ignored).
 *
 *   npm run mutation                 # both groups (needs the local PostgreSQL and Redis)
 *   npm run mutation -- unit         # one group
 *   npm run mutation -- --summarise  # only rebuild the summary from the last reports
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

type Group = 'unit' | 'services';
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
  readonly mutator: string;
  /** The replacement text Stryker shows; omitted to match every replacement of that mutator on the line. */
  readonly replacement?: string;
  readonly why: string;
}

const args = process.argv.slice(2);
const groups: Group[] = args.includes('unit') ? ['unit'] : args.includes('services') ? ['services'] : ['unit', 'services'];
const seconds: Record<string, number> = {};

if (!args.includes('--summarise')) {
  for (const g of groups) {
    const started = Date.now();
    console.log(`mutation: group ${g}`);
    const r = spawnSync('npx', ['stryker', 'run'], {
      stdio: 'inherit',
      env: { ...process.env, STRATA_MUTATION_SUITES: g, STRATA_REQUIRE_SERVICES: '1' },
    });
    seconds[g] = Math.round((Date.now() - started) / 1000);
    if (r.status !== 0) {
      console.error(`mutation: stryker failed for group ${g} (exit ${r.status})`);
      process.exit(1);
    }
  }
}

const equivalents: Equivalent[] = JSON.parse(readFileSync('bench/mutation-equivalent.json', 'utf8'));
const isEquivalent = (file: string, m: Mutant) =>
  equivalents.find(
    (e) => e.file === file && e.line === m.location.start.line && e.mutator === m.mutatorName && (e.replacement === undefined || e.replacement === m.replacement),
  );

const files: Record<string, unknown> = {};
const unmatched = new Set(equivalents);
for (const g of ['unit', 'services'] as const) {
  const path = `reports/mutation/${g}/mutation.json`;
  if (!existsSync(path)) continue;
  const report = JSON.parse(readFileSync(path, 'utf8')) as Report;
  for (const [abs, f] of Object.entries(report.files)) {
    const file = relative(process.cwd(), abs).replaceAll('\\', '/');
    const count = { killed: 0, survived: 0, noCoverage: 0, timeout: 0, errors: 0, equivalent: 0 };
    const survivors: string[] = [];
    for (const m of f.mutants) {
      const eq = m.status === 'Survived' || m.status === 'NoCoverage' ? isEquivalent(file, m) : undefined;
      if (eq) {
        count.equivalent++;
        unmatched.delete(eq);
        continue;
      }
      if (m.status === 'Killed') count.killed++;
      else if (m.status === 'Survived') count.survived++;
      else if (m.status === 'NoCoverage') count.noCoverage++;
      else if (m.status === 'Timeout') count.timeout++;
      else count.errors++;
      if (m.status === 'Survived' || m.status === 'NoCoverage')
        survivors.push(`${m.location.start.line}:${m.location.start.column} ${m.mutatorName} ${JSON.stringify(m.replacement ?? '')}`);
    }
    const detected = count.killed + count.timeout;
    const valid = detected + count.survived + count.noCoverage;
    files[file] = { group: g, ...count, score: valid === 0 ? 100 : Math.round((detected / valid) * 1000) / 10, survivors };
  }
}

const previous = existsSync('bench/results/mutation.json') ? JSON.parse(readFileSync('bench/results/mutation.json', 'utf8')) : {};
const summary = {
  ranAt: new Date().toISOString(),
  tool: 'StrykerJS 9.6.1, vitest runner, perTest coverage',
  seconds: { ...(previous.seconds ?? {}), ...seconds },
  files,
  staleEquivalents: [...unmatched].map((e) => `${e.file}:${e.line} ${e.mutator}`),
};
writeFileSync('bench/results/mutation.json', `${JSON.stringify(summary, null, 2)}\n`);
for (const [file, s] of Object.entries(files) as [string, { score: number; survived: number; noCoverage: number; equivalent: number }][])
  console.log(`${s.score.toFixed(1).padStart(6)} %  ${file}  (survived ${s.survived}, no coverage ${s.noCoverage}, equivalent ${s.equivalent})`);
if (unmatched.size > 0) console.log(`equivalents that matched no surviving mutant (stale entries?): ${summary.staleEquivalents.join(', ')}`);
