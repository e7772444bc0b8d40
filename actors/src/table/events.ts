/**
 * What happens at a table (`TableEvent`), and the records its session keeps:
 * the party, the shared cart's lines, the orders placed.
 */
import type { Actor } from '../domain.js';
import type { Fen } from '../money.js';
import type { OptionPick } from '../pricing.js';
import type { TableConfig } from './commands.js';

export interface CartLine {
  readonly lineId: string;
  readonly dinerId: string;
  readonly skuId: string;
  readonly qty: number;
  readonly options: readonly OptionPick[];
  readonly note: string | null;
  /** For display only; the order prices the lines again from the catalog. */
  readonly name: string;
  readonly spec: string;
  readonly unitPriceFen: Fen;
  readonly addedAt: number;
}

export interface SessionOrder {
  readonly orderId: string;
  readonly state: 'unpaid' | 'paid' | 'cancelled';
  readonly totalFen: Fen;
}

export interface TableSession {
  readonly sessionId: string;
  readonly partySize: number;
  readonly openedAt: number;
  readonly diners: readonly string[];
  readonly cart: readonly CartLine[];
  readonly orders: readonly SessionOrder[];
  /** Tables whose parties merged into this session. */
  readonly mergedFrom: readonly string[];
}

export type TableStatus = 'free' | 'seated' | 'ordering' | 'awaiting_payment' | 'cleaning' | 'merged';

export type TableEvent =
  | { type: 'Configured'; config: TableConfig; at: number }
  | { type: 'Seated'; sessionId: string; partySize: number; dinerId: string; at: number }
  | { type: 'DinerJoined'; dinerId: string; at: number }
  | { type: 'CartLineAdded'; line: CartLine; at: number }
  | { type: 'CartLineUpdated'; lineId: string; qty: number; at: number }
  | { type: 'CartLineRemoved'; lineId: string; at: number }
  | { type: 'CartSubmitted'; orderId: string; lineIds: readonly string[]; totalFen: Fen; dinerId: string; at: number }
  | { type: 'OrderPaidNoted'; orderId: string; at: number }
  | { type: 'OrderCancelledNoted'; orderId: string; at: number }
  | { type: 'SessionClosed'; by: Actor; droppedLines: number; at: number }
  | { type: 'Cleaned'; at: number }
  | { type: 'MergedInto'; tableId: string; at: number }
  | { type: 'Absorbed'; fromTableId: string; session: TableSession; at: number }
  | { type: 'TransferredOut'; tableId: string; at: number }
  | { type: 'SessionReceived'; fromTableId: string; session: TableSession; at: number }
  | { type: 'Released'; at: number };
