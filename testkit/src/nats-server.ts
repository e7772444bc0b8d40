import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ChildProcessHandle, type ChildExit, type OutputLine } from './child.js';
import { freePort } from './ports.js';
import { atExit } from './processes.js';
import { waitFor } from './wait.js';

const DEFAULT_START_TIMEOUT_MS = 20_000;
const DEFAULT_CLUSTER_READY_TIMEOUT_MS = 30_000;
const PORT_ATTEMPTS = 5;

export interface NatsClusterOptions {
  /** Cluster name (same on every member). */
  readonly name: string;
  /** Port for routes from the other members. */
  readonly port: number;
  /** Route URLs of the other members, e.g. `nats://127.0.0.1:6223`. */
  readonly routes: readonly string[];
}

export interface StartNatsServerOptions {
  /** Client port. Default: a free one (retried if taken meanwhile). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default true. */
  readonly jetstream?: boolean;
  /** JetStream store. Default: a fresh temp dir, removed by stop(). Pass an earlier one to restart on its data. */
  readonly storeDir?: string;
  /** `server_name`; required to be unique within a JetStream cluster. */
  readonly serverName?: string;
  readonly cluster?: NatsClusterOptions;
  /** Extra nats-server flags. */
  readonly args?: readonly string[];
  readonly startTimeoutMs?: number;
  /**
   * SIGKILL the server when this process exits or is signalled (default). False: the caller stops
   * it (`npm run cluster`, whose Ctrl-C stops the nodes before their NATS servers).
   */
  readonly killOnExit?: boolean;
  /** Called with every log line as it comes. */
  readonly onLine?: (line: OutputLine) => void;
  /**
   * Run the server as this user (root only; its store is handed to it): its packets can then be
   * told apart from the other members' by `iptables -m owner`, which a network-partition test cuts.
   */
  readonly user?: { readonly uid: number; readonly gid: number };
}

export interface NatsServerHandle {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly storeDir: string;
  readonly serverName: string | undefined;
  /** The server's log lines (it logs to stderr). */
  readonly process: ChildProcessHandle;
  readonly exited: Promise<ChildExit>;
  /** Signal the server directly (SIGKILL to crash it, SIGSTOP/SIGCONT to freeze it). */
  kill(signal?: NodeJS.Signals): boolean;
  /** Graceful stop; removes the store dir if the test kit created it. */
  stop(): Promise<void>;
}

/** nats-server on PATH or where Debian puts it (/usr/sbin is not on a normal user's PATH). */
export function natsServerBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, 'nats-server');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new Error('nats-server not found; install it (Debian: apt-get install -y nats-server)');
}

/** `dir` and everything in it to `uid:gid` (created if missing). */
function chownTree(dir: string, uid: number, gid: number): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.chownSync(dir, uid, gid);
  for (const e of fs.readdirSync(dir, { recursive: true, encoding: 'utf8' })) fs.chownSync(path.join(dir, e), uid, gid);
}

function makeStoreDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunchrush-nats-'));
  const remove = (): void => fs.rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  return { dir, remove };
}

async function startOnce(options: StartNatsServerOptions, port: number): Promise<NatsServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const jetstream = options.jetstream ?? true;
  const ownStore = options.storeDir === undefined ? makeStoreDir() : undefined;
  const storeDir = options.storeDir ?? ownStore!.dir;
  const untrackStore = ownStore ? atExit(ownStore.remove) : () => false;

  const args = ['-a', host, '-p', String(port)];
  if (jetstream) args.push('-js', '-sd', storeDir);
  if (options.serverName !== undefined) args.push('--server_name', options.serverName);
  if (options.cluster !== undefined) {
    const { name, port: clusterPort, routes } = options.cluster;
    args.push('--cluster_name', name, '--cluster', `nats://${host}:${clusterPort}`);
    if (routes.length > 0) args.push('--routes', routes.join(','));
  }
  args.push(...(options.args ?? []));

  if (options.user !== undefined) chownTree(storeDir, options.user.uid, options.user.gid);
  const child = spawn(natsServerBinary(), args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.user === undefined ? {} : { uid: options.user.uid, gid: options.user.gid }),
  });
  const handle = new ChildProcessHandle(child, `nats-server:${port}`, {
    echo: process.env.TESTKIT_ECHO === '1',
    ...(options.onLine === undefined ? {} : { onLine: options.onLine }),
    ...(options.killOnExit === undefined ? {} : { killOnExit: options.killOnExit }),
  });
  const cleanupStore = (): void => {
    if (ownStore) {
      ownStore.remove();
      untrackStore();
    }
  };
  try {
    await handle.waitForLine(/Server is ready/, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  } catch (error) {
    await handle.stop();
    cleanupStore();
    throw error;
  }

  return {
    url: `nats://${host}:${port}`,
    host,
    port,
    pid: handle.pid,
    storeDir,
    serverName: options.serverName,
    process: handle,
    exited: handle.exited,
    kill: (signal: NodeJS.Signals = 'SIGTERM') => handle.kill(signal),
    stop: async () => {
      await handle.stop();
      cleanupStore();
    },
  };
}

/**
 * Starts an extra nats-server on loopback (JetStream on by default, its own store dir),
 * for tests that must kill, freeze or restart a server without touching the shared one.
 * Killed when the test process exits if not stopped before.
 */
export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  if (options.port !== undefined) return startOnce(options, options.port);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(options.host);
    try {
      return await startOnce(options, port);
    } catch (error) {
      // Someone took the port between freePort() and the server's bind: try another.
      const inUse = error instanceof Error && /address already in use/i.test(error.message);
      if (!inUse || attempt >= PORT_ATTEMPTS) throw error;
    }
  }
}

export interface NatsClusterHandle {
  readonly servers: readonly NatsServerHandle[];
  /** Client URLs of all members, comma-separated (the form NATS_URL accepts). */
  readonly url: string;
  readonly urls: readonly string[];
  readonly name: string;
  stop(): Promise<void>;
}

export interface StartNatsClusterOptions {
  /** Default `lunchrush-test-<random>`. */
  readonly name?: string;
  readonly jetstream?: boolean;
  readonly readyTimeoutMs?: number;
}

async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * Starts `size` nats-servers routed to each other on loopback (default 3: what R3
 * streams need) and waits until JetStream answers on every member.
 */
export async function startNatsCluster(size = 3, options: StartNatsClusterOptions = {}): Promise<NatsClusterHandle> {
  const name = options.name ?? `lunchrush-test-${Math.random().toString(36).slice(2, 8)}`;
  const jetstream = options.jetstream ?? true;
  for (let attempt = 1; ; attempt++) {
    const ports = await distinctFreePorts(size * 2);
    const clientPorts = ports.slice(0, size);
    const clusterPorts = ports.slice(size);
    const results = await Promise.allSettled(
      clientPorts.map((port, i) =>
        startOnce(
          {
            jetstream,
            serverName: `${name}-n${i + 1}`,
            cluster: {
              name,
              port: clusterPorts[i]!,
              routes: clusterPorts.filter((_, j) => j !== i).map((p) => `nats://127.0.0.1:${p}`),
            },
          },
          port,
        ),
      ),
    );
    const servers = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const stop = async (): Promise<void> => {
      await Promise.all(servers.map((s) => s.stop()));
    };
    const failure = results.find((r) => r.status === 'rejected');
    if (failure !== undefined) {
      await stop();
      const error: unknown = failure.reason;
      const inUse = error instanceof Error && /address already in use/i.test(error.message);
      if (inUse && attempt < PORT_ATTEMPTS) continue;
      throw error;
    }
    const urls = servers.map((s) => s.url);
    try {
      if (jetstream) await waitForClusterJetStream(urls, options.readyTimeoutMs ?? DEFAULT_CLUSTER_READY_TIMEOUT_MS);
    } catch (error) {
      await stop();
      throw error;
    }
    return { servers, url: urls.join(','), urls, name, stop };
  }
}

/**
 * Until a meta leader is elected, JetStream API calls fail with "temporarily unavailable": waits
 * until every member at `urls` answers one.
 */
export async function waitForClusterJetStream(urls: readonly string[], timeoutMs: number): Promise<void> {
  await Promise.all(
    urls.map(async (url) => {
      const nc = await connect({ servers: url, noAsyncTraces: true, name: 'testkit-cluster-probe' });
      try {
        await waitFor(
          async () => {
            const jsm = await jetstreamManager(nc, { timeout: 2_000 });
            const info = await jsm.getAccountInfo();
            return info !== undefined;
          },
          { timeoutMs, intervalMs: 100, what: `JetStream on the cluster member at ${url}` },
        );
      } finally {
        await nc.close();
      }
    }),
  );
}
