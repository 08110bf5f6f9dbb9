import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { selection } from './bench/mutation-targets.mjs';

// The suites StrykerJS runs for `npm run mutation`: those of the mutated file or group
// (bench/mutation-targets.mjs). The workspace
// packages resolve through node_modules symlinks to the original tree; the aliases make them
// resolve inside the directory Stryker runs in, so the mutated copy is the one tested.
const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const { suites } = selection();

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@strata\/core$/, replacement: here('./packages/core/src/index.ts') },
      { find: /^@strata\/core\/(.*)$/, replacement: here('./packages/core/src/') + '$1' },
      { find: /^@strata\/functions\/(.*)$/, replacement: here('./functions/src/') + '$1' },
    ],
  },
  test: {
    include: suites,
    // generous: the API suites' stacks start slowly on a loaded machine, and a timeout in the
    // initial run aborts the whole run
    testTimeout: 60_000,
    hookTimeout: 180_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
