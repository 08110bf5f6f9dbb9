import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // two cores: keep concurrency modest so suites sharing PostgreSQL do not starve each other
    maxWorkers: 2,
    reporters: ['default'],
  },
});
