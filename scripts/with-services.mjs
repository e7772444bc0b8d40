// Runs one command with dependencies installed and NATS + Redis available, then stops
// what it started:
//
//   node scripts/with-services.mjs [--no-nats] [--no-redis] [--build] -- <command> [args...]
//
// The command sees NATS_URL and REDIS_URL in its environment. With --build, the packages are
// compiled first when their sources are newer than their dist/ (`npm run bench` runs compiled). It runs in its own process
// group (see runCommand), so it gets stdin only when stdin is not a terminal.

import { ensureBuild } from './lib/build.mjs';
import { ensureDependencies } from './lib/dependencies.mjs';
import { finish, runCommand } from './lib/processes.mjs';
import { ensureServices } from './lib/services.mjs';
import { SetupError } from './lib/setup.mjs';

const USAGE = 'usage: node scripts/with-services.mjs [--no-nats] [--no-redis] [--build] -- <command> [args...]';

try {
  const argv = process.argv.slice(2);
  const separator = argv.indexOf('--');
  const options = separator < 0 ? [] : argv.slice(0, separator);
  const command = separator < 0 ? argv : argv.slice(separator + 1);
  const unknown = options.filter((o) => o !== '--no-nats' && o !== '--no-redis' && o !== '--build');
  if (command.length === 0 || unknown.length > 0) throw new SetupError(USAGE);

  ensureDependencies();
  if (options.includes('--build')) ensureBuild();
  await ensureServices({ nats: !options.includes('--no-nats'), redis: !options.includes('--no-redis') });
  const [program, ...args] = command;
  await finish(
    await runCommand(program, args, { stdin: process.stdin.isTTY ? 'ignore' : 'inherit', cwd: process.cwd() }),
  );
} catch (error) {
  await finish(1, error);
}
