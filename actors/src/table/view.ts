/**
 * What a table answers and pushes to every phone at it: its view.
 */
import type { Mutable } from '../domain.js';
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
  return view(s, duplicate);
}

/**
 * The view, written out and with what goes with it set on the same object: V8 builds a spread given
 * new keys (`{ kind: 'table', ...view, at }`, `{ ...view, order }`) slowly (see `summaryOf` in
 * order/detail.ts), and every table change pushes one.
 */
function view(s: TableState, duplicate: boolean, push?: { readonly at: number }, order?: OrderDetail): TableView {
  const cart = s.session?.cart ?? [];
  const v: Building = {
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
  if (duplicate) v.duplicate = true;
  if (push !== undefined) {
    v.kind = 'table';
    v.at = push.at;
  }
  if (order !== undefined) v.order = order;
  return v;
}

type Building = Mutable<TableView> & {
  kind?: 'table';
  at?: number;
  order?: OrderDetail;
};

/** What the table's push carries: its view, with `kind` and `at`. */
export function pushOf(s: TableState, at: number): TablePush {
  return view(s, false, { at }) as TablePush;
}

/** The view with the order a submit placed. */
export function viewWithOrder(s: TableState, order: OrderDetail, duplicate = false): TableResult {
  return view(s, duplicate, undefined, order);
}
