/**
 * The processes a lunchrush stack is made of, by role: each is an entry point of its own
 * package and prints one line once it serves (what `npm start`, the bench and the tests wait
 * for). `startRole` starts one as a child (its compiled twin when this process runs compiled,
 * else through tsx: testkit's `spawnTs`) and waits for that line.
 */
import { spawnTs, type ChildProcessHandle, type OutputLine } from '@lunchrush/testkit';

export interface Role {
  /** The entry point, relative to the repository root. */
  readonly entry: string;
  /** The line it prints once it serves; the first group, when there is one, is its port or URL. */
  readonly ready: RegExp;
  /** What every process of the role is started with (the caller's environment may add to it). */
  readonly env: Readonly<Record<string, string>>;
  /** Node flags every process of the role is started with, before the caller's (docker-compose.yml gives its nodes the same). */
  readonly nodeArgs?: readonly string[];
}

/**
 * A young generation twice V8's default (semi-spaces of 32 MB, not 16) for the processes that carry
 * commands: nodes, gateways, engines. Nearly everything an order allocates (its request, its
 * decision, its record, its reply) dies within milliseconds; with more room between scavenges
 * fewer of them live through one, so each scavenge copies less and there are half as many. A flag
 * of the command line: V8 sizes the main thread's heap before any code runs (worker threads, a
 * gateway's included, take the process's flags). Measured (lunch rush `--pay 0 --rate 7000
 * --duration 12`, a node with its gateway thread, runs alternating with and without on one box):
 * 1,605–1,796 orders/s at 0.67–0.74 ms of stack CPU an order against 1,418–1,642 at 0.74–0.85; the
 * engine thread's time in GC 3% of its samples against 7%. 64 MB gave less, 128 MB lost (bench/README).
 */
export const YOUNG_GENERATION_ARGS: readonly string[] = ['--max-semi-space-size=32'];

export const ROLES = {
  /** The gateway and an engine serving the restaurant actors in one process (gateways/src/node.ts). */
  node: {
    entry: 'gateways/src/main.ts',
    ready: /GATEWAY READY port=(\d+)/,
    env: { NODE_ROLE: 'node' },
    nodeArgs: YOUNG_GENERATION_ARGS,
  },
  /** The gateway alone: every command goes over NATS to the engines. */
  gateway: {
    entry: 'gateways/src/main.ts',
    ready: /GATEWAY READY port=(\d+)/,
    env: { NODE_ROLE: 'gateway' },
    nodeArgs: YOUNG_GENERATION_ARGS,
  },
  /** An engine process serving the restaurant actors (no HTTP). */
  engine: {
    entry: 'engine/src/main.ts',
    ready: /ENGINE READY/,
    env: { ENGINE_ACTORS: '@lunchrush/actors' },
    nodeArgs: YOUNG_GENERATION_ARGS,
  },
  /** WeChat Pay's side of a payment, as WeChat would: the payments' simulator in a process of its own. */
  simulator: { entry: 'gateways/src/simulator-main.ts', ready: /SIMULATOR READY port=(\d+)/, env: {} },
  /** Virtual ESC/POS printers (one per kitchen station of the stores named in its arguments). */
  printers: { entry: 'printer-daemon/src/virtual-printers.ts', ready: /VIRTUAL PRINTERS READY/, env: {} },
  /** The printer daemon: the kitchen stream onto the stations' printers. */
  'printer-daemon': { entry: 'printer-daemon/src/main.ts', ready: /PRINTER DAEMON READY/, env: {} },
  /** Delivery platforms (美团, 饿了么): their pushes in, stock, menu and statuses out; simulators by default. */
  platforms: { entry: 'platforms/src/main.ts', ready: /PLATFORMS READY port=(\d+) meituan=(\S+) eleme=(\S+)/, env: {} },
  /** Analytics: JetStream into chDB and the dashboard (its URL in the ready line). */
  analytics: { entry: 'analytics/src/main.ts', ready: /ANALYTICS READY (\S+)/, env: {} },
} as const satisfies Record<string, Role>;

export type RoleName = keyof typeof ROLES;

export const DEFAULT_READY_MS = 60_000;

export interface StartRoleOptions {
  /** Added to this process's environment and the role's own (`undefined` removes a variable). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly args?: readonly string[];
  /** Node flags, e.g. `--cpu-prof`, after the role's own (`Role.nodeArgs`). */
  readonly nodeArgs?: readonly string[];
  readonly readyMs?: number;
  /** Every line of its output as it comes. */
  readonly onLine?: (line: OutputLine) => void;
  /** False: the caller stops it (npm start); by default it is killed when this process exits. */
  readonly killOnExit?: boolean;
}

export interface RoleProcess {
  readonly role: RoleName;
  readonly handle: ChildProcessHandle;
  /** The ready line's match: `[1]` is the port or URL when the role prints one. */
  readonly ready: RegExpMatchArray;
}

/** Starts a process of `role` and resolves once it serves; one that fails to is stopped. */
export async function startRole(role: RoleName, o: StartRoleOptions = {}): Promise<RoleProcess> {
  const r: Role = ROLES[role];
  const handle = spawnTs(r.entry, {
    env: { ...r.env, ...o.env },
    ...(o.args === undefined ? {} : { args: o.args }),
    nodeArgs: [...(r.nodeArgs ?? []), ...(o.nodeArgs ?? [])],
    ...(o.onLine === undefined ? {} : { onLine: o.onLine }),
    ...(o.killOnExit === undefined ? {} : { killOnExit: o.killOnExit }),
  });
  try {
    return { role, handle, ready: await handle.waitForLine(r.ready, o.readyMs ?? DEFAULT_READY_MS) };
  } catch (e) {
    await handle.stop();
    throw e;
  }
}
