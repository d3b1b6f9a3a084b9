import { defineConfig } from 'vitest/config';
import { readFileSync } from 'node:fs';

const { version } = JSON.parse(readFileSync('package.json', 'utf8'));

// Three kinds of test, one command: fast unit specs in happy-dom, the collector in Node against
// real SQLite, and the browser suites in real Chromium (see test/helpers/chromium.ts). Each
// project extends this root config (`extends: true`), so each gets its `define`.
export default defineConfig({
  // The build replaces __VERSION__ (rollup.config.mjs); tests that import src/ get the same value.
  define: { __VERSION__: JSON.stringify(version) },
  test: {
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'happy-dom',
        },
      },
      {
        extends: true,
        test: {
          name: 'node',
          include: ['test/collector/**/*.test.ts', 'test/build/**/*.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
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
