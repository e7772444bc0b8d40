/**
 * The generated history holds the co-purchase structure recommendations learn from
 * (`src/generated-basket.ts`): listed pairs go together far more often than chance, diners
 * come back, carts grow with the party, availability windows hold. Pure: no servers.
 */
import { describe, expect, it } from 'vitest';
import { isWithin, type OrderEvent } from '@lunchrush/actors';
import { chainTemplate } from '@lunchrush/actors/demo';
import { generateHistory } from '@lunchrush/analytics';

type Created = Extract<OrderEvent, { type: 'Created' }>;

function created(): { orders: Created[]; parties: Map<string, number> } {
  const orders: Created[] = [];
  const parties = new Map<string, number>();
  for (const r of generateHistory({ stores: 2, days: 14, start: '2026-11-02', ordersPerStoreDay: 160 }))
    for (const e of r.record.x)
      for (const ev of (e.ev ?? []) as { type: string; sessionId?: string; partySize?: number }[]) {
        if (e.a[0] === 'order' && ev.type === 'Created') orders.push(ev as unknown as Created);
        if (e.a[0] === 'table' && ev.type === 'Seated') parties.set(ev.sessionId!, ev.partySize!);
      }
  return { orders, parties };
}

const { orders, parties } = created();
const spus = (o: Created): Set<string> => new Set(o.lines.map((l) => l.spuId));

/** How many times more often two dishes share an order than if they were drawn independently. */
function lift(a: string, b: string): number {
  const n = orders.length;
  const na = orders.filter((o) => spus(o).has(a)).length;
  const nb = orders.filter((o) => spus(o).has(b)).length;
  const both = orders.filter((o) => spus(o).has(a) && spus(o).has(b)).length;
  return (both * n) / (na * nb);
}

describe('generated carts', () => {
  it('listed pairs go together: lift well above 1', () => {
    expect(orders.length).toBeGreaterThan(3000);
    expect(lift('kouwei-xia', 'qingdao-pijiu')).toBeGreaterThan(2);
    expect(lift('kele-jichi', 'kekou-kele')).toBeGreaterThan(2);
    expect(lift('niurou-mian', 'jiucai-hezi')).toBeGreaterThan(2);
  });

  it('diners come back: most orders are by regulars who ordered before', () => {
    const byDiner = new Map<string, number>();
    for (const o of orders) byDiner.set(o.dinerId, (byDiner.get(o.dinerId) ?? 0) + 1);
    const repeat = [...byDiner.values()].filter((n) => n > 1).reduce((a, b) => a + b, 0);
    expect(repeat / orders.length).toBeGreaterThan(0.5);
  });

  it('a bigger party orders more lines', () => {
    const dineIn = orders.filter((o) => o.sessionId !== null && parties.has(o.sessionId));
    const mean = (xs: Created[]): number => xs.reduce((n, o) => n + o.lines.length, 0) / xs.length;
    const small = dineIn.filter((o) => parties.get(o.sessionId!)! <= 2);
    const large = dineIn.filter((o) => parties.get(o.sessionId!)! >= 5);
    expect(large.length).toBeGreaterThan(50);
    expect(mean(large)).toBeGreaterThan(mean(small) + 1.5);
  });

  it('no dish is sold outside its availability window', () => {
    const windows = new Map(chainTemplate().spus.map((s) => [s.spuId, s.windows]));
    const outside = orders.filter((o) => o.lines.some((l) => !isWithin(windows.get(l.spuId), o.at, 480)));
    expect(outside).toEqual([]);
  });
});
