// Dependencies: `npm ci` when node_modules is missing or older than the lockfile.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SetupError, say } from './setup.mjs';

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

/** Path of a binary installed in the root node_modules. */
export function localBin(name) {
  return path.join(ROOT, 'node_modules', '.bin', name);
}
