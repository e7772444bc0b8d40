// `npm start`: dependencies, NATS + Redis (found or started), then the engine.
// Extra arguments go to the engine: `npm start -- --flag`.

import fs from 'node:fs';
import path from 'node:path';
import { ROOT, SetupError, ensureDependencies, ensureServices, finish, runCommand, say } from './services.mjs';

const ENGINE_MAIN = path.join(ROOT, 'engine', 'src', 'main.ts');

try {
  ensureDependencies();
  await ensureServices({ nats: true, redis: true });
  if (!fs.existsSync(ENGINE_MAIN)) throw new SetupError(`${path.relative(ROOT, ENGINE_MAIN)} does not exist yet`);
  say(`starting the engine: node --import tsx ${path.relative(ROOT, ENGINE_MAIN)}`);
  const code = await runCommand(process.execPath, ['--import', 'tsx', ENGINE_MAIN, ...process.argv.slice(2)]);
  say(`engine exited with code ${code}`);
  await finish(code);
} catch (error) {
  await finish(1, error);
}
