// NATS (with JetStream) and Redis for the repo's commands: found at NATS_URL / REDIS_URL, or
// started on loopback with their data under .data/ (a missing binary installed from Debian
// first, as root), and stopped again by processes.mjs (stopServices) when the command ends.

import path from 'node:path';
import { findBinary, installDebianPackages } from './debian.mjs';
import {
  DEFAULT_NATS_PORT,
  DEFAULT_NATS_URL,
  DEFAULT_REDIS_PORT,
  DEFAULT_REDIS_URL,
  parseServiceUrl,
  probeNats,
  probeRedis,
} from './probes.mjs';
import { installHandlers, relative, startService, waitUntilReady } from './processes.mjs';
import { DATA_DIR, SetupError, say } from './setup.mjs';

/** What answers at the URLs, and refusals for what answers but cannot be used (nor started over). */
function checkFound(w) {
  const { natsRaw, redisRaw, natsProbe, redisProbe } = w;
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
}

/** Only a single loopback address is ever started: a cluster or a remote server that does not answer is an error. */
function refuseUnstartable(w, needNats, needRedis) {
  for (const [need, what, endpoint, variable] of [
    [needNats, 'NATS', w.natsEndpoint, 'NATS_URL'],
    [needRedis, 'Redis', w.redisEndpoint, 'REDIS_URL'],
  ]) {
    if (!need) continue;
    if ((what === 'NATS' && w.natsRaw.includes(',')) || !endpoint.isLoopback) {
      throw new SetupError(
        `${what} does not answer at ${variable}=${what === 'NATS' ? w.natsRaw : w.redisRaw}; ` +
          `only a single loopback address can be started here. Start it, or unset ${variable}.`,
      );
    }
  }
}

/**
 * Installs missing binaries in one apt-get run, then looks again: installing a Debian package
 * may have started its service.
 */
async function installMissing(w, needNats, needRedis) {
  const missing = [];
  if (needNats && findBinary('nats-server') === null) missing.push('nats-server');
  if (needRedis && findBinary('redis-server') === null) missing.push('redis-server');
  if (missing.length === 0) return;
  installDebianPackages(
    missing,
    `nothing answers at ${[needNats && w.natsRaw, needRedis && w.redisRaw].filter(Boolean).join(' / ')}`,
  );
  [w.natsProbe, w.redisProbe] = await Promise.all([
    needNats ? probeNats(w.natsRaw) : w.natsProbe,
    needRedis ? probeRedis(w.redisEndpoint) : w.redisProbe,
  ]);
  checkFound(w);
}

/** `nats-server -js` on the URL's loopback port, its store in .data/nats/<port>/. */
function startNats(w) {
  const { host, port } = w.natsEndpoint;
  const dataDir = path.join(DATA_DIR, 'nats', String(port));
  const service = startService(
    'nats-server',
    findBinary('nats-server'),
    ['-js', '-a', host, '-p', String(port), '-sd', dataDir],
    dataDir,
  );
  return waitUntilReady(service, async () => {
    const r = await probeNats(w.natsRaw);
    return { ready: r.answers && r.jetstream, error: r.error };
  }).then(() =>
    say(`nats: started nats-server -js at ${w.natsRaw} (pid ${service.pid}), data in ${relative(dataDir)}`),
  );
}

/** `redis-server` in memory on the URL's loopback port, working in .data/redis/<port>/. */
function startRedis(w) {
  const { host, port } = w.redisEndpoint;
  const dataDir = path.join(DATA_DIR, 'redis', String(port));
  const service = startService(
    'redis-server',
    findBinary('redis-server'),
    ['--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', dataDir],
    dataDir,
  );
  return waitUntilReady(service, async () => {
    const r = await probeRedis(w.redisEndpoint);
    return { ready: r.answers && r.ok, error: r.error };
  }).then(() =>
    say(
      `redis: started redis-server at ${w.redisRaw} (pid ${service.pid}), in memory only, ` +
        `working dir ${relative(dataDir)}`,
    ),
  );
}

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
  // What was asked for and what answers there (the probes are looked at again after an install).
  const w = {
    natsRaw,
    redisRaw,
    natsEndpoint: nats ? parseServiceUrl(natsRaw.split(',')[0].trim(), 'nats', DEFAULT_NATS_PORT) : null,
    redisEndpoint: redis ? parseServiceUrl(redisRaw, 'redis', DEFAULT_REDIS_PORT) : null,
  };
  [w.natsProbe, w.redisProbe] = await Promise.all([
    nats ? probeNats(natsRaw) : null,
    redis ? probeRedis(w.redisEndpoint) : null,
  ]);
  checkFound(w);

  const needNats = nats && !w.natsProbe.answers;
  const needRedis = redis && !w.redisProbe.answers;
  refuseUnstartable(w, needNats, needRedis);
  await installMissing(w, needNats, needRedis);

  const starting = [];
  if (nats && !w.natsProbe.answers) starting.push(startNats(w));
  else if (nats) {
    const version = w.natsProbe.server?.version ? ` (nats-server ${w.natsProbe.server.version})` : '';
    say(`nats: found at ${natsRaw}${version} with JetStream; its data lives wherever that server keeps it`);
  }
  if (redis && !w.redisProbe.answers) starting.push(startRedis(w));
  else if (redis) say(`redis: found at ${redisRaw}`);

  const results = await Promise.allSettled(starting);
  const failure = results.find((r) => r.status === 'rejected');
  if (failure) throw failure.reason;

  if (nats) process.env.NATS_URL = natsRaw;
  if (redis) process.env.REDIS_URL = redisRaw;
  return { natsUrl: nats ? natsRaw : undefined, redisUrl: redis ? redisRaw : undefined };
}
