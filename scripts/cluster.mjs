// `npm run cluster`: the production topology (docker-compose.yml) as local processes on loopback.
// Dependencies, Redis (found at REDIS_URL or started), nginx (installed as root when missing),
// the build, then stack/src/cluster-main.ts compiled: three nats-servers in one JetStream cluster
// on ports 14222-14224 (the machine's own NATS on 4222 is left alone), two nodes, nginx in front
// on 8090, the demo data, the printer daemon and analytics on chDB. Ctrl-C stops the cluster (the
// nodes hand their partitions over before NATS goes), then the services this script started.
//
// Extra arguments go to the cluster: `npm run cluster -- --stores 3 --no-analytics --reset`.

import fs from 'node:fs';
import path from 'node:path';
import { COMPILED_CONDITION, ensureBuild } from './lib/build.mjs';
import { ensureDependencies } from './lib/dependencies.mjs';
import { ensureDeployTools } from './lib/deploy-tools.mjs';
import { finish, runCommand } from './lib/processes.mjs';
import { ensureServices } from './lib/services.mjs';
import { ROOT, SetupError, say } from './lib/setup.mjs';

const CLUSTER_MAIN = path.join(ROOT, 'stack', 'dist', 'src', 'cluster-main.js');

try {
  ensureDependencies();
  // The cluster's NATS servers are its own; Redis is shared (keys under the cluster's namespace, lrc).
  await ensureServices({ nats: false, redis: true });
  ensureDeployTools(['nginx']);
  ensureBuild();
  if (!fs.existsSync(CLUSTER_MAIN)) throw new SetupError(`${path.relative(ROOT, CLUSTER_MAIN)} does not exist`);
  const args = [`--conditions=${COMPILED_CONDITION}`, CLUSTER_MAIN];
  say(`starting the cluster, compiled: node ${args.map((a) => path.relative(ROOT, a) || a).join(' ')}`);
  const code = await runCommand(process.execPath, [...args, ...process.argv.slice(2)]);
  say(`cluster exited with code ${code}`);
  await finish(code);
} catch (error) {
  await finish(1, error);
}
