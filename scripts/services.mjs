// Dependencies and local services for the repo's commands (`npm start`, `npm test`,
// `scripts/with-services.mjs`).
//
// Plain Node ESM with only `node:` imports at the top level: this file runs on a fresh
// clone before `node_modules` exists. NATS client libraries are imported lazily, after
// ensureDependencies() has installed them.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const DATA_DIR = path.join(ROOT, '.data');

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
const DEFAULT_NATS_PORT = 4222;
const DEFAULT_REDIS_PORT = 6379;

const PROBE_TIMEOUT_MS = 2_000;
const SERVICE_START_TIMEOUT_MS = 20_000;
const SERVICE_STOP_TIMEOUT_MS = 5_000;
const PROBE_INTERVAL_MS = 150;
// Under `npm start`, Ctrl-C reaches us twice (from the terminal and forwarded by npm).
// The same signal again within this window is that duplicate, not the user insisting.
const SIGNAL_DEDUPE_MS = 1_000;

/** An expected failure: printed as one clear message, without a stack trace. */
export class SetupError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'SetupError';
  }
}

export function say(message) {
  process.stderr.write(`[lunchrush] ${message}\n`);
}

// ---------------------------------------------------------------------------
// Dependencies

/**
 * Runs `npm ci` when node_modules is missing or older than package-lock.json
 * (`npm install` when there is no lockfile). Returns true when it installed.
 */
export function ensureDependencies() {
  const nodeModules = path.join(ROOT, 'node_modules');
  const lockfile = path.join(ROOT, 'package-lock.json');
  const hiddenLockfile = path.join(nodeModules, '.package-lock.json');
  const hasLockfile = fs.existsSync(lockfile);

  let reason = null;
  if (!fs.existsSync(nodeModules)) {
    reason = 'node_modules is missing';
  } else if (hasLockfile) {
    if (!fs.existsSync(hiddenLockfile)) reason = 'node_modules/.package-lock.json is missing';
    else if (fs.statSync(lockfile).mtimeMs > fs.statSync(hiddenLockfile).mtimeMs)
      reason = 'package-lock.json is newer than node_modules';
  }
  if (reason === null) return false;

  const args = hasLockfile ? ['ci'] : ['install'];
  say(`dependencies: ${reason}; running npm ${args.join(' ')}`);
  // Under `npm test`/`npm start`, npm_execpath is the npm that launched us: use the same one.
  const npmCli = process.env.npm_execpath;
  const [command, commandArgs] =
    npmCli && /npm-cli\.c?js$/.test(npmCli) ? [process.execPath, [npmCli, ...args]] : ['npm', args];
  const result = spawnSync(command, commandArgs, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) throw new SetupError(`cannot run npm (${result.error.message}); install Node.js 20 with npm`);
  if (result.status !== 0) throw new SetupError(`npm ${args.join(' ')} failed with exit code ${result.status}`);
  return true;
}

// ---------------------------------------------------------------------------
// The build: compiled JavaScript for `npm start` and the bench

/**
 * The packages `tsc -b tsconfig.build.json` compiles, each `<package>/<path>.ts` to
 * `<package>/dist/<path>.js`, and the folders whose files it reads (the mini-program is not
 * Node code). Files in those folders that are not TypeScript (the screens' HTML and JS, the
 * push client, the QR worker) are copied beside the compiled ones, where the code looks.
 */
const BUILT = {
  engine: ['src'],
  testkit: ['src'],
  actors: ['src'],
  payments: ['src'],
  gateways: ['src'],
  analytics: ['src'],
  'printer-daemon': ['src'],
  stack: ['src'],
  bench: ['src', 'reference'],
};
/** Build configuration every package's build depends on. */
const BUILD_CONFIG = ['tsconfig.base.json', 'tsconfig.build.json'];
/** Written into each package's dist/ by a build, with the time the build started. */
const BUILD_STAMP = '.build-stamp';
/**
 * The export condition under which the workspace packages resolve to their `dist/` (each
 * package.json's "exports"); without it (tsx, vitest, tsc, eslint) they resolve to their sources.
 * A compiled process runs `node --conditions=lunchrush-compiled <package>/dist/….js`.
 */
export const COMPILED_CONDITION = 'lunchrush-compiled';

const isSource = (name) => /\.(c|m)?ts$/.test(name);

/** The newest modification (file or folder: a deleted file changes its folder) under `dir`. */
function newest(dir, best = { mtimeMs: 0, file: dir }) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
    const st = fs.statSync(dir);
    if (st.mtimeMs > best.mtimeMs) best = { mtimeMs: st.mtimeMs, file: dir };
  } catch {
    return best;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) best = newest(p, best);
    else {
      const m = fs.statSync(p).mtimeMs;
      if (m > best.mtimeMs) best = { mtimeMs: m, file: p };
    }
  }
  return best;
}

/** Why the build is out of date (the first package whose sources are newer than its dist/), or null. */
export function buildOutOfDate() {
  const shared = BUILD_CONFIG.map((f) => path.join(ROOT, f)).filter((f) => fs.existsSync(f));
  for (const [pkg, dirs] of Object.entries(BUILT)) {
    const stamp = path.join(ROOT, pkg, 'dist', BUILD_STAMP);
    if (!fs.existsSync(stamp)) return `${pkg}/dist is missing or was never finished`;
    const built = fs.statSync(stamp).mtimeMs;
    const inputs = [...shared, path.join(ROOT, pkg, 'package.json'), path.join(ROOT, pkg, 'tsconfig.build.json')];
    let n = { mtimeMs: 0, file: '' };
    for (const f of inputs) {
      const m = fs.statSync(f, { throwIfNoEntry: false })?.mtimeMs ?? 0;
      if (m > n.mtimeMs) n = { mtimeMs: m, file: f };
    }
    for (const d of dirs) n = newest(path.join(ROOT, pkg, d), n);
    if (n.mtimeMs > built) return `${path.relative(ROOT, n.file)} is newer than ${pkg}/dist`;
  }
  return null;
}

/** Copies what is not TypeScript from a package's source folders to the same place under dist/. */
function copyAssets(pkg, dirs) {
  const walk = (from, to) => {
    for (const e of fs.readdirSync(from, { withFileTypes: true })) {
      const src = path.join(from, e.name);
      const dst = path.join(to, e.name);
      if (e.isDirectory()) walk(src, dst);
      else if (!isSource(e.name)) {
        fs.mkdirSync(to, { recursive: true });
        fs.copyFileSync(src, dst);
      }
    }
  };
  for (const d of dirs) {
    const from = path.join(ROOT, pkg, d);
    if (fs.existsSync(from)) walk(from, path.join(ROOT, pkg, 'dist', d));
  }
}

/**
 * Compiles every package (`tsc -b tsconfig.build.json`: only what changed since the last build),
 * copies the non-TypeScript files, and stamps each dist/. Type errors fail it when `strict`
 * (`npm run build`); otherwise they are reported and what tsc emitted runs, as tsx would have
 * run it (the code runs; `npm run typecheck` and `npm test` are where types are enforced).
 */
export function build({ strict = true } = {}) {
  const startedAt = new Date();
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.error) throw new SetupError(`cannot run tsc (${r.error.message}); run npm ci`);
  // tsc -b: 0 built, 2 built with type errors (outputs written), anything else nothing usable.
  if (r.status === 2 && !strict)
    say('build: type errors above; running what tsc emitted (npm run build fails on them)');
  else if (r.status !== 0) throw new SetupError(`tsc -b tsconfig.build.json failed with exit code ${r.status}`);
  for (const [pkg, dirs] of Object.entries(BUILT)) {
    copyAssets(pkg, dirs);
    const stamp = path.join(ROOT, pkg, 'dist', BUILD_STAMP);
    fs.writeFileSync(stamp, `${startedAt.toISOString()}\n`);
    // The start time: a source saved while tsc ran is newer than the stamp, so the next start builds again.
    fs.utimesSync(stamp, startedAt, startedAt);
  }
  say(
    `build: compiled ${Object.keys(BUILT).join(', ')} to <package>/dist in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)} s`,
  );
}

/** Builds when a package's sources are newer than its dist/ (see build()). Returns true when it built. */
export function ensureBuild() {
  const reason = buildOutOfDate();
  if (reason === null) return false;
  say(`build: ${reason}; compiling (npm run build)`);
  build({ strict: false });
  return true;
}

// ---------------------------------------------------------------------------
// Locating and installing binaries

function findBinary(name) {
  // Debian puts nats-server in /usr/sbin, which is not on a normal user's PATH.
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

function installDebianPackages(packages, why) {
  const list = packages.join(' ');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || findBinary('apt-get') === null) {
    throw new SetupError(
      `${why}, and ${list} is not installed. Install it (Debian/Ubuntu: sudo apt-get install -y ${list}) ` +
        `or point NATS_URL / REDIS_URL at servers that are running.`,
    );
  }
  say(`installing Debian package(s) ${list} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...packages]]) {
    const result = spawnSync('apt-get', args, { stdio: ['ignore', 'inherit', 'inherit'], env });
    if (result.status !== 0) {
      throw new SetupError(`apt-get ${args[0]} failed (exit ${result.status}); install ${list} by hand`);
    }
  }
}

// ---------------------------------------------------------------------------
// Chromium and fonts: what a person looks at

/** Where the page tests find Chromium (gateways/test/screens-support.ts, analytics/test). */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** GNU Unifont bitmaps the virtual printers draw their PNGs with (printer-daemon/src/png.ts). */
const UNIFONT_FILES = [
  '/usr/share/unifont/unifont.hex.gz',
  '/usr/share/unifont/unifont.hex',
  '/usr/share/unifont/unifont_all.hex.gz',
];

/** True when fontconfig knows a font with Chinese glyphs (中): what Chromium falls back to. */
function hasCjkFont() {
  const r = spawnSync('fc-list', [':charset=4e2d', 'family'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

/**
 * Installs, each only when missing, the Debian packages behind what a person looks at:
 * `fonts-noto-cjk` (Chinese in Chromium: the analytics dashboard and the page tests'
 * screenshots; without a Chinese font every character is a box), `unifont` (the virtual
 * printers' PNGs; without it every character is a box) and, with `chromium: true`,
 * `chromium` (the page tests). apt-get runs only as root; otherwise this says what to
 * install and goes on, and the tests that look for boxes fail with the same advice.
 * fonts-noto-cjk is a 57 MB download, 91 MB installed.
 */
export function ensureDisplayPackages({ chromium = false } = {}) {
  const why = new Map();
  if (chromium && !fs.existsSync(CHROMIUM)) why.set('chromium', 'the page tests run in it');
  if (!hasCjkFont()) why.set('fonts-noto-cjk', 'without it Chinese is boxes in Chromium');
  if (!process.env.VIRTUAL_PRINTER_FONT && !UNIFONT_FILES.some((f) => fs.existsSync(f)))
    why.set('unifont', "without it Chinese is boxes in the virtual printers' PNGs");
  const missing = [...why.keys()];
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || findBinary('apt-get') === null) {
    say(
      `missing ${[...why].map(([p, w]) => `${p} (${w})`).join(', ')}; ` +
        `install as root: apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
    return;
  }
  const startedAt = Date.now();
  installDebianPackages(missing, 'pages and printer PNGs need Chinese fonts');
  say(`installed ${missing.join(', ')} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
}

// ---------------------------------------------------------------------------
// URLs

function parseServiceUrl(raw, defaultScheme, defaultPort) {
  let url;
  try {
    url = new URL(raw.includes('://') ? raw : `${defaultScheme}://${raw}`);
  } catch {
    throw new SetupError(`cannot parse ${defaultScheme === 'nats' ? 'NATS_URL' : 'REDIS_URL'}=${raw}`);
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    raw,
    url,
    host,
    port: url.port ? Number(url.port) : defaultPort,
    isLoopback: host === 'localhost' || host === '::1' || /^127\./.test(host),
  };
}

// ---------------------------------------------------------------------------
// Probes

async function loadNatsClient() {
  try {
    const [{ connect }, { jetstreamManager }] = await Promise.all([
      import('@nats-io/transport-node'),
      import('@nats-io/jetstream'),
    ]);
    return { connect, jetstreamManager };
  } catch (e) {
    throw new SetupError(`cannot load the NATS client (${e.message}); run npm ci`);
  }
}

/**
 * Reads the INFO line a NATS server sends on connect, without a client library (and
 * without the client's habit of leaving a socket open when the peer is not NATS).
 * { info } for NATS, { listening: true } for something else, {} when nothing answers.
 */
function readNatsInfo({ host, port }) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buffer = '';
    let connected = false;
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => finish({ listening: connected }), PROBE_TIMEOUT_MS);
    socket.once('connect', () => (connected = true));
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      const end = buffer.indexOf('\r\n');
      if (end < 0 && buffer.length < 64 * 1024) return;
      const line = end < 0 ? buffer : buffer.slice(0, end);
      if (!line.startsWith('INFO ')) return finish({ listening: true });
      try {
        finish({ info: JSON.parse(line.slice(5)) });
      } catch {
        finish({ listening: true });
      }
    });
    socket.on('error', (error) => finish({ listening: false, error }));
  });
}

/**
 * { answers: false } when nothing listens; { answers: false, occupied } when something
 * that is not NATS does; { answers: true, jetstream } for NATS. `servers` may be a
 * comma-separated list (a cluster).
 */
async function probeNats(servers) {
  const list = servers
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const raw = await Promise.all(list.map((s) => readNatsInfo(parseServiceUrl(s, 'nats', DEFAULT_NATS_PORT))));
  if (!raw.some((r) => r.info)) {
    const occupied = raw.some((r) => r.listening);
    const error = raw.find((r) => r.error)?.error ?? new Error(occupied ? 'not a NATS server' : 'no answer');
    return { answers: false, occupied, error };
  }
  const { connect, jetstreamManager } = await loadNatsClient();
  let nc;
  try {
    nc = await connect({
      servers: list,
      name: 'lunchrush-services-probe',
      timeout: PROBE_TIMEOUT_MS,
      reconnect: false,
      noAsyncTraces: true,
    });
  } catch (error) {
    // It speaks NATS but will not let us in (credentials, TLS): not something to start.
    return { answers: true, jetstream: false, connectFailed: true, error, server: raw.find((r) => r.info)?.info };
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: PROBE_TIMEOUT_MS });
    const account = await jsm.getAccountInfo();
    return { answers: true, jetstream: true, account, server: nc.info };
  } catch (error) {
    return { answers: true, jetstream: false, error, server: nc.info };
  } finally {
    await nc.close().catch(() => {});
  }
}

function respCommand(parts) {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join('')}`;
}

/** Raw RESP `PING` (after `AUTH` when the URL carries a password). */
function probeRedis(endpoint) {
  const { url, host, port } = endpoint;
  const password = decodeURIComponent(url.password);
  const username = decodeURIComponent(url.username);
  const commands = [];
  if (password) commands.push(username ? ['AUTH', username, password] : ['AUTH', password]);
  commands.push(['PING']);

  return new Promise((resolve) => {
    const options = { host, port };
    const socket = url.protocol === 'rediss:' ? tls.connect({ ...options, servername: host }) : net.connect(options);
    let buffer = '';
    const replies = [];
    const finish = (result) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    let connected = false;
    const timer = setTimeout(
      () =>
        finish(
          connected
            ? { answers: true, ok: false, error: new Error('connected, but no reply to PING') }
            : { answers: false, error: new Error('no answer') },
        ),
      PROBE_TIMEOUT_MS,
    );
    socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      connected = true;
      socket.write(commands.map(respCommand).join(''));
    });
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      let end;
      while ((end = buffer.indexOf('\r\n')) >= 0) {
        replies.push(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
      if (replies.length > 0 && !/^[-+:$*]/.test(replies[0])) {
        return finish({ answers: false, occupied: true, error: new Error(`not Redis: ${replies[0].slice(0, 60)}`) });
      }
      if (replies.length < commands.length) return;
      const failed = replies.find((r) => r.startsWith('-'));
      if (failed) finish({ answers: true, ok: false, error: new Error(failed.slice(1)) });
      else if (replies.at(-1) === '+PONG') finish({ answers: true, ok: true });
      else finish({ answers: true, ok: false, error: new Error(`unexpected reply ${JSON.stringify(replies.at(-1))}`) });
    });
    socket.on('error', (error) => finish({ answers: false, error }));
  });
}

// ---------------------------------------------------------------------------
// Started services and cleanup

/** Services this process started: { name, pid, child, exited, dataDir, logFile }. */
const started = [];
/** The command currently run by runCommand(), so signals reach it. */
let current = null;
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
  if (current !== null && isRunning(current)) {
    // The command decides how to shut down; we stop services once it has exited.
    if (!duplicate) current.kill(signal);
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

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, onSignal);
  // Last resort (uncaught error, process.exit from elsewhere): nothing we started outlives us.
  process.on('exit', () => {
    if (current !== null && isRunning(current)) current.kill('SIGTERM');
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

function startService(name, binary, args, dataDir) {
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

async function waitUntilReady(service, probe) {
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

function relative(p) {
  return path.relative(process.cwd(), p) || '.';
}

// ---------------------------------------------------------------------------
// The entry point

/**
 * Finds NATS (with JetStream) and Redis at NATS_URL / REDIS_URL, or starts them on
 * loopback with their data under .data/. Sets process.env.NATS_URL / REDIS_URL for
 * children. Everything started is stopped by stopServices(), on SIGINT/SIGTERM/SIGHUP
 * and, as a last resort, on exit.
 */
export async function ensureServices({ nats = true, redis = true } = {}) {
  installHandlers();
  const natsRaw = process.env.NATS_URL || DEFAULT_NATS_URL;
  const redisRaw = process.env.REDIS_URL || DEFAULT_REDIS_URL;
  const natsIsCluster = natsRaw.includes(',');
  const natsEndpoint = nats ? parseServiceUrl(natsRaw.split(',')[0].trim(), 'nats', DEFAULT_NATS_PORT) : null;
  const redisEndpoint = redis ? parseServiceUrl(redisRaw, 'redis', DEFAULT_REDIS_PORT) : null;

  let [natsProbe, redisProbe] = await Promise.all([
    nats ? probeNats(natsRaw) : null,
    redis ? probeRedis(redisEndpoint) : null,
  ]);

  const checkFound = () => {
    if (natsProbe?.occupied) {
      throw new SetupError(
        `something that is not NATS listens at ${natsRaw} (${natsProbe.error.message}); free the port or change NATS_URL`,
      );
    }
    if (natsProbe?.connectFailed) {
      throw new SetupError(
        `NATS answers at ${natsRaw} but the client cannot connect: ${natsProbe.error.message} ` +
          `(credentials or TLS belong in NATS_URL)`,
      );
    }
    if (natsProbe?.answers && !natsProbe.jetstream) {
      throw new SetupError(
        `NATS answers at ${natsRaw} but JetStream is not enabled for this account ` +
          `(${natsProbe.error?.message ?? 'unknown reason'}). Start nats-server with -js, ` +
          `or point NATS_URL at a server with JetStream.`,
      );
    }
    if (redisProbe?.occupied) {
      throw new SetupError(
        `something that is not Redis listens at ${redisRaw} (${redisProbe.error.message}); free the port or change REDIS_URL`,
      );
    }
    if (redisProbe?.answers && !redisProbe.ok) {
      const hint = /NOAUTH|WRONGPASS|AUTH/i.test(redisProbe.error.message)
        ? ' Put the credentials in REDIS_URL (redis://user:password@host:port).'
        : '';
      throw new SetupError(`Redis answers at ${redisRaw} but refused PING: ${redisProbe.error.message}.${hint}`);
    }
  };
  checkFound();

  const needNats = nats && !natsProbe.answers;
  const needRedis = redis && !redisProbe.answers;
  for (const [need, what, endpoint, variable] of [
    [needNats, 'NATS', natsEndpoint, 'NATS_URL'],
    [needRedis, 'Redis', redisEndpoint, 'REDIS_URL'],
  ]) {
    if (!need) continue;
    if ((what === 'NATS' && natsIsCluster) || !endpoint.isLoopback) {
      throw new SetupError(
        `${what} does not answer at ${variable}=${what === 'NATS' ? natsRaw : redisRaw}; ` +
          `only a single loopback address can be started here. Start it, or unset ${variable}.`,
      );
    }
  }

  // Install missing binaries in one apt-get run, then look again: installing a Debian
  // package may have started its service.
  const missing = [];
  if (needNats && findBinary('nats-server') === null) missing.push('nats-server');
  if (needRedis && findBinary('redis-server') === null) missing.push('redis-server');
  if (missing.length > 0) {
    installDebianPackages(
      missing,
      `nothing answers at ${[needNats && natsRaw, needRedis && redisRaw].filter(Boolean).join(' / ')}`,
    );
    [natsProbe, redisProbe] = await Promise.all([
      needNats ? probeNats(natsRaw) : natsProbe,
      needRedis ? probeRedis(redisEndpoint) : redisProbe,
    ]);
    checkFound();
  }

  const starting = [];
  if (nats && !natsProbe.answers) {
    const { host, port } = natsEndpoint;
    const dataDir = path.join(DATA_DIR, 'nats', String(port));
    const service = startService(
      'nats-server',
      findBinary('nats-server'),
      ['-js', '-a', host, '-p', String(port), '-sd', dataDir],
      dataDir,
    );
    starting.push(
      waitUntilReady(service, async () => {
        const r = await probeNats(natsRaw);
        return { ready: r.answers && r.jetstream, error: r.error };
      }).then(() =>
        say(`nats: started nats-server -js at ${natsRaw} (pid ${service.pid}), data in ${relative(dataDir)}`),
      ),
    );
  } else if (nats) {
    const version = natsProbe.server?.version ? ` (nats-server ${natsProbe.server.version})` : '';
    say(`nats: found at ${natsRaw}${version} with JetStream; its data lives wherever that server keeps it`);
  }

  if (redis && !redisProbe.answers) {
    const { host, port } = redisEndpoint;
    const dataDir = path.join(DATA_DIR, 'redis', String(port));
    const service = startService(
      'redis-server',
      findBinary('redis-server'),
      ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dataDir],
      dataDir,
    );
    starting.push(
      waitUntilReady(service, async () => {
        const r = await probeRedis(redisEndpoint);
        return { ready: r.answers && r.ok, error: r.error };
      }).then(() =>
        say(
          `redis: started redis-server at ${redisRaw} (pid ${service.pid}), in memory only, ` +
            `working dir ${relative(dataDir)}`,
        ),
      ),
    );
  } else if (redis) {
    say(`redis: found at ${redisRaw}`);
  }

  const results = await Promise.allSettled(starting);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;

  if (nats) process.env.NATS_URL = natsRaw;
  if (redis) process.env.REDIS_URL = redisRaw;
  return { natsUrl: nats ? natsRaw : undefined, redisUrl: redis ? redisRaw : undefined };
}

// ---------------------------------------------------------------------------
// Running commands

/** Path of a binary installed in the root node_modules. */
export function localBin(name) {
  return path.join(ROOT, 'node_modules', '.bin', name);
}

/**
 * Runs a command with inherited stdout/stderr and the current env; resolves to its exit
 * code (128 + signal number when killed). SIGINT/SIGTERM/SIGHUP are forwarded to it.
 * It runs in its own process group so that a terminal Ctrl-C reaches it exactly once
 * (through us) instead of twice.
 */
export function runCommand(command, args, { stdin = 'ignore', env = process.env, cwd = ROOT } = {}) {
  installHandlers();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: [stdin, 'inherit', 'inherit'], detached: true });
    current = child;
    child.once('error', (error) => {
      say(`cannot run ${command}: ${error.message}`);
      if (current === child) current = null;
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      if (current === child) current = null;
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
