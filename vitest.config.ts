import { defineConfig } from 'vitest/config';

// Two projects: `everyday` (unit, integration against real Redis and the Kratos simulator, processes, the
// console in headless Chromium, packaging — run on every change) and the slower `resilience` suite (fault
// injection, SIGKILLed processes, floods) that CI runs as well.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'everyday',
          include: ['test/**/*.test.ts'],
          exclude: ['test/resilience/**', 'node_modules/**'],
          globalSetup: ['test/support/global-redis.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'resilience',
          include: ['test/resilience/**/*.test.ts'],
          globalSetup: ['test/support/global-redis.ts'],
          testTimeout: 600_000,
          hookTimeout: 120_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
