// StrykerJS for `npm run mutation` (bench/mutation.ts runs it and writes the summary).
// bench/mutation-targets.mjs names every mutated file with the suites that can see it; a run
// mutates one file (STRATA_MUTATION_FILE) or one group (STRATA_MUTATION_SUITES: `unit`, the
// server-free suites; `services`, the suites that commit through PostgreSQL and Redis).
// Reports go to reports/mutation/<file or group>/ (not tracked).
import { TARGETS, selection } from './bench/mutation-targets.mjs';

const run = selection();
const concurrency = Number(process.env.STRATA_MUTATION_CONCURRENCY ?? 2);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: run.files,
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `reports/mutation/${run.name}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${run.name}/mutation.json` },
  concurrency,
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  // static mutants only for runs of files that are mostly declarations (bench/mutation-targets.mjs)
  ignoreStatic: !run.files.every((f) => TARGETS[f].static === true),
};
