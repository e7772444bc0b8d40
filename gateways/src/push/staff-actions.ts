/**
 * Staff actions on a socket: a kitchen display or table board accepts, starts,
 * bumps and serves orders without an HTTP round trip. Who may do which, and the
 * order command each is, are the actors' rules (`staffMayTake`,
 * `staffOrderCommand`), the same the staff API applies. The command goes through
 * the hub's engine (the gateway's in-flight limit) under the id
 * `push:<store>:<ref>`, so a client's retry of one ref is applied once.
 */
import { ensureError } from '@lunchrush/engine';
import { isStationAction, orderOf, staffActor, staffMayTake, staffOrderCommand } from '@lunchrush/actors';
import type { PushEngine } from './deps.js';
import { PushErrorCode, type ClientMessage } from './protocol.js';
import type { SocketData, SocketWriter, WS } from './sockets.js';

export type ActionMessage = Extract<ClientMessage, { type: 'action' }>;

export function staffAction(engine: PushEngine, writer: SocketWriter, ws: WS, ud: SocketData, m: ActionMessage): void {
  const { ref, action, orderId, station } = m;
  const p = ud.principal;
  const refuse = (code: PushErrorCode, message: string): void => writer.send(ws, { type: 'error', code, message, ref });
  if (p.kind !== 'staff') return refuse(PushErrorCode.Forbidden, 'staff only');
  // A principal without a role (an `authenticate` that tells none) is trusted with every action, as before.
  if (p.role !== undefined && !staffMayTake(p.role, action))
    return refuse(PushErrorCode.Forbidden, isStationAction(action) ? 'kitchen staff only' : `not for ${p.role}`);
  if (isStationAction(action) && station === undefined) return refuse(PushErrorCode.BadMessage, 'station required');
  const by = staffActor(p.role, p.id ?? p.role ?? 'staff');
  const cmd = staffOrderCommand(action, { by, at: Date.now(), station });
  orderOf(engine, p.store, orderId)
    .send(cmd, { id: `push:${p.store}:${ref}` })
    .then(
      (result) => {
        if (!ud.closed) ws.cork(() => writer.send(ws, { type: 'ack', ref, result }));
      },
      (e: unknown) => {
        if (ud.closed) return;
        const err = e as { reason?: string; code?: string };
        ws.cork(() =>
          writer.send(ws, {
            type: 'error',
            code: PushErrorCode.CommandFailed,
            message: `${err.reason ?? err.code ?? 'error'}: ${ensureError(e).message}`,
            ref,
          }),
        );
      },
    );
}
