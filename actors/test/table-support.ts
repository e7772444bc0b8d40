/** What the table tests share: the store's tables, and commands to one of them. */
import { tableRef, type TableCommand, type TableResult, type TableState } from '@lunchrush/actors';
import { STORE, T0, expectOk, send, table, type setupStore } from './helpers.js';

export type Rt = ReturnType<typeof setupStore>;
export const T1 = table(1);
export const T2 = table(2);
export const T3 = table(3);
export const tbl = (rt: Rt, id: string, c: TableCommand, cmdId?: string) =>
  send<TableResult>(rt, tableRef(STORE, id), c, cmdId);
export const state = (rt: Rt, id: string) => rt.state<TableState>(tableRef(STORE, id));
export const open = (rt: Rt, id: string, dinerId = 'd1', partySize = 2) =>
  expectOk(tbl(rt, id, { type: 'open', sessionId: `s-${id}`, partySize, dinerId, at: T0 }));
export const add = (lineId: string, dinerId: string, skuId: string, qty = 1, at = T0): TableCommand => ({
  type: 'addLine',
  lineId,
  dinerId,
  skuId,
  qty,
  options: skuId.startsWith('noodle') ? [{ group: 'spice', choice: 'none' }] : [],
  at,
});
