/**
 * Side-output subjects and ids. Subjects are relative to the engine namespace;
 * ids are stable across retries because consumers (printer daemon, payment
 * worker, gateways) de-duplicate by them.
 */

/** Kitchen tickets (JetStream): one subject per station, read by the printer daemon and KDS. */
export const kitchenSubject = (store: string, station: string): string => `kitchen.${store}.${station}`;
/** Refund instructions for the payment worker (JetStream). */
export const refundSubject = (store: string): string => `refunds.${store}`;

/**
 * Platform sync (JetStream): a store's stock level and catalog changes, durable and in order per
 * store, for the delivery platforms' sync worker (the WebSocket pushes below may be dropped).
 */
export const platformSyncSubject = (store: string): string => `sync.${store}`;

/** WebSocket pushes (core NATS, may be dropped: clients resync with a read). */
export const orderPushSubject = (store: string, orderId: string): string => `push.${store}.order.${orderId}`;
export const tablePushSubject = (store: string, tableId: string): string => `push.${store}.table.${tableId}`;
/** The staff table board and kitchen load. */
export const boardPushSubject = (store: string): string => `push.${store}.board`;
/** Live menu changes every diner sees: sold out, back in stock. */
export const menuPushSubject = (store: string): string => `push.${store}.menu`;
/** `catalog.<store>` (core NATS): the store's catalog changed; gateways drop their cached menu. */
export const catalogChangedSubject = (store: string): string => `catalog.${store}`;

export const ticketId = (orderId: string, station: string, version = 1): string =>
  `ticket:${orderId}:${station}:v${version}`;
export const voidTicketId = (orderId: string, station: string, refundId: string): string =>
  `void:${orderId}:${station}:${refundId}`;
export const urgeTicketId = (orderId: string, station: string, n: number): string => `urge:${orderId}:${station}:${n}`;
export const refundInstructionId = (orderId: string, refundId: string): string => `refund:${orderId}:${refundId}`;

// ---------------------------------------------------------------- payloads

/** `push.<store>.order.<orderId>`: the order's new status after each decision. */
export interface OrderPush {
  readonly kind: 'order';
  readonly orderId: string;
  readonly status: string;
  /** The order actor's version: pushes arrive in any order, the highest wins. */
  readonly seq: number;
  readonly events: readonly string[];
  readonly at: number;
}

/** `catalog.<store>`: the catalog's new revision (ids `catalog:<store>:<rev>`). */
export interface CatalogChanged {
  readonly kind: 'catalog';
  readonly store: string;
  readonly rev: number;
}

/** `push.<store>.menu`: a SKU's level changed (ok / low / out). */
export interface StockLevelPush {
  readonly kind: 'stock';
  readonly skuId: string;
  readonly level: 'ok' | 'low' | 'out';
  readonly available: number;
  readonly at: number;
}

/**
 * `sync.<store>` (JetStream): what a delivery platform must learn. `stock`: a SKU's level changed
 * (id `sync:stock:<skuId>:<seq>`; `seq` is the stock actor's version, higher is newer); `catalog`:
 * the catalog's new revision (id `sync:catalog:<store>:<rev>`; the worker reads the menu).
 */
export type PlatformSyncChange =
  | {
      readonly kind: 'stock';
      readonly store: string;
      readonly skuId: string;
      readonly level: 'ok' | 'low' | 'out';
      readonly available: number;
      readonly seq: number;
      readonly at: number;
    }
  | { readonly kind: 'catalog'; readonly store: string; readonly rev: number; readonly at: number };

/** `push.<store>.board`: what the staff table board and kitchen load screen show. */
export type BoardPush =
  | {
      readonly kind: 'store';
      readonly status: string;
      readonly pending: Readonly<Record<string, number>>;
      readonly at: number;
    }
  | {
      readonly kind: 'table';
      readonly tableId: string;
      readonly label: string;
      readonly status: string;
      readonly partySize: number;
      readonly at: number;
    }
  | {
      readonly kind: 'order';
      readonly event: 'paid' | 'ready' | 'urge' | 'refund_requested' | 'refund';
      readonly orderId: string;
      readonly tableId: string | null;
      readonly at: number;
      readonly count?: number;
      readonly refundId?: string;
      readonly amountFen?: number;
    };

/** `refunds.<store>` (JetStream, id `refund:<orderId>:<refundId>`): the payment worker refunds this once. */
export interface RefundInstruction {
  readonly kind: 'refund';
  readonly orderId: string;
  readonly refundId: string;
  /** The provider's transaction id of the payment to refund from. */
  readonly paymentId: string | null;
  /**
   * WeChat Pay's out_trade_no of that payment when it is not the order id (a group-buy seat's
   * `gp_…`, a bargain's `bp_…`); null for an order paid under its own id. Absent in instructions
   * written before 6 Dec 2026 (read as null).
   */
  readonly outTradeNo?: string | null;
  readonly amountFen: number;
  readonly paidFen: number;
  readonly reason: string;
  readonly at: number;
}
