// `npm test`: dependencies, NATS + Redis (found or started), Chromium and the Chinese fonts,
// docker-compose, promtool and nginx (installed as root when missing), then typecheck, lint and
// format check (two at a time), then vitest, stopping at the first failure. Extra arguments go to vitest:
// `npm test -- engine/test/lease.test.ts -t takeover`.

import { rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureDependencies, localBin } from './lib/dependencies.mjs';
import { ensureDeployTools } from './lib/deploy-tools.mjs';
import { ensureDisplayPackages } from './lib/display.mjs';
import { finish, runCommand } from './lib/processes.mjs';
import { ensureServices } from './lib/services.mjs';
import { DATA_DIR, say } from './lib/setup.mjs';

// The checks before the tests, longest first: on this project's 2-core machines they run two at a
// time, each one's output printed whole when it ends (in a row they took ~185 s, lint alone ~100 s).
const checks = [
  ['lint', localBin('eslint'), ['.']],
  ['format', localBin('prettier'), ['--check', '--log-level', 'warn', '.']],
  ['typecheck', localBin('tsc'), ['-p', 'tsconfig.json']],
  ['lint miniprogram', localBin('eslint'), ['-c', 'miniprogram/eslint.config.js', 'miniprogram']],
  // The mini-program's WeChat typings clash with Node's: its sources and its tests are checked apart.
  ['typecheck miniprogram tests', localBin('tsc'), ['-p', 'miniprogram/test/tsconfig.json']],
  ['typecheck miniprogram', localBin('tsc'), ['-p', 'miniprogram/tsconfig.json']],
];
const CHECKS_AT_ONCE = Math.max(1, Math.min(2, os.availableParallelism()));

/** Runs the checks, CHECKS_AT_ONCE at a time; after a failure no new one starts. 0 when all passed. */
async function runChecks() {
  const queue = [...checks];
  let failed = 0;
  const worker = async () => {
    for (let step = queue.shift(); step !== undefined && failed === 0; step = queue.shift()) {
      const [name, command, args] = step;
      const startedAt = Date.now();
      let output = '';
      const code = await runCommand(command, args, { capture: (o) => (output = o) });
      const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
      if (output.trim() !== '') process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
      if (code === 0) {
        say(`test: ${name} passed in ${seconds} s`);
      } else {
        say(`test: ${name} failed (exit ${code}) after ${seconds} s`);
        failed = code;
      }
    }
  };
  await Promise.all(Array.from({ length: CHECKS_AT_ONCE }, worker));
  return failed;
}

// vitest colours its output whenever TERM is set, terminal or not: a CI log or a file
// would be full of escape codes. Colours only on a terminal, unless asked for.
if (!process.stdout.isTTY && process.env.FORCE_COLOR === undefined) process.env.NO_COLOR = '1';

try {
  ensureDependencies();
  await ensureServices({ nats: true, redis: true });
  // The page and printer tests take screenshots a person looks at, and fail on Chinese drawn as boxes.
  ensureDisplayPackages({ chromium: true });
  // docker-compose.yml, the alert rules and dashboards, and the cluster's balancer are checked with them.
  ensureDeployTools();
  say(`test: ${checks.map(([name]) => name).join(', ')} (${CHECKS_AT_ONCE} at a time)`);
  let code = await runChecks();
  if (code === 0) {
    const startedAt = Date.now();
    say('test: tests');
    // Each run's service logs alone (testkit's testLogger appends to one file per test file).
    rmSync(path.join(DATA_DIR, 'test-logs'), { recursive: true, force: true });
    code = await runCommand(localBin('vitest'), ['run', ...process.argv.slice(2)]);
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    if (code === 0) say(`test: tests passed in ${seconds} s`);
    else {
      say(`test: tests failed (exit ${code}) after ${seconds} s`);
      say('test: what the services said, a file per test file: .data/test-logs/');
    }
  }
  await finish(code);
} catch (error) {
  await finish(1, error);
}
