import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const EXCLUDE = ['**/node_modules/**', '**/dist/**', '.data/**'];

export default defineConfig({
  resolve: {
    alias: [
      // The mini-program imports the gateway's push sequencing as `./topic-sequencer`, a copy its
      // WeChat build makes (miniprogram/scripts/shared-code.js); its tests run the original.
      {
        find: /^\.\/topic-sequencer$/,
        replacement: fileURLToPath(new URL('gateways/src/push/topic-sequencer.js', import.meta.url)),
      },
    ],
  },
  test: {
    exclude: EXCLUDE,
    // Names the running file for testkit's \`testLogger\` (service logs go to .data/test-logs/).
    setupFiles: ['testkit/src/vitest-setup.ts'],
    // Tests talk to real NATS/Redis and start child processes: generous, and the same for hooks.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
    // Child processes (engines, nats-servers) per test file need real processes, and on
    // a 2-core machine two files at a time keep crash/lease timings honest.
    pool: 'forks',
    maxWorkers: 2,
    fileParallelism: true,
    projects: [
      {
        // Each worker keeps its modules from one file to the next instead of importing them afresh
        // for each of ~190 files: the suite's import time fell from 182 s to 34 s and its run from
        // 545 s to 426 s (7 Dec). These files share nothing else: each has its own namespaces,
        // ports, buckets and child processes, and stops what it starts.
        extends: true,
        test: {
          name: 'shared',
          include: ['*/test/**/*.test.ts'],
          exclude: [...EXCLUDE, 'miniprogram/**'],
          isolate: false,
        },
      },
      {
        // The mini-program's tests put a jsdom window, document, Event and a `wx` stub on
        // globalThis (test/dom.ts, harness.ts): each file in a worker of its own, so none of that
        // reaches the engine's, the gateway's or another page's tests.
        extends: true,
        test: { name: 'miniprogram', include: ['miniprogram/test/**/*.test.ts'], isolate: true },
      },
    ],
  },
});
