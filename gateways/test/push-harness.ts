/**
 * What the push tests share: a real engine serving one demo store (push-support.ts), a push
 * server on real uWS in front of it with a small send bound, clients that are closed with it,
 * and small readers of what a client receives.
 */
import type WebSocket from 'ws';
import type { KitchenTicket, TableView } from '@lunchrush/actors';
import { createPushServer, type PushServer } from '../src/push/index.js';
import type { PushClient, PushClientOptions } from '../src/push/client.js';
import { STORE, connectClient, startWorld, type World } from './push-support.js';

/** The push server's send bound per socket: small, so a slow consumer passes it quickly. */
export const BOUND = 64 * 1024;

export interface PushWorld {
  readonly w: World;
  readonly server: PushServer;
  /** A client of this server with `token`, connected; closed with the world. */
  readonly client: (token: string, opts?: PushClientOptions) => Promise<PushClient>;
  /** Closes `c` with the world (a client of another server). */
  readonly track: (c: PushClient) => void;
  readonly tableGet: (id: string) => Promise<TableView>;
  readonly tableCmd: (id: string, cmd: object) => Promise<unknown>;
  readonly close: () => Promise<void>;
}

export async function startPushWorld(prefix: string): Promise<PushWorld> {
  const w = await startWorld(prefix);
  const server = await createPushServer({
    nc: w.t.nc,
    namespace: w.t.ns,
    engine: w.client,
    authenticate: w.authenticate,
    maxBackpressureBytes: BOUND,
  });
  const clients: PushClient[] = [];
  return {
    w,
    server,
    client: async (token, opts = {}) => {
      const c = await connectClient(`${server.url}?token=${token}`, opts);
      clients.push(c);
      return c;
    },
    track: (c) => clients.push(c),
    tableGet: (id) => w.client.send<TableView>(STORE, 'table', id, { type: 'get' }),
    tableCmd: (id, cmd) => w.client.send(STORE, 'table', id, { ...cmd, at: Date.now() }),
    close: async () => {
      for (const c of clients) c.close();
      await server.close();
      await w.close();
    },
  };
}

/** A kitchen station's deltas: a ticket, or an order's progress at the station. */
export interface KitchenProgress {
  readonly kind: 'progress';
  readonly orderId: string;
  readonly station: string;
  readonly state: string;
  readonly status: string;
}
export type KitchenDelta = { readonly kind: 'ticket'; readonly ticket: KitchenTicket } | KitchenProgress;

/** Every frame a client receives, parsed. */
export function tap(c: PushClient): { type: string; topic?: string; seq?: number; data?: any }[] {
  const seen: { type: string; topic?: string }[] = [];
  (c.socket as unknown as WebSocket).on('message', (d: Buffer) =>
    seen.push(JSON.parse(d.toString()) as { type: string; topic?: string }),
  );
  return seen;
}
