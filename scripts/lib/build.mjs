// The build: compiled JavaScript for `npm start` and the bench.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SetupError, say } from './setup.mjs';

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
  couriers: ['src'],
  platforms: ['src'],
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
