/**
 * How the head of a store's sync list becomes one platform call (pure). A platform's stock call
 * sets each SKU's stock to a number, so only the newest of several waiting changes of one SKU
 * matters to it: the stock changes at the head go in one call, each SKU once with its newest
 * level, up to `max` SKUs. Sending the superseded levels as well (the platform showing each for a
 * moment) would cost a call per level, and a store whose SKUs flap under a rush would fall
 * further behind at the platform's rate limit with every change. A change older than what the
 * platform already has (`seq` at or below the last sent or waiting, e.g. a redelivery) is dropped.
 *
 * A catalog change is a barrier: the stock changes before it go first, then the menu (a dish
 * the platform lacks must exist before its stock is set), then what came after. Consecutive
 * catalog changes are one call: the menu is read when it is sent, so the newest covers all.
 * Order statuses (the orders lane) are a call each, in order.
 */
import type { OutboxEntry } from './outbox.js';

type StockEntry = Extract<OutboxEntry, { kind: 'stock' }>;

export type Batch =
  | {
      readonly kind: 'stock';
      readonly store: string;
      /** How many entries of the head the call covers (removed once it is acknowledged). */
      readonly take: number;
      /** What the call sends: the newest waiting change of each SKU, not older than what was sent. */
      readonly send: readonly StockEntry[];
      /** Every change the call covers, superseded ones too (their lag ends with it). */
      readonly covered: readonly StockEntry[];
    }
  | {
      readonly kind: 'catalog';
      readonly store: string;
      readonly take: number;
      readonly entry: OutboxEntry;
      /** One of the changes asks for the whole menu (a repair). */
      readonly full: boolean;
    }
  | { readonly kind: 'order'; readonly store: string; readonly take: number; readonly entry: OutboxEntry };

export const seqKey = (store: string, skuId: string): string => `${store}/${skuId}`;

export function nextBatch(
  head: readonly OutboxEntry[],
  sent: ReadonlyMap<string, number>,
  max: number,
): Batch | undefined {
  const first = head[0];
  if (first === undefined) return undefined;
  if (first.kind === 'order') return { kind: 'order', store: first.store, take: 1, entry: first };
  if (first.kind === 'catalog') {
    let take = 1;
    let full = first.full === true;
    for (let e = head[take]; e?.kind === 'catalog' && e.store === first.store; e = head[++take])
      full ||= e.full === true;
    return { kind: 'catalog', store: first.store, take, entry: head[take - 1]!, full };
  }
  const newest = new Map<string, StockEntry>();
  const covered: StockEntry[] = [];
  for (const e of head) {
    if (e.kind !== 'stock' || e.store !== first.store) break;
    const had = newest.get(e.skuId);
    if (had === undefined && newest.size === max) break;
    // A redelivered change comes after newer ones: the stock actor's version, not the place, says which is newer.
    if (had?.seq === undefined || e.seq === undefined || e.seq > had.seq) newest.set(e.skuId, e);
    covered.push(e);
  }
  const send: StockEntry[] = [];
  for (const e of newest.values()) {
    const had = sent.get(seqKey(e.store, e.skuId));
    if (e.seq === undefined || had === undefined || e.seq > had) send.push(e);
  }
  return { kind: 'stock', store: first.store, take: covered.length, send, covered };
}
