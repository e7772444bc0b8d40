// `npm test`: dependencies, NATS + Redis (found or started), Chromium and the Chinese fonts,
// docker-compose, promtool and nginx (installed as root when missing), then typecheck, lint,
// format check and vitest, stopping at the first failure. Extra arguments go to vitest:
// `npm test -- engine/test/lease.test.ts -t takeover`.

import { rmSync } from 'node:fs';
import path from 'node:path';
import { ensureDependencies, localBin } from './lib/dependencies.mjs';
import { ensureDeployTools } from './lib/deploy-tools.mjs';
import { ensureDisplayPackages } from './lib/display.mjs';
import { finish, runCommand } from './lib/processes.mjs';
import { ensureServices } from './lib/services.mjs';
import { DATA_DIR, say } from './lib/setup.mjs';

const steps = [
  ['typecheck', localBin('tsc'), ['-p', 'tsconfig.json']],
  // The mini-program's WeChat typings clash with Node's: its sources and its tests are checked apart.
  ['typecheck miniprogram', localBin('tsc'), ['-p', 'miniprogram/tsconfig.json']],
  ['typecheck miniprogram tests', localBin('tsc'), ['-p', 'miniprogram/test/tsconfig.json']],
  ['lint', localBin('eslint'), ['.']],
  ['lint miniprogram', localBin('eslint'), ['-c', 'miniprogram/eslint.config.js', 'miniprogram']],
  ['format', localBin('prettier'), ['--check', '--log-level', 'warn', '.']],
  ['tests', localBin('vitest'), ['run', ...process.argv.slice(2)]],
];

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
  let code = 0;
  for (const [name, command, args] of steps) {
    const startedAt = Date.now();
    say(`test: ${name}`);
    // Each run's service logs alone (testkit's testLogger appends to one file per test file).
    if (name === 'tests') rmSync(path.join(DATA_DIR, 'test-logs'), { recursive: true, force: true });
    code = await runCommand(command, args);
    const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
    if (code !== 0) {
      say(`test: ${name} failed (exit ${code}) after ${seconds} s`);
      if (name === 'tests') say('test: what the services said, a file per test file: .data/test-logs/');
      break;
    }
    say(`test: ${name} passed in ${seconds} s`);
  }
  await finish(code);
} catch (error) {
  await finish(1, error);
}
