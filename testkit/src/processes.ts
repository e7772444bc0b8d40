import type { ChildProcess } from 'node:child_process';

/**
 * Children started by the test kit, killed when the test process exits, so a failed or
 * interrupted test never leaves an engine or a nats-server behind.
 */
const tracked = new Set<ChildProcess>();
const exitTasks = new Set<() => void>();
let installed = false;

function killAll(): void {
  for (const child of tracked) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL'); // also ends a child stopped with SIGSTOP
      } catch {
        // already gone
      }
    }
  }
  tracked.clear();
  for (const task of exitTasks) {
    try {
      task();
    } catch {
      // best effort at exit
    }
  }
  exitTasks.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      killAll();
      // Keep the default behaviour (terminate) unless someone else handles the signal.
      if (process.listenerCount(signal) === 1) {
        process.removeListener(signal, handler);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, handler);
  }
}

/** Kill `child` with SIGKILL if it is still running when this process exits. */
export function trackChild(child: ChildProcess): void {
  install();
  tracked.add(child);
  child.once('exit', () => tracked.delete(child));
}

/** Run a synchronous task (e.g. removing a temp dir) at exit unless untracked first. Returns the untrack function. */
export function atExit(task: () => void): () => void {
  install();
  exitTasks.add(task);
  return () => exitTasks.delete(task);
}
