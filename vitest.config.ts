import { defineConfig } from 'vitest/config';

const common = { testTimeout: 30_000, hookTimeout: 60_000 };

export default defineConfig({
  test: {
    pool: 'forks',
    // Each test file owns its database, subject prefix and simulators, so files run in parallel (2 at a time
    // on this 2-core machine). The cluster tests spawn several node processes and NATS servers each: they run
    // after the rest, on their own, so their load cannot starve other files' timing-sensitive assertions.
    maxWorkers: 2,
    projects: [
      { test: { ...common, name: 'main', include: ['test/**/*.test.ts'], exclude: ['test/cluster/**'], sequence: { groupOrder: 0 } } },
      { test: { ...common, name: 'cluster', include: ['test/cluster/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
