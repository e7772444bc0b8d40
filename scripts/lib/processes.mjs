// Processes this script starts (NATS, Redis, the command it runs) and how they stop: by pid,
// exactly what was started, on exit, failure, Ctrl-C or SIGTERM, after the command has finished.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, SetupError, say } from './setup.mjs';

const SERVICE_START_TIMEOUT_MS = 20_000;
const SERVICE_STOP_TIMEOUT_MS = 5_000;
const PROBE_INTERVAL_MS = 150;
// Under `npm start`, Ctrl-C reaches us twice (from the terminal and forwarded by npm).
// The same signal again within this window is that duplicate, not the user insisting.
const SIGNAL_DEDUPE_MS = 1_000;

/** Services this process started: { name, pid, child, exited, dataDir, logFile }. */
const started = [];
/** The commands runCommand() is running (the static checks run two at a time), so signals reach them. */
const running = new Set();
let lastSignal = { name: null, at: 0 };
let handlersInstalled = false;
let shuttingDown = false;

function isRunning(child) {
  return child.exitCode === null && child.signalCode === null;
}

function killStartedSync(signal) {
  for (const s of started) {
    if (isRunning(s.child)) {
      try {
        process.kill(s.pid, signal);
      } catch {
        // already gone
      }
    }
  }
}

function onSignal(signal) {
  const now = Date.now();
  const duplicate = lastSignal.name === signal && now - lastSignal.at < SIGNAL_DEDUPE_MS;
  lastSignal = { name: signal, at: now };
  const commands = [...running].filter(isRunning);
  if (commands.length > 0) {
    // The command decides how to shut down; we stop services once it has exited.
    if (!duplicate) for (const child of commands) child.kill(signal);
    return;
  }
  if (duplicate) return;
  const code = 128 + (os.constants.signals[signal] ?? 1);
  if (shuttingDown) {
    killStartedSync('SIGKILL');
    process.exit(code);
  }
  shuttingDown = true;
  say(`${signal}: stopping`);
  stopServices().finally(() => process.exit(code));
}

export function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
  // Last resort (uncaught error, process.exit from elsewhere): nothing we started outlives us.
  process.on('exit', () => {
    for (const child of running) if (isRunning(child)) child.kill('SIGTERM');
    killStartedSync('SIGTERM');
  });
}

/** Stops, by pid, every service this process started; waits for them to exit. */
export async function stopServices() {
  while (started.length > 0) {
    const service = started.pop();
    if (isRunning(service.child)) {
      service.child.kill('SIGTERM');
      const timer = setTimeout(() => service.child.kill('SIGKILL'), SERVICE_STOP_TIMEOUT_MS);
      await service.exited;
      clearTimeout(timer);
    }
    say(`${service.name}: stopped the one we started (pid ${service.pid})`);
  }
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function startService(name, binary, args, dataDir) {
  fs.mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(dataDir, `${name}.log`);
  const logFd = fs.openSync(logFile, 'a');
  // Own process group: a Ctrl-C in the terminal must not stop NATS/Redis before the
  // engine has shut down cleanly; we stop them ourselves afterwards.
  const child = spawn(binary, args, { cwd: ROOT, stdio: ['ignore', logFd, logFd], detached: true });
  fs.closeSync(logFd);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const spawnError = new Promise((resolve) => child.once('error', resolve));
  const service = { name, pid: child.pid, child, exited, spawnError, dataDir, logFile };
  if (child.pid !== undefined) started.push(service);
  return service;
}

export async function waitUntilReady(service, probe) {
  const deadline = Date.now() + SERVICE_START_TIMEOUT_MS;
  let lastError;
  for (;;) {
    const died = await Promise.race([
      service.exited.then((r) => `exited (code ${r.code}, signal ${r.signal})`),
      service.spawnError.then((e) => `could not start (${e.message})`),
      new Promise((resolve) => setTimeout(() => resolve(null), PROBE_INTERVAL_MS)),
    ]);
    if (died !== null) {
      throw new SetupError(`${service.name} ${died}; last lines of ${service.logFile}:\n${tail(service.logFile)}`);
    }
    const result = await probe();
    if (result.ready) return;
    lastError = result.error;
    if (Date.now() > deadline) {
      throw new SetupError(
        `${service.name} (pid ${service.pid}) did not become ready within ${SERVICE_START_TIMEOUT_MS} ms ` +
          `(${lastError?.message ?? 'no answer'}); last lines of ${service.logFile}:\n${tail(service.logFile)}`,
      );
    }
  }
}

export function relative(p) {
  return path.relative(process.cwd(), p) || '.';
}

/**
 * Runs a command with the current env; resolves to its exit code (128 + signal number when
 * killed). SIGINT/SIGTERM/SIGHUP are forwarded to it. It runs in its own process group so that a
 * terminal Ctrl-C reaches it exactly once (through us) instead of twice. Its stdout and stderr are
 * ours, or with `capture` kept and handed to `capture(output)` when it ends, so that commands run
 * side by side do not interleave their lines.
 */
export function runCommand(command, args, { stdin = 'ignore', env = process.env, cwd = ROOT, capture } = {}) {
  installHandlers();
  return new Promise((resolve) => {
    const output = capture === undefined ? 'inherit' : 'pipe';
    const child = spawn(command, args, { cwd, env, stdio: [stdin, output, output], detached: true });
    const chunks = [];
    child.stdout?.on('data', (c) => chunks.push(c));
    child.stderr?.on('data', (c) => chunks.push(c));
    running.add(child);
    child.once('error', (error) => {
      say(`cannot run ${command}: ${error.message}`);
      running.delete(child);
      resolve(127);
    });
    // 'close', not 'exit': the piped output is all read by then.
    child.once('close', (code, signal) => {
      running.delete(child);
      capture?.(Buffer.concat(chunks).toString('utf8'));
      resolve(code ?? 128 + (os.constants.signals[signal] ?? 1));
    });
  });
}

/** Common tail of every script: prints a SetupError as one message, stops services, exits. */
export async function finish(code, error) {
  if (error !== undefined) {
    if (error instanceof SetupError) say(`error: ${error.message}`);
    else say(`error: ${error?.stack ?? error}`);
    if (code === 0) code = 1;
  }
  await stopServices();
  process.exit(code);
}
