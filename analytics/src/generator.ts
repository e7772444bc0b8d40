/**
 * A realistic history in the engine's own record format, for demos, tests and
 * the bench: N days × S stores of a Hunan/Sichuan chain, lunch and dinner
 * peaks, busier weekends, dine-in parties at tables, takeaway and delivery,
 * unpaid orders timing out, kitchen stations that slow down at the peak, stock
 * running low and out. Deterministic for a seed.
 *
 * Records are what the engine writes: `{k:'b', e, o, x: LogEntry[]}` with one
 * command's entries together (a placement's order, table and stock entries land
 * in one record) and several commands of a partition grouped as group commit
 * does. They come out in time order.
 */
import { partitionOf, type BatchRecord, type LogEntry } from '@lunchrush/engine/log';
import { chainTemplate, generateDemoData, seededRandom, type DemoData, type DemoStore } from '@lunchrush/actors/demo';
import type { Diner } from './generated-basket.js';
import { generateOrder } from './generated-order.js';
import { HOUR, TZ_OFFSET_MS, entry, normal, skusOf, type Cmd, type GeneratorRun } from './generator-run.js';

export interface HistoryOptions {
  stores?: number;
  days?: number;
  /** First local day, YYYY-MM-DD (default: `days` days before today). */
  start?: string;
  seed?: number;
  /** Average orders per store and day before weekday and store factors. */
  ordersPerStoreDay?: number;
  partitions?: number;
  /** Group commit: at most this many log entries per record. */
  entriesPerRecord?: number;
}

export interface GeneratedRecord {
  partition: number;
  /** Time of the newest command in the record (ms). */
  at: number;
  events: number;
  record: BatchRecord;
}

const WEEKDAY_FACTOR = [1.25, 0.85, 0.9, 0.95, 1.0, 1.15, 1.3]; // Sun…Sat

/** Local midnight (UTC+8) of a YYYY-MM-DD day, in ms. */
export function localMidnight(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - TZ_OFFSET_MS;
}

export function localDay(ms: number): string {
  return new Date(ms + TZ_OFFSET_MS).toISOString().slice(0, 10);
}

/** Generates records day by day; memory holds one day. */
export function* generateHistory(opts: HistoryOptions = {}): Generator<GeneratedRecord> {
  const stores = opts.stores ?? 20;
  const days = opts.days ?? 90;
  const seed = opts.seed ?? 20261101;
  const perDay = opts.ordersPerStoreDay ?? 210;
  const P = opts.partitions ?? 64;
  const perRecord = opts.entriesPerRecord ?? 32;
  const start = opts.start ?? localDay(Date.now() - days * 24 * HOUR);
  const rnd = seededRandom(seed);
  const demo = generateDemoData({ stores, seed });
  const template = chainTemplate();
  const menu = skusOf(template);
  const popular = menu.map((s) =>
    s.category === '招牌' || s.category === '热销' ? 3 : s.category === '主食' || s.category === '饮品' ? 2 : 1,
  );
  const storeFactor = demo.stores.map(() => 0.7 + rnd() * 0.6);
  const g: GeneratorRun = {
    rnd,
    menu,
    popular,
    stock: new Map<string, number>(),
    diners: new Map<string, Diner[]>(),
    orderNo: 0,
  };
  let epoch = 1;

  const first = localMidnight(start);
  for (let d = 0; d < days; d++) {
    const day0 = first + d * 24 * HOUR;
    const weekday = new Date(day0 + TZ_OFFSET_MS).getUTCDay();
    const cmds: Cmd[] = d === 0 ? setup(demo, day0) : [];
    demo.stores.forEach((s, si) => {
      cmds.push(restock(g, s, day0 + 9 * HOUR));
      const n = Math.round(perDay * WEEKDAY_FACTOR[weekday]! * storeFactor[si]! * (0.9 + rnd() * 0.2));
      storeDay(g, s, day0, n, cmds);
    });
    epoch++;
    yield* pack(cmds, { epoch, partitions: P, perRecord });
  }
}

/** A store's day: `n` arrivals around the lunch and dinner peaks, each an order's life. */
function storeDay(g: GeneratorRun, s: DemoStore, day0: number, n: number, cmds: Cmd[]): void {
  const { rnd } = g;
  const arrivals: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = rnd();
    let h: number;
    if (r < 0.46) h = 12.3 + normal(g) * 0.65;
    else if (r < 0.86) h = 18.6 + normal(g) * 0.8;
    else if (r < 0.95) h = 14.5 + rnd() * 2.5;
    else h = 20.3 + rnd() * 1.4;
    arrivals.push(day0 + Math.min(21.9, Math.max(10, h)) * HOUR + Math.floor(rnd() * 60_000));
  }
  arrivals.sort((a, b) => a - b);
  const tables = new Map<string, number>();
  for (const t of arrivals) {
    const hour = (t - day0) / HOUR;
    const busy = 1 + 0.5 * Math.exp(-(((hour - 12.3) / 0.7) ** 2)) + 0.4 * Math.exp(-(((hour - 18.6) / 0.8) ** 2));
    generateOrder(g, s, t, cmds, busy, tables);
  }
}

/** A day's commands as the engine's records: in time order, a partition's commands grouped as group commit does. */
function pack(cmds: Cmd[], o: { epoch: number; partitions: number; perRecord: number }): GeneratedRecord[] {
  cmds.sort((a, b) => a.at - b.at);
  const open = new Map<number, { at: number; first: number; x: LogEntry[]; events: number }>();
  const out: GeneratedRecord[] = [];
  const close = (p: number): void => {
    const r = open.get(p);
    if (r === undefined) return;
    open.delete(p);
    out.push({ partition: p, at: r.at, events: r.events, record: { k: 'b', e: o.epoch, o: 'generator', x: r.x } });
  };
  for (const c of cmds) {
    const p = partitionOf(c.store, o.partitions);
    let r = open.get(p);
    if (r !== undefined && (r.x.length + c.entries.length > o.perRecord || c.at - r.first > 2_000)) {
      close(p);
      r = undefined;
    }
    if (r === undefined) open.set(p, (r = { at: c.at, first: c.at, x: [], events: 0 }));
    r.x.push(...c.entries);
    r.at = c.at;
    r.events += c.entries.reduce((n, e) => n + (e.ev?.length ?? 0), 0);
  }
  for (const p of [...open.keys()]) close(p);
  return out.sort((a, b) => a.at - b.at);
}

/** The first morning: the chain's menu, every store configured and opened, its tables set up. */
function setup(demo: DemoData, day0: number): Cmd[] {
  const at = day0 + 7 * HOUR;
  const cmds: Cmd[] = [{ at, store: '000', entries: [entry('catalog', '000', 'menu', [{ type: 'Imported', at }])] }];
  for (const s of demo.stores) {
    cmds.push({
      at,
      store: s.storeId,
      entries: [
        entry('store', s.storeId, 'store', [
          { type: 'Configured', settings: s.settings, at },
          { type: 'Opened', at },
          { type: 'StatusChanged', status: 'open', at },
        ]),
        entry('catalog', s.storeId, 'menu', [{ type: 'TemplateSet', rev: 1, at }]),
        ...s.tables.map((t) => entry('table', s.storeId, t.tableId, [{ type: 'Configured', config: t.config, at }])),
      ],
    });
  }
  return cmds;
}

/** The morning count: every SKU set to its opening stock (at least 12). */
function restock(g: GeneratorRun, s: DemoStore, at: number): Cmd {
  const entries: LogEntry[] = [];
  for (const [skuId, n] of Object.entries(s.stock)) {
    const key = `${s.storeId}/${skuId}`;
    const before = g.stock.get(key) ?? 0;
    const available = Math.max(n, 12);
    g.stock.set(key, available);
    const ev: unknown[] = [{ type: 'StockSet', available, delta: available - before, reason: 'morning count', at }];
    if (before <= 5) ev.push({ type: 'LevelChanged', level: 'ok', available, at });
    entries.push(entry('stock', s.storeId, skuId, ev));
  }
  return { at, store: s.storeId, entries };
}
