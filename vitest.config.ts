import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

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
    include: ['*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**', '.data/**'],
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
    // Each worker keeps its modules from one file to the next instead of importing them afresh
    // for each of ~190 files: the suite's import time fell from 182 s to 34 s and its run from
    // 545 s to 426 s (7 Dec). Test files share nothing else: each has its own namespaces, ports,
    // buckets and child processes, and stops what it starts.
    isolate: false,
    fileParallelism: true,
  },
});
