import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { trackChild } from './processes.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** This file runs compiled (testkit/dist/src/child.js, under `npm run bench`), not from its source. */
const COMPILED = path.basename(path.dirname(HERE)) === 'dist';

/** The repository root (testkit/src/../.., or testkit/dist/src/../../..): default working directory of children. */
export const REPO_ROOT = path.resolve(HERE, COMPILED ? '../../..' : '../..');

/**
 * The export condition under which the workspace packages resolve to their compiled `dist/` (each
 * package.json's "exports"); without it they resolve to their TypeScript sources.
 */
export const COMPILED_CONDITION = 'lunchrush-compiled';

// Resolved once to a file URL so `--import` works whatever the child's cwd is.
let tsxLoader: string | undefined;

/**
 * The node arguments that run a TypeScript entry point of this repository (an absolute path):
 * `--import tsx <file>.ts` from a process running sources (tests, tsx), or, from a compiled
 * process (`npm run bench`), `--conditions=lunchrush-compiled <package>/dist/<same path>.js`:
 * a compiled process starts compiled children. A file with no compiled twin (not in a built
 * package's src/, e.g. a test fixture) runs through tsx either way.
 */
export function entryArgs(file: string): string[] {
  if (COMPILED && file.endsWith('.ts')) {
    const [pkg, ...rest] = path.relative(REPO_ROOT, file).split(path.sep);
    if (pkg !== undefined && pkg !== '..' && rest.length > 0) {
      const js = path.join(REPO_ROOT, pkg, 'dist', ...rest).replace(/\.ts$/, '.js');
      if (existsSync(js)) return [`--conditions=${COMPILED_CONDITION}`, js];
    }
  }
  tsxLoader ??= pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return ['--import', tsxLoader, file];
}

const DEFAULT_WAIT_FOR_LINE_MS = 15_000;
const DEFAULT_STOP_MS = 5_000;
const TAIL_LINES = 40;

export interface OutputLine {
  readonly stream: 'stdout' | 'stderr';
  readonly text: string;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface SpawnTsOptions {
  /** Added to (and overriding) the parent's environment; `undefined` removes a variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly args?: readonly string[];
  /** Default: the repository root. */
  readonly cwd?: string;
  /** Extra Node flags, e.g. `['--cpu-prof']`. */
  readonly nodeArgs?: readonly string[];
  /** Echo the child's lines to this process's stderr. Default: TESTKIT_ECHO=1. */
  readonly echo?: boolean;
  /** Called with every line as it arrives (after it is added to `lines`). */
  readonly onLine?: (line: OutputLine) => void;
  /**
   * SIGKILL the child when this process exits or is signalled (default). False: the caller stops
   * it, e.g. `npm start`, whose Ctrl-C must let a node hand its partitions over first.
   */
  readonly killOnExit?: boolean;
}

/** How a handle watches its child (see {@link SpawnTsOptions}). */
export interface HandleOptions {
  readonly echo?: boolean;
  readonly onLine?: (line: OutputLine) => void;
  readonly killOnExit?: boolean;
}

export interface WaitForLineOptions {
  /** Only consider lines from this index on (`handle.lines.length` taken earlier). Default 0. */
  readonly from?: number;
}

/**
 * A child process with its output captured line by line. Created by {@link spawnTs} or
 * wrapped around any ChildProcess whose stdout/stderr are pipes.
 */
export class ChildProcessHandle {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly name: string;
  /** Every line so far, stdout and stderr interleaved in arrival order. */
  readonly lines: OutputLine[] = [];
  /** Resolves once the child has exited and its output is fully read. Never rejects. */
  readonly exited: Promise<ChildExit>;
  #exit: ChildExit | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(child: ChildProcess, name: string, echo: boolean | HandleOptions = false) {
    if (child.pid === undefined) throw new Error(`${name}: the process did not start`);
    this.child = child;
    this.pid = child.pid;
    this.name = name;
    const o: HandleOptions = typeof echo === 'boolean' ? { echo } : echo;
    if (o.killOnExit !== false) trackChild(child);
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (source === null) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on('line', (text) => {
        const line = { stream, text };
        this.lines.push(line);
        if (o.echo === true) process.stderr.write(`[${name} ${this.pid}] ${text}\n`);
        o.onLine?.(line);
        this.#notify();
      });
    }
    this.exited = new Promise<ChildExit>((resolve) => {
      // 'close' comes after 'exit' and after stdout/stderr have ended, so no line is missed.
      child.once('close', (code, signal) => {
        this.#exit = { code, signal };
        this.#notify();
        resolve(this.#exit);
      });
      // Without a listener an 'error' (e.g. a failed kill) would crash the test process.
      child.on('error', (error) => {
        this.lines.push({ stream: 'stderr', text: `child process error: ${error.message}` });
        this.#notify();
      });
    });
  }

  /** The exit status once exited, else undefined. */
  get exitStatus(): ChildExit | undefined {
    return this.#exit;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** All captured output as one string (stdout and stderr interleaved). */
  output(): string {
    return this.lines.map((l) => l.text).join('\n');
  }

  /**
   * Resolves with the match of the first line (from `options.from` on) matching
   * `pattern`; `match.input` is the whole line. Rejects, quoting the last lines, when the
   * child exits first or `timeoutMs` passes.
   */
  waitForLine(
    pattern: RegExp | string,
    timeoutMs = DEFAULT_WAIT_FOR_LINE_MS,
    options: WaitForLineOptions = {},
  ): Promise<RegExpMatchArray> {
    const regex = typeof pattern === 'string' ? new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : pattern;
    let next = options.from ?? 0;
    return new Promise<RegExpMatchArray>((resolve, reject) => {
      const timer = setTimeout(
        () => done(() => reject(this.#error(`no line matched ${regex} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        settle();
      };
      const check = (): void => {
        for (; next < this.lines.length; next++) {
          const match = this.lines[next]?.text.match(regex) ?? null;
          if (match !== null) return done(() => resolve(match));
        }
        if (this.#exit !== undefined) {
          const { code, signal } = this.#exit;
          done(() => reject(this.#error(`exited (code ${code}, signal ${signal}) before a line matched ${regex}`)));
        }
      };
      this.#listeners.add(check);
      check();
    });
  }

  /** Sends a signal (SIGTERM by default; SIGKILL, SIGSTOP, SIGCONT, ...). False if it had exited. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): boolean {
    if (!this.running) return false;
    return this.child.kill(signal);
  }

  /** SIGTERM (after SIGCONT, in case it is stopped), then SIGKILL after `timeoutMs`; resolves on exit. */
  async stop(timeoutMs = DEFAULT_STOP_MS): Promise<ChildExit> {
    if (this.running) {
      this.kill('SIGCONT');
      this.kill('SIGTERM');
      const timer = setTimeout(() => this.kill('SIGKILL'), timeoutMs);
      await this.exited;
      clearTimeout(timer);
    }
    return this.exited;
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  #error(message: string): Error {
    const tail = this.lines
      .slice(-TAIL_LINES)
      .map((l) => `  ${l.stream === 'stderr' ? '!' : '|'} ${l.text}`)
      .join('\n');
    return new Error(`${this.name} (pid ${this.pid}) ${message}; last output:\n${tail || '  (none)'}`);
  }
}

/**
 * Runs `node --import tsx <file> [...args]` as a child process with captured output, or its
 * compiled twin when this process runs compiled (see {@link entryArgs}).
 * The child is SIGKILLed if still running when the test process exits.
 */
export function spawnTs(file: string, options: SpawnTsOptions = {}): ChildProcessHandle {
  const cwd = options.cwd ?? REPO_ROOT;
  const absolute = path.resolve(cwd, file);
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), ...entryArgs(absolute), ...(options.args ?? [])],
    { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const echo = options.echo ?? process.env.TESTKIT_ECHO === '1';
  return new ChildProcessHandle(child, path.relative(REPO_ROOT, absolute) || absolute, {
    echo,
    ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
    ...(options.killOnExit === undefined ? {} : { killOnExit: options.killOnExit }),
  });
}
