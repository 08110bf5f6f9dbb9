// StrykerJS for `npm run mutation` (bench/mutation.ts runs both groups and writes the summary).
// Two groups, so each mutant runs the suites that can see it without paying for the rest:
// `unit` mutates the pure modules under the server-free suites; `services` mutates the outbox
// under the suites that commit through PostgreSQL and invalidate through Redis (the local
// services `npm test` uses). Reports go to reports/mutation/<group>/ (not tracked).
const group = process.env.STRATA_MUTATION_SUITES === 'services' ? 'services' : 'unit';

const files = {
  unit: [
    'packages/core/src/cache/engine.ts',
    'packages/core/src/cache/invalidate.ts',
    'packages/core/src/cache/entry.ts',
    'packages/core/src/spv/envelope.ts',
    'packages/core/src/spv/merkle.ts',
    'packages/core/src/spv/header.ts',
    'packages/core/src/policy/rules.ts',
    'packages/core/src/policy/evaluate.ts',
    'packages/core/src/identity/verify.ts',
  ],
  services: ['packages/core/src/outbox/outbox.ts'],
};

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: false },
  coverageAnalysis: 'perTest',
  mutate: files[group],
  reporters: ['html', 'json', 'clear-text', 'progress'],
  htmlReporter: { fileName: `reports/mutation/${group}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${group}/mutation.json` },
  concurrency: 2,
  timeoutMS: 20000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
  ignoreStatic: true,
};
