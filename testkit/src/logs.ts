/**
 * Where the services a test runs in process write their logs: a file per test file under
 * `.data/test-logs/`, not the test output. Tests that send forged callbacks, kill engines
 * or flood a gateway on purpose make the services log warnings and errors that are the
 * expected outcome; printed between vitest's lines they read like failures. The file
 * keeps them (at `info`, more than the console ever showed) for when a test does fail.
 *
 * `TESTKIT_ECHO=1` prints them to stderr instead, as child processes' lines are.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pino, type Logger } from 'pino';
import { REPO_ROOT } from './child.js';

export const TEST_LOG_DIR = path.join(REPO_ROOT, '.data', 'test-logs');

const destinations = new Map<string, pino.DestinationStream>();

/** The log file of the running test file (`gateways-diner.log` for gateways/test/diner.test.ts). */
export function testLogFile(): string {
  const file = process.env.TESTKIT_TEST_FILE ?? `pid-${process.pid}`;
  const rel = path
    .relative(REPO_ROOT, file)
    .replace(/\.test\.ts$/, '')
    .replace(/[\\/]+(test[\\/]+)?/g, '-');
  return path.join(TEST_LOG_DIR, `${rel}.log`);
}

/** A pino logger for an in-process service of a test (`name` is its `svc` field). */
export function testLogger(name: string, level = process.env.TEST_LOG_LEVEL ?? 'info'): Logger {
  if (process.env.TESTKIT_ECHO === '1') return pino({ level, base: { svc: name } }, pino.destination(2));
  const file = testLogFile();
  let dest = destinations.get(file);
  if (dest === undefined) {
    mkdirSync(TEST_LOG_DIR, { recursive: true });
    // Synchronous writes: a test that fails and exits must not lose the lines that explain it.
    dest = pino.destination({ dest: file, sync: true, append: true });
    destinations.set(file, dest);
  }
  return pino({ level, base: { svc: name, pid: process.pid } }, dest);
}
