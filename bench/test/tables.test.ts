import { describe, expect, it } from 'vitest';
import type { DemoStore } from '@lunchrush/actors/demo';
import type { Api } from '../src/api.js';
import { Tables } from '../src/tables.js';

/**
 * The bench's own client logic (no server): a stand-in for the HTTP calls a turnover makes, which
 * records when each party left and whether an order ran while its table was turning over.
 */
function fakeApi() {
  const log = { closes: 0, turning: false, overlaps: 0 };
  const tick = () => new Promise<void>((r) => setTimeout(r, 1));
  const api = {
    login: (name: string) => Promise.resolve({ token: `t-${name}`, dinerId: name }),
    scan: async (token: string) => {
      await tick();
      return `${token}+`;
    },
    tableAction: async (_store: string, _table: string, action: 'close' | 'cleaned') => {
      if (action === 'close') {
        log.closes++;
        log.turning = true;
      }
      await tick();
      if (action === 'cleaned') log.turning = false;
      return { code: 'ok', status: 200, body: {} };
    },
  };
  return { api: api as unknown as Api, log };
}

const store = { storeId: '001', tables: [{ tableId: 'A01' }] } as unknown as DemoStore;

describe('bench tables', () => {
  it('a party places at most its orders, even with many arrivals on their way at once', async () => {
    const { api, log } = fakeApi();
    const tables = await Tables.seat(api, [store], 1, () => undefined, { ordersPerParty: [3, 3] });
    log.closes = 0; // seating closes the table once
    const parties: number[] = [];
    // 20 arrivals at one table at the same moment, as an open loop sends them under overload.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        tables.withDiner(i, async () => {
          if (log.turning) log.overlaps++;
          const party = log.closes;
          await new Promise((r) => setTimeout(r, 2));
          parties.push(party);
          return { placed: true, value: undefined };
        }),
      ),
    );
    await tables.settle();
    const perParty = new Map<number, number>();
    for (const p of parties) perParty.set(p, (perParty.get(p) ?? 0) + 1);
    expect(parties).toHaveLength(20);
    expect(Math.max(...perParty.values())).toBe(3);
    expect(tables.turned).toBe(6); // 20 orders, 3 a party: six parties left, the seventh is seated
    expect(log.overlaps).toBe(0);
  });

  it('an order that was refused gives its place to the next arrival', async () => {
    const { api } = fakeApi();
    const tables = await Tables.seat(api, [store], 1, () => undefined, { ordersPerParty: [2, 2] });
    let n = 0;
    const placed = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        tables.withDiner(i, async () => {
          await new Promise((r) => setTimeout(r, 1));
          const ok = ++n % 2 === 0; // every other one refused
          return { placed: ok, value: ok };
        }),
      ),
    );
    await tables.settle();
    expect(placed.filter(Boolean)).toHaveLength(3);
    expect(tables.turned).toBe(1);
  });
});
