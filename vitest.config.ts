import { defineConfig } from 'vitest/config';

/**
 * Tests are chosen by suffix: `*.test.ts` beside the code are unit tests (pure, no I/O);
 * `test/**\/*.itest.ts` are integration tests against real brokers and the real ClickHouse
 * engine; `test/**\/*.browser.ts` drive real Chromium. Each file runs in its own process
 * (the embedded ClickHouse engine binds one data directory per process).
 */
export default defineConfig({
  test: {
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // How long `expect.poll` waits for a condition (a rendering, a message) before failing: long
    // enough for a loaded 2-core machine; a condition that holds returns at once.
    expect: { poll: { timeout: 10_000 } },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: [
            'twin-model/**/*.test.ts',
            'storage/**/*.test.ts',
            'ingest/**/*.test.ts',
            'web/**/*.test.ts',
            'simulations/**/*.test.ts',
            'bin/**/*.test.ts',
            'test/architecture.test.ts',
            'test/support/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/**/*.itest.ts'],
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          // After the integration tests, not beside them: a browser test on a loaded machine
          // waits on rendering that a concurrent load test starves.
          sequence: { groupOrder: 2 },
          include: ['test/**/*.browser.ts'],
          fileParallelism: false,
        },
      },
    ],
  },
});
