// `npm start`: dependencies, NATS + Redis (found or started), the fonts the printers' PNGs and
// the pages need (installed as root when missing), the build (compiled JavaScript in each
// package's dist/, made when sources are newer), then the stack, run compiled
// (stack/src/main.ts): a node (the gateway and an engine serving the restaurant domain in
// one process), demo data loaded through it (20 stores; a restart loads only what is missing),
// the virtual printers with the printer daemon, and analytics. It prints the URLs, a few signed
// table QR links and staff tokens for store 001. Ctrl-C stops the stack (each node's gateway,
// then its engine), then the services this script started.
//
// Extra arguments go to the stack: `npm start -- --stores 5 --workers 2`.

import fs from 'node:fs';
import path from 'node:path';
import { COMPILED_CONDITION, ensureBuild } from './lib/build.mjs';
import { ensureDependencies } from './lib/dependencies.mjs';
import { ensureDisplayPackages } from './lib/display.mjs';
import { finish, runCommand } from './lib/processes.mjs';
import { ensureServices } from './lib/services.mjs';
import { ROOT, SetupError, say } from './lib/setup.mjs';

const STACK_MAIN = path.join(ROOT, 'stack', 'dist', 'src', 'main.js');

try {
  ensureDependencies();
  await ensureServices({ nats: true, redis: true });
  // Chinese in the virtual printers' PNGs (unifont) and in pages opened on this machine (fonts-noto-cjk).
  ensureDisplayPackages();
  ensureBuild();
  if (!fs.existsSync(STACK_MAIN)) throw new SetupError(`${path.relative(ROOT, STACK_MAIN)} does not exist`);
  const args = [`--conditions=${COMPILED_CONDITION}`, STACK_MAIN];
  say(
    `starting the stack (nodes, demo data, printers, analytics), compiled: node ${args.map((a) => path.relative(ROOT, a) || a).join(' ')}`,
  );
  const code = await runCommand(process.execPath, [...args, ...process.argv.slice(2)]);
  say(`stack exited with code ${code}`);
  await finish(code);
} catch (error) {
  await finish(1, error);
}
