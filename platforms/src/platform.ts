/**
 * What every delivery platform adapter speaks, in our terms: the pushes a platform sends us
 * (new order, cancel, refund request, remind), the calls we make to it (stock, menu, order
 * status, and the reads reconciliation needs), and the adapter that turns both into and out of
 * the platform's own signed wire shape. Ids here are the platform's (`poi`, `sku`); the mapping
 * (`mapping.ts`) turns them into our stores and SKUs.
 */
import type { PlatformErrorCode } from './errors.js';

export const PLATFORMS = ['meituan', 'eleme'] as const;
export type PlatformName = (typeof PLATFORMS)[number];

export interface PushLine {
  readonly sku: string;
  readonly qty: number;
  readonly priceFen: number;
}

/** A platform's push, verified and in our terms (platform ids). */
export type PlatformPush =
  | {
      readonly kind: 'new';
      readonly poi: string;
      readonly platformOrderId: string;
      readonly lines: readonly PushLine[];
      readonly totalFen: number;
      readonly at: number;
    }
  | { readonly kind: 'cancel'; readonly poi: string; readonly platformOrderId: string; readonly reason: string }
  | {
      readonly kind: 'refund';
      readonly poi: string;
      readonly platformOrderId: string;
      readonly refundId: string;
      readonly reason: string;
    }
  | { readonly kind: 'remind'; readonly poi: string; readonly platformOrderId: string; readonly remindId: string };

/** Order statuses we tell a platform. */
export const ORDER_SYNC_STATUSES = [
  'confirmed',
  'ready',
  'delivered',
  'cancelled',
  'refund_agreed',
  'refund_refused',
] as const;
export type OrderSyncStatus = (typeof ORDER_SYNC_STATUSES)[number];

export interface StockItem {
  readonly sku: string;
  /** 0 shows the dish sold out on the platform. */
  readonly stock: number;
}

export interface MenuItem {
  readonly sku: string;
  readonly name: string;
  readonly priceFen: number;
}

/** A call we make to a platform. */
export type PlatformCall =
  | { readonly op: 'stock'; readonly poi: string; readonly items: readonly StockItem[] }
  | { readonly op: 'menu'; readonly poi: string; readonly items: readonly MenuItem[] }
  | {
      readonly op: 'order';
      readonly poi: string;
      readonly platformOrderId: string;
      readonly status: OrderSyncStatus;
      readonly reason?: string;
    }
  /** Reconciliation: the platform's menu and stock of a store. */
  | { readonly op: 'list'; readonly poi: string }
  /** Reconciliation: the platform's orders of a store. */
  | { readonly op: 'orders'; readonly poi: string };

/** What a read answers: the platform's view of a store. */
export interface PlatformView {
  readonly items: readonly (MenuItem & StockItem)[];
  readonly orders: readonly { readonly platformOrderId: string; readonly status: string }[];
}

/** A request on the wire (method POST), as the platform expects it. */
export interface WireRequest {
  readonly path: string;
  readonly contentType: string;
  readonly body: string;
}

/** An answer on the wire. */
export interface WireAnswer {
  readonly status: number;
  readonly body: string;
}

export type PushOutcome =
  { readonly ok: true } | { readonly ok: false; readonly code: PlatformErrorCode; readonly message: string };

/** A call's reply, read back from the platform's shape. */
export type CallReply =
  | { readonly ok: true; readonly view?: PlatformView }
  | { readonly ok: false; readonly code: PlatformErrorCode; readonly message: string };

/** One app's credentials on a platform (美团: app_id + secret; 饿了么: app key + secret + token). */
export interface AppCredentials {
  readonly appId: string;
  readonly secret: string;
}

/**
 * A platform's wire shape, both sides: what we do (verify its pushes, answer them, sign our
 * calls, read its replies) and what it does (sign pushes, read our answers, verify our calls,
 * answer them), so the simulator signs and verifies exactly like the real platform.
 */
export interface PlatformApi {
  readonly name: PlatformName;
  /** Our side: a push's path and raw body → the push (throws `PlatformError`). */
  verifyPush(path: string, body: string, nowMs: number): { push: PlatformPush; signature: string };
  answerPush(outcome: PushOutcome): WireAnswer;
  signCall(call: PlatformCall, nowMs: number): WireRequest;
  readReply(answer: WireAnswer, call: PlatformCall): CallReply;
  /** The platform's side. */
  signPush(push: PlatformPush, nowMs: number): WireRequest;
  readPushAnswer(answer: WireAnswer): PushOutcome;
  verifyCall(path: string, body: string, nowMs: number): { call: PlatformCall; signature: string };
  answerCall(reply: CallReply, call: PlatformCall): WireAnswer;
}
