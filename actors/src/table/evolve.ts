/**
 * The table's state and how each event changes it (`evolveTable`); its status
 * follows from the state (`statusOf`).
 */
import type { TableConfig } from './commands.js';
import type { SessionOrder, TableEvent, TableSession, TableStatus } from './events.js';

export interface TableState {
  readonly store: string;
  readonly tableId: string;
  readonly config: TableConfig | null;
  readonly status: TableStatus;
  readonly session: TableSession | null;
  readonly mergedInto: string | null;
  readonly cleaning: boolean;
  readonly seq: number;
}

export function initialTable(store: string, tableId: string): TableState {
  return { store, tableId, config: null, status: 'free', session: null, mergedInto: null, cleaning: false, seq: 0 };
}

export function statusOf(s: Omit<TableState, 'status'>): TableStatus {
  if (s.mergedInto !== null) return 'merged';
  if (s.cleaning) return 'cleaning';
  if (s.session === null) return 'free';
  if (s.session.orders.some((o) => o.state === 'unpaid')) return 'awaiting_payment';
  return s.session.cart.length > 0 ? 'ordering' : 'seated';
}

function withSession(s: TableState, f: (x: TableSession) => TableSession): TableSession | null {
  return s.session === null ? null : f(s.session);
}

function addDiner(diners: readonly string[], d: string): readonly string[] {
  return diners.includes(d) ? diners : [...diners, d];
}

function orderState(s: TableState, orderId: string, state: SessionOrder['state']): TableSession | null {
  return withSession(s, (x) => ({ ...x, orders: x.orders.map((o) => (o.orderId === orderId ? { ...o, state } : o)) }));
}

export function evolveTable(s0: TableState, e: TableEvent): TableState {
  const s = { ...s0, seq: s0.seq + 1 };
  const next = ((): Omit<TableState, 'status'> => {
    switch (e.type) {
      case 'Configured':
        return { ...s, config: e.config };
      case 'Seated':
        return {
          ...s,
          session: {
            sessionId: e.sessionId,
            partySize: e.partySize,
            openedAt: e.at,
            diners: [e.dinerId],
            cart: [],
            orders: [],
            mergedFrom: [],
          },
        };
      case 'DinerJoined':
        return { ...s, session: withSession(s, (x) => ({ ...x, diners: addDiner(x.diners, e.dinerId) })) };
      case 'CartLineAdded':
        return {
          ...s,
          session: withSession(s, (x) => ({
            ...x,
            diners: addDiner(x.diners, e.line.dinerId),
            cart: [...x.cart, e.line],
          })),
        };
      case 'CartLineUpdated':
        return {
          ...s,
          session: withSession(s, (x) => ({
            ...x,
            cart: x.cart.map((l) => (l.lineId === e.lineId ? { ...l, qty: e.qty } : l)),
          })),
        };
      case 'CartLineRemoved':
        return { ...s, session: withSession(s, (x) => ({ ...x, cart: x.cart.filter((l) => l.lineId !== e.lineId) })) };
      case 'CartSubmitted':
        return {
          ...s,
          session: withSession(s, (x) => ({
            ...x,
            cart: x.cart.filter((l) => !e.lineIds.includes(l.lineId)),
            orders: [...x.orders, { orderId: e.orderId, state: 'unpaid', totalFen: e.totalFen }],
          })),
        };
      case 'OrderPaidNoted':
        return { ...s, session: orderState(s, e.orderId, 'paid') };
      case 'OrderCancelledNoted':
        return { ...s, session: orderState(s, e.orderId, 'cancelled') };
      case 'SessionClosed':
        return { ...s, session: null, cleaning: true };
      case 'Cleaned':
        return { ...s, cleaning: false };
      case 'MergedInto':
        return { ...s, session: null, mergedInto: e.tableId };
      case 'Absorbed': {
        const from = e.session;
        return {
          ...s,
          session: withSession(s, (x) => ({
            ...x,
            partySize: x.partySize + from.partySize,
            diners: from.diners.reduce(addDiner, x.diners),
            cart: [...x.cart, ...from.cart.filter((l) => !x.cart.some((m) => m.lineId === l.lineId))],
            orders: [...x.orders, ...from.orders],
            mergedFrom: [...x.mergedFrom, e.fromTableId],
          })),
        };
      }
      case 'TransferredOut':
        return { ...s, session: null, cleaning: true };
      case 'SessionReceived':
        return { ...s, session: e.session, cleaning: false };
      case 'Released':
        return { ...s, mergedInto: null, cleaning: true };
    }
  })();
  return { ...next, status: statusOf(next) };
}
