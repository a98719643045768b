import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Each test file owns its database, subject prefix and simulators, so files run in parallel.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
