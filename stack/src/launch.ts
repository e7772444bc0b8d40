/**
 * The lunchrush processes in front of NATS and Redis, as `npm start` and the bench start them:
 *
 * - `layout: 'node'` (default): nodes, each the gateway and an engine in one process
 *   (`GATEWAY_WORKERS` of them on one port);
 * - `layout: 'split'`: an engine process, then a gateway process that sends every command
 *   over NATS;
 * - `standby`: for failover, an engine process that owns every partition first (the one a
 *   test or the bench kills) and a standby (`ENGINE_STANDBY=true`) that takes them over: the
 *   node itself, or with `split` a second engine process;
 * - `simulator: 'process'`: WeChat Pay's simulator in a process of its own, as WeChat signs on
 *   its own machines (otherwise the gateway's own simulator route serves, in development mode).
 *
 * `whenEnginesServe` runs once engines serve and before the stack is handed back (loading the
 * demo data, say): with `split` before the gateway starts, with nodes once the first listens.
 */
import type { ChildProcessHandle, OutputLine } from '@lunchrush/testkit';
import { startRole, type RoleName, type RoleProcess } from './roles.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface LaunchOptions {
  /** The environment of every process (URLs, namespace, partitions, log level). */
  readonly env?: Env;
  /** Added for the processes with an engine: engine processes and nodes. */
  readonly engineEnv?: Env;
  /** Added for the processes with a gateway: the gateway process and nodes (secrets, limits). */
  readonly gatewayEnv?: Env;
  readonly layout?: 'node' | 'split';
  readonly standby?: boolean;
  readonly simulator?: 'process' | 'gateway';
  readonly whenEnginesServe?: () => Promise<void>;
  /** Node flags of the process called `name` (`node`, `gateway`, `engine`, `standby`, `simulator`). */
  readonly nodeArgs?: (name: string) => readonly string[];
  readonly readyMs?: number;
  readonly onLine?: (name: string, line: OutputLine) => void;
  /** False: the caller stops the processes (see `StartRoleOptions.killOnExit`). */
  readonly killOnExit?: boolean;
}

export interface LaunchedStack {
  /** The gateway's address (a node's, or the gateway process's with `split`). */
  readonly url: string;
  /** The process serving HTTP: the node, or the gateway process. */
  readonly front: RoleProcess;
  /** The process that owns the partitions first (failover kills it): an engine process, or the node. */
  readonly engine: ChildProcessHandle;
  readonly standby: ChildProcessHandle | undefined;
  /** Where the simulator process pays, with `simulator: 'process'`. */
  readonly simulatorUrl: string | undefined;
  /** Every process, by the name `nodeArgs` was asked with, in the order they started. */
  readonly processes: readonly { readonly name: string; readonly handle: ChildProcessHandle }[];
  /** Stops them, the last started first. */
  stop(timeoutMs?: number): Promise<void>;
}

/** Starts the processes as `o` says; any that started are stopped when a later one fails. */
export async function launchStack(o: LaunchOptions): Promise<LaunchedStack> {
  const processes: { name: string; handle: ChildProcessHandle }[] = [];
  const start = async (name: string, role: RoleName, env: Env): Promise<RoleProcess> => {
    const p = await startRole(role, {
      env,
      nodeArgs: o.nodeArgs?.(name) ?? [],
      ...(o.readyMs === undefined ? {} : { readyMs: o.readyMs }),
      ...(o.onLine === undefined ? {} : { onLine: (line: OutputLine) => o.onLine!(name, line) }),
      ...(o.killOnExit === undefined ? {} : { killOnExit: o.killOnExit }),
    });
    processes.push({ name, handle: p.handle });
    return p;
  };
  const stop = async (timeoutMs = 15_000): Promise<void> => {
    for (const p of [...processes].reverse())
      if (p.handle.running) await p.handle.stop(timeoutMs).catch(() => undefined);
  };
  try {
    const split = o.layout === 'split';
    const standby = o.standby === true;
    const engineEnv = { ...o.env, ...o.engineEnv };
    const gatewayEnv = { ...o.env, ...o.gatewayEnv };
    const first = split || standby ? (await start('engine', 'engine', engineEnv)).handle : undefined;
    let second: ChildProcessHandle | undefined;
    let front: RoleProcess;
    if (split) {
      if (standby) second = (await start('standby', 'engine', { ...engineEnv, ENGINE_STANDBY: 'true' })).handle;
      await o.whenEnginesServe?.();
      front = await start('gateway', 'gateway', gatewayEnv);
    } else {
      const nodeEnv = { ...gatewayEnv, ...engineEnv, ...(standby ? { ENGINE_STANDBY: 'true' } : {}) };
      front = await start('node', 'node', nodeEnv);
      if (standby) second = front.handle;
      await o.whenEnginesServe?.();
    }
    const url = `http://127.0.0.1:${front.ready[1]!}`;
    const simulatorUrl =
      o.simulator === 'process'
        ? `http://127.0.0.1:${(await start('simulator', 'simulator', simulatorEnv(gatewayEnv, url))).ready[1]!}`
        : undefined;
    return { url, front, engine: first ?? front.handle, standby: second, simulatorUrl, processes, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * The environment of WeChat Pay's simulator in a process of its own beside a gateway (started
 * with `gatewayEnv`, at `gatewayUrl`): the gateway's namespace and Redis, so it signs with the
 * keys the gateway verifies and pays the prepays it made, and callbacks to that gateway.
 */
export function simulatorEnv(gatewayEnv: Env, gatewayUrl: string): Env {
  const same = ['REDIS_URL', 'ENGINE_NAMESPACE', 'LOG_LEVEL'].filter((k) => gatewayEnv[k] !== undefined);
  return {
    ...Object.fromEntries(same.map((k) => [k, gatewayEnv[k]])),
    GATEWAY_DEV_SECRETS: '1',
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    WECHATPAY_NOTIFY_URL: `${gatewayUrl}/v1/payments/wechatpay/notify`,
  };
}
