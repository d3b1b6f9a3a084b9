import { defineConfig } from 'vitest/config';

// Three kinds of test, one command: fast unit specs in happy-dom, the collector in Node against
// real SQLite, and the browser suites in real Chromium (see test/helpers/chromium.ts).
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        test: {
          name: 'node',
          include: ['test/collector/**/*.test.ts', 'test/build/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
