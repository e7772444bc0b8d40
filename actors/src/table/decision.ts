/**
 * How every table decision is put together: the events folded, the table's
 * push (and the board's when its status changes), the answer.
 */
import { reject, type CallOutcome, type Decision, type Rejection, type SideOutput } from '@lunchrush/engine';
import { ErrorCode, errorKind, refuse } from '../errors.js';
import type { OrderDetail } from '../order/detail.js';
import { boardPushSubject, tablePushSubject, type BoardPush } from '../outputs.js';
import type { TableCommand } from './commands.js';
import type { TableEvent } from './events.js';
import { evolveTable, type TableState } from './evolve.js';
import { pushOf, viewOf, viewWithOrder, type TableResult } from './view.js';

export type TableDecision = Decision<TableEvent, TableResult, TableCommand>;

export function emit(
  s: TableState,
  events: TableEvent[],
  extra: { order?: OrderDetail; outputs?: SideOutput[] } = {},
): TableDecision {
  let next = s;
  for (const e of events) next = evolveTable(next, e);
  const at = events[events.length - 1]?.at ?? 0;
  const push = pushOf(next, at);
  const outputs: SideOutput[] = [
    { subject: tablePushSubject(s.store, s.tableId), id: `table:${s.tableId}:${next.seq}`, data: push },
  ];
  if (extra.outputs !== undefined) for (const o of extra.outputs) outputs.push(o);
  if (next.status !== s.status) {
    outputs.push({
      subject: boardPushSubject(s.store),
      id: `board:${s.tableId}:${next.seq}`,
      data: {
        kind: 'table',
        tableId: s.tableId,
        label: push.label,
        status: next.status,
        partySize: push.partySize,
        at,
      } satisfies BoardPush,
    });
  }
  const result = extra.order === undefined ? viewOf(next) : viewWithOrder(next, extra.order);
  return { events, result, outputs, folded: { from: s, to: next } };
}

export const same = (s: TableState): TableDecision => ({ result: viewOf(s, true) });

export function passOn(out: Extract<CallOutcome, { ok: false }>, details?: unknown): Rejection {
  return reject(out.code, out.message, details ?? out.details, errorKind(out.code));
}

export function noSession(s: TableState): Rejection {
  if (s.cleaning) return refuse(ErrorCode.TableNotReady, `table ${s.tableId} is being cleaned`, { tableId: s.tableId });
  return refuse(ErrorCode.NoSession, `nobody is seated at table ${s.tableId}: scan to open it`, { tableId: s.tableId });
}
