/**
 * WebSocket push: `mountPush(app, deps)` adds the push endpoint to a uWS app;
 * `createPushServer(deps)` is a standalone server (tests, bench) with nothing
 * else on it. The protocol is in ./protocol.ts and gateways/PUSH.md.
 */
import uWS from '@trufflesuite/uws-js-unofficial';
import type { TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { PushHub, type PushDeps } from './hub.js';

export {
  DEFAULT_IDLE_TIMEOUT_S,
  DEFAULT_KITCHEN_WINDOW_MS,
  DEFAULT_MAX_BACKPRESSURE_BYTES,
  DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_SUBSCRIPTIONS,
  DEFAULT_PUSH_PATH,
  PushHub,
  defaultAuthorize,
} from './hub.js';
export type { PushDeps, PushEngine, PushLogger, PushStats } from './hub.js';
export { PushErrorCode, parseTopic, topicKey } from './protocol.js';
export type {
  ClientMessage,
  PushAuthRequest,
  PushPrincipal,
  ServerMessage,
  StaffAction,
  Topic,
  TopicKind,
} from './protocol.js';
export type { BoardSnapshot, KitchenSnapshot, MenuSnapshot, StationTicket } from './snapshots.js';

/** Mounts the push endpoint (`deps.path`, default `/ws`) on `app` and starts listening to the engine's pushes. */
export function mountPush(app: TemplatedApp, deps: PushDeps): PushHub {
  return new PushHub(app, deps).mount();
}

export interface PushServer {
  readonly app: TemplatedApp;
  readonly hub: PushHub;
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

/** Listens on `port` (0 = any free port) on 127.0.0.1 unless `host` says otherwise. */
export function listen(
  app: TemplatedApp,
  port = 0,
  host = '127.0.0.1',
): Promise<{ port: number; socket: us_listen_socket }> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket === false) reject(new Error(`cannot listen on ${host}:${port}`));
      else resolve({ port: uWS.us_socket_local_port(socket), socket });
    });
  });
}

/** A uWS app with only the push endpoint (and whatever `extend` adds), listening. */
export async function createPushServer(
  deps: PushDeps & { port?: number; host?: string; extend?: (app: TemplatedApp) => void },
): Promise<PushServer> {
  const app = uWS.App();
  const hub = mountPush(app, deps);
  deps.extend?.(app);
  const host = deps.host ?? '127.0.0.1';
  const { port, socket } = await listen(app, deps.port ?? 0, host);
  return {
    app,
    hub,
    port,
    url: `ws://${host}:${port}${deps.path ?? '/ws'}`,
    close: async () => {
      uWS.us_listen_socket_close(socket);
      await hub.stop();
    },
  };
}
