// Locating binaries, and installing the Debian packages that provide them (as root only).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { SetupError, say } from './setup.mjs';

export function findBinary(name) {
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

export function installDebianPackages(packages, why) {
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
