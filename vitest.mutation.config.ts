import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The suites StrykerJS runs for `npm run mutation` (see stryker.config.mjs). The workspace
// packages resolve through node_modules symlinks to the original tree; the aliases make them
// resolve inside the directory Stryker runs in, so the mutated copy is the one tested.
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const suites = process.env.STRATA_MUTATION_SUITES === 'services' ? 'services' : 'unit';

const unit = [
  'test/unit/cache*.test.ts',
  'test/unit/spv-*.test.ts',
  'test/unit/policy-*.test.ts',
  'test/unit/identity-*.test.ts',
  'test/unit/mutation-*.test.ts',
];
const services = [
  'test/api/catalog.failure.test.ts',
  'test/api/catalog.concurrency.test.ts',
  'test/api/jobs.test.ts',
  'test/unit/outbox*.test.ts',
  'test/contract/outbox*.test.ts',
  // identity-signed writes claim their nonce inside the outbox batch
  'test/api/identity-replay.test.ts',
  'test/api/identity-middleware.test.ts',
  'test/api/authz.test.ts',
];

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@strata\/core$/, replacement: here('./packages/core/src/index.ts') },
      { find: /^@strata\/core\/(.*)$/, replacement: here('./packages/core/src/') + '$1' },
      { find: /^@strata\/functions\/(.*)$/, replacement: here('./functions/src/') + '$1' },
    ],
  },
  test: {
    include: suites === 'services' ? services : unit,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
