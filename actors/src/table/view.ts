/**
 * What a table answers and pushes to every phone at it: its view.
 */
import type { Fen } from '../money.js';
import type { OrderDetail } from '../order/detail.js';
import type { CartLine, SessionOrder, TableStatus } from './events.js';
import type { TableState } from './evolve.js';

export interface TableView {
  readonly tableId: string;
  readonly label: string;
  readonly status: TableStatus;
  readonly sessionId: string | null;
  readonly partySize: number;
  readonly diners: readonly string[];
  readonly cart: readonly CartLine[];
  readonly cartTotalFen: Fen;
  readonly orders: readonly SessionOrder[];
  readonly mergedInto: string | null;
  readonly version: number;
  readonly duplicate?: boolean;
}

/** `push.<store>.table.<tableId>`: the table's view after each change, for every phone at the table. */
export type TablePush = TableView & { readonly kind: 'table'; readonly at: number };

export type TableResult = TableView | (TableView & { readonly order: OrderDetail });

export function viewOf(s: TableState, duplicate = false): TableView {
  const cart = s.session?.cart ?? [];
  const v: TableView = {
    tableId: s.tableId,
    label: s.config?.label ?? '',
    status: s.status,
    sessionId: s.session?.sessionId ?? null,
    partySize: s.session?.partySize ?? 0,
    diners: s.session?.diners ?? [],
    cart,
    cartTotalFen: cart.reduce((a, l) => a + l.unitPriceFen * l.qty, 0),
    orders: s.session?.orders ?? [],
    mergedInto: s.mergedInto,
    version: s.seq,
  };
  return duplicate ? { ...v, duplicate } : v;
}
