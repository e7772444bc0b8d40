/**
 * How the head of an outbox becomes one platform call (pure). Stock changes of one store go
 * together, up to `max` and never two of the same SKU in one call (so every change a SKU went
 * through is sent, in order); a change older than what the platform already has (`seq` at or
 * below the last sent, e.g. a redelivery) is dropped. A catalog change or an order status is a
 * call of its own.
 */
import type { OutboxEntry } from './outbox.js';

export type Batch =
  | {
      readonly kind: 'stock';
      readonly store: string;
      readonly take: number;
      readonly send: readonly Extract<OutboxEntry, { kind: 'stock' }>[];
    }
  | { readonly kind: 'catalog' | 'order'; readonly store: string; readonly take: 1; readonly entry: OutboxEntry };

export const seqKey = (store: string, skuId: string): string => `${store}/${skuId}`;

export function nextBatch(
  head: readonly OutboxEntry[],
  sent: ReadonlyMap<string, number>,
  max: number,
): Batch | undefined {
  const first = head[0];
  if (first === undefined) return undefined;
  if (first.kind !== 'stock') return { kind: first.kind, store: first.store, take: 1, entry: first };
  const send: Extract<OutboxEntry, { kind: 'stock' }>[] = [];
  const skus = new Set<string>();
  let take = 0;
  for (const e of head) {
    if (e.kind !== 'stock' || e.store !== first.store || skus.has(e.skuId) || send.length === max) break;
    take++;
    const had = sent.get(seqKey(e.store, e.skuId));
    if (e.seq !== undefined && had !== undefined && e.seq <= had) continue;
    skus.add(e.skuId);
    send.push(e);
  }
  return { kind: 'stock', store: first.store, take, send };
}
