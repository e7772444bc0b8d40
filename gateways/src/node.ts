/**
 * A node: one process that serves HTTP/WebSocket and hosts partitions (NODE_ROLE=node, the
 * default). Its EngineClient hands a command whose partition this process owns straight to the
 * partition (no NATS request, no encoding); a command for a partition another process owns goes
 * over NATS to that owner, as from a gateway-only process. Leases, fencing, persist-before-reply,
 * group commit and recovery are the engine's, whichever way a command arrives.
 *
 *   NODE_ROLE=node      gateway + engine (the restaurant actors), one NATS connection
 *   NODE_ROLE=gateway   the gateway alone: every command over NATS to the engines
 *   NODE_ROLE=engine    the engine alone (no HTTP), for deployments that scale the two apart
 *
 * The engine hosts the same actor types as `engine/src/main.ts` with
 * `ENGINE_ACTORS=@lunchrush/actors` (the restaurant's and the engine's demo actors), so nodes and
 * engine processes can share a namespace and take over each other's partitions.
 */
import type { Server } from 'node:http';
import v8 from 'node:v8';
import { outputStreams, restaurantActors } from '@lunchrush/actors';
import { ConfigError as EngineConfigError, Engine, serveEngineEndpoints } from '@lunchrush/engine';
import { demoActors, demoOutputStreams } from '@lunchrush/engine/demo';
import type { Logger } from 'pino';
import { ConfigError, type GatewayConfig } from './config.js';
import { startGateway, type Gateway } from './server.js';

export const NODE_ROLES = ['node', 'gateway', 'engine'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];
export const DEFAULT_NODE_ROLE: NodeRole = 'node';
/** The only actor module a node hosts (ENGINE_ACTORS may name it, or be unset). */
const ACTORS_MODULE = '@lunchrush/actors';

/** NODE_ROLE, checked: a typo must not start a gateway without its engine (or the reverse). */
export function parseRole(env: NodeJS.ProcessEnv = process.env): NodeRole {
  const raw = env.NODE_ROLE;
  if (raw === undefined || raw === '') return DEFAULT_NODE_ROLE;
  if (!(NODE_ROLES as readonly string[]).includes(raw))
    throw new ConfigError(`NODE_ROLE must be one of ${NODE_ROLES.join(', ')}, got ${JSON.stringify(raw)}`);
  return raw as NodeRole;
}

/**
 * The engine of a node or engine process, configured from `ENGINE_*` (checked here, before
 * anything starts; not started). Without the gateway beside it, it also keeps process metrics.
 */
export function createEngine(env: NodeJS.ProcessEnv, opts: { withGateway: boolean; logger?: Logger }): Engine {
  const spec = env.ENGINE_ACTORS;
  if (spec !== undefined && spec !== '' && spec !== ACTORS_MODULE)
    throw new ConfigError(`ENGINE_ACTORS=${spec}: a node hosts ${ACTORS_MODULE} (unset it, or run engine/src/main.ts)`);
  try {
    const engine = new Engine([...restaurantActors, ...demoActors], {
      env,
      outputStreams: [...outputStreams, ...demoOutputStreams],
      // The gateway's registry already has the process metrics: one set per process.
      processMetrics: !opts.withGateway,
      ...(opts.logger === undefined ? {} : { logger: opts.logger }),
    });
    // As engine/src/main.ts does (see the measurement there): most of an order's objects die young.
    if (!engine.cfg.v8Pretenuring) v8.setFlagsFromString('--no-allocation-site-pretenuring');
    return engine;
  } catch (e) {
    if (e instanceof EngineConfigError) throw new ConfigError(e.message);
    throw e;
  }
}

export interface RunningNode {
  readonly role: NodeRole;
  readonly gateway?: Gateway;
  readonly engine?: Engine;
  /** The gateway first (no new requests; those under way answer), then the engine (hands its partitions over). */
  stop(): Promise<void>;
}

/**
 * Starts what the role asks for. `cfg` is the gateway's configuration (roles node and gateway),
 * `engine` one made by `createEngine` (roles node and engine).
 */
export async function startNode(
  role: NodeRole,
  parts: { cfg?: GatewayConfig; engine?: Engine; logger?: Logger },
): Promise<RunningNode> {
  const { cfg, engine } = parts;
  if (role !== 'engine' && cfg === undefined) throw new Error(`NODE_ROLE=${role} needs the gateway's configuration`);
  if (role !== 'gateway' && engine === undefined) throw new Error(`NODE_ROLE=${role} needs an engine`);
  let metrics: Server | undefined;
  if (engine !== undefined) {
    await engine.start();
    if (role === 'engine') metrics = await serveEngineMetrics(engine);
  }
  let gateway: Gateway | undefined;
  try {
    if (cfg !== undefined && role !== 'engine') {
      gateway = await startGateway(cfg, {
        ...(parts.logger === undefined ? {} : { logger: parts.logger }),
        ...(engine === undefined
          ? {}
          : {
              // One connection per process: the engine's appends and the gateway's requests and
              // subscriptions share its socket writes, once per event-loop turn.
              nc: engine.connection,
              local: engine,
            }),
      });
      // The gateway's /metrics serves the engine's too: one scrape per process.
      if (engine !== undefined) {
        const from = engine.metrics.registry;
        for (const { name } of from.getMetricsAsArray()) {
          const m = from.getSingleMetric(name);
          if (m !== undefined) gateway.deps.registry.registerMetric(m);
        }
      }
    }
  } catch (e) {
    await engine?.stop();
    throw e;
  }
  let stopping: Promise<void> | undefined;
  return {
    role,
    ...(gateway === undefined ? {} : { gateway }),
    ...(engine === undefined ? {} : { engine }),
    stop: () =>
      (stopping ??= (async () => {
        await gateway?.close();
        metrics?.close();
        await engine?.stop();
      })()),
  };
}

/** An engine-only process serves `/metrics` and `/healthz` on ENGINE_METRICS_PORT, as engine/src/main.ts does. */
async function serveEngineMetrics(engine: Engine): Promise<Server | undefined> {
  const r = await serveEngineEndpoints(engine);
  // As engine/src/main.ts: a port taken costs the metrics, not the engine.
  if (r.server === undefined && engine.cfg.metricsPort !== 0)
    engine.log.warn({ port: engine.cfg.metricsPort, why: r.url }, 'engine metrics not served');
  return r.server;
}
