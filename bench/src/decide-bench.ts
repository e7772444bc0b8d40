/**
 * The actors' share of an order, without I/O: diner orders placed through their tables in a
 * MemoryRuntime (the same deciders, transactions and calls the engine runs; no log, no codec).
 * Reports CPU time per order, so a change to the domain's hot path can be weighed on its own.
 *
 *   node --import tsx bench/src/decide-bench.ts [--orders 20000] [--lines 1-6]
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/src/decide-bench.ts
 */
import { parseArgs } from 'node:util';
import { MemoryRuntime } from '@lunchrush/engine';
import { restaurantActors, tableRef } from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';

const { values } = parseArgs({
  options: { orders: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } },
});
const ORDERS = Number(values.orders);
const T0 = Date.UTC(2026, 11, 4, 4, 0);

const data = generateDemoData({ stores: 1, seed: 7 });
const store = data.stores[0]!;
// Dishes a diner can order without choosing an option (a required choice is the diner's, not the bench's).
const plain = new Set(
  data.template.spus
    .filter((s) => (s.optionGroups ?? []).every((g) => (g.min ?? 0) === 0))
    .filter((s) => s.channels === undefined || s.channels.includes('dine_in'))
    .filter((s) => s.windows === undefined || s.windows.length === 0)
    .flatMap((s) => s.skus.map((k) => k.skuId)),
);
const skus = Object.entries(store.stock)
  .filter(([id, n]) => n > 0 && plain.has(id))
  .map(([id]) => id);

function setup(): MemoryRuntime {
  const rt = new MemoryRuntime(restaurantActors, { checkCalls: false });
  for (const c of demoSetupCommands(data, T0)) {
    const r = rt.send(c.ref, c.command, { id: c.id });
    if (!r.ok) throw new Error(`setup ${c.id}: ${r.message}`);
  }
  // Plenty of stock: the bench measures placing, not selling out.
  for (const skuId of skus)
    rt.send({ store: store.storeId, type: 'stock', id: skuId }, { type: 'restock', qty: 1_000_000, at: T0 });
  store.tables.forEach((t, i) => {
    const r = rt.send(tableRef(store.storeId, t.tableId), {
      type: 'open',
      sessionId: `s${i}`,
      partySize: 2,
      dinerId: `d${i}`,
      at: T0,
    });
    if (!r.ok) throw new Error(`open ${t.tableId}: ${r.message}`);
  });
  return rt;
}

let seed = 1;
const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

function run(rt: MemoryRuntime, n: number, from: number): number {
  let refused = 0;
  for (let i = 0; i < n; i++) {
    const t = store.tables[i % store.tables.length]!;
    const lines = new Map<string, number>();
    const count = 1 + Math.floor(rnd() * 6);
    for (let k = 0; k < count; k++) {
      const s = skus[Math.floor(rnd() * skus.length)]!;
      lines.set(s, (lines.get(s) ?? 0) + 1);
    }
    const r = rt.send(tableRef(store.storeId, t.tableId), {
      type: 'submit',
      orderId: `o_${store.storeId}_${(from + i).toString(36)}`,
      dinerId: `d${i % store.tables.length}`,
      lines: [...lines].map(([skuId, qty]) => ({ skuId, qty, options: [] })),
      at: T0 + i,
    });
    // The runtime keeps every entry it logs; the engine's partition does not (they are in JetStream).
    if (i % 1000 === 999) rt.log.length = rt.outputs.length = 0;
    // The party leaves after three orders and the next sits down (a session's order list stays short, as at a lunch rush).
    if (i % (3 * store.tables.length) >= 2 * store.tables.length) turnover(rt, i, t.tableId);
    if (!r.ok) {
      refused++;
      if (refused === 1 && process.env.DEBUG) console.log(r);
    }
  }
  return refused;
}

const STAFF = { role: 'staff', id: 'bench' } as const;

function turnover(rt: MemoryRuntime, i: number, tableId: string): void {
  const ref = tableRef(store.storeId, tableId);
  for (const command of [
    { type: 'close', by: STAFF, force: true, at: T0 + i },
    { type: 'cleaned', at: T0 + i },
    { type: 'open', sessionId: `s${i}`, partySize: 2, dinerId: `d${i % store.tables.length}`, at: T0 + i },
  ]) {
    const r = rt.send(ref, command);
    if (!r.ok) throw new Error(`${command.type} ${tableId}: ${r.message}`);
  }
}

const rounds = Number(values.rounds);
for (let round = 0; round < rounds; round++) {
  const rt = setup();
  const c0 = process.cpuUsage();
  const refused = run(rt, ORDERS, round * ORDERS);
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / ORDERS;
  console.log(`round ${round + 1}: ${ORDERS} orders, ${refused} refused, ${us.toFixed(1)} µs CPU per order`);
}
