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
import { type CatalogDoc, type OrderEvent } from '@lunchrush/actors';
import { chainTemplate, generateDemoData, seededRandom, type DemoStore } from '@lunchrush/actors/demo';

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

const HOUR = 3_600_000;
const MIN = 60_000;
const TZ_OFFSET_MS = 8 * HOUR;
const WEEKDAY_FACTOR = [1.25, 0.85, 0.9, 0.95, 1.0, 1.15, 1.3]; // Sun…Sat
const CHANNELS: [string, number][] = [
  ['dine_in', 0.64],
  ['takeaway', 0.15],
  ['delivery', 0.18],
  ['retail', 0.03],
];

interface Cmd {
  at: number;
  store: string;
  entries: LogEntry[];
}

type Sku = {
  skuId: string;
  spuId: string;
  name: string;
  spec: string;
  priceFen: number;
  costFen?: number;
  station: string;
  prepTimeSec: number;
  packagingFeeFen: number;
  category: string;
  channels: string[];
};

/** Local midnight (UTC+8) of a YYYY-MM-DD day, in ms. */
export function localMidnight(day: string): number {
  return Date.parse(`${day}T00:00:00Z`) - TZ_OFFSET_MS;
}

export function localDay(ms: number): string {
  return new Date(ms + TZ_OFFSET_MS).toISOString().slice(0, 10);
}

function skusOf(doc: CatalogDoc): Sku[] {
  return doc.spus.flatMap((spu) =>
    spu.skus.map((k) => ({
      skuId: k.skuId,
      spuId: spu.spuId,
      name: spu.name,
      spec: k.spec,
      priceFen: k.priceFen,
      ...(k.costFen === undefined ? {} : { costFen: k.costFen }),
      station: spu.station,
      prepTimeSec: spu.prepTimeSec,
      packagingFeeFen: spu.packagingFeeFen,
      category: spu.category,
      channels: spu.channels,
    })),
  );
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
  const stock = new Map<string, number>();
  let orderNo = 0;
  let epoch = 1;

  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const normal = (): number => {
    const u = 1 - rnd();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
  };
  const entry = (type: string, store: string, id: string, ev: unknown[]): LogEntry => ({ a: [type, store, id], ev });

  function pack(cmds: Cmd[]): GeneratedRecord[] {
    cmds.sort((a, b) => a.at - b.at);
    const open = new Map<number, { at: number; first: number; x: LogEntry[]; events: number }>();
    const out: GeneratedRecord[] = [];
    const close = (p: number): void => {
      const r = open.get(p);
      if (r === undefined) return;
      open.delete(p);
      out.push({ partition: p, at: r.at, events: r.events, record: { k: 'b', e: epoch, o: 'generator', x: r.x } });
    };
    for (const c of cmds) {
      const p = partitionOf(c.store, P);
      let r = open.get(p);
      if (r !== undefined && (r.x.length + c.entries.length > perRecord || c.at - r.first > 2_000)) {
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

  function setup(day0: number): Cmd[] {
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

  function restock(s: DemoStore, at: number): Cmd {
    const entries: LogEntry[] = [];
    for (const [skuId, n] of Object.entries(s.stock)) {
      const key = `${s.storeId}/${skuId}`;
      const before = stock.get(key) ?? 0;
      const available = Math.max(n, 12);
      stock.set(key, available);
      const ev: unknown[] = [{ type: 'StockSet', available, delta: available - before, reason: 'morning count', at }];
      if (before <= 5) ev.push({ type: 'LevelChanged', level: 'ok', available, at });
      entries.push(entry('stock', s.storeId, skuId, ev));
    }
    return { at, store: s.storeId, entries };
  }

  /** Takes units off a SKU: the stock events of a sale, with level changes. */
  function take(store: string, skuId: string, qty: number, ev: Record<string, unknown>, at: number): LogEntry {
    const key = `${store}/${skuId}`;
    const before = stock.get(key) ?? 0;
    const after = before - qty;
    stock.set(key, after);
    const events: unknown[] = [ev];
    if (after === 0 && before > 0) events.push({ type: 'LevelChanged', level: 'out', available: 0, at });
    else if (after <= 5 && before > 5) events.push({ type: 'LevelChanged', level: 'low', available: after, at });
    return entry('stock', store, skuId, events);
  }

  function order(s: DemoStore, t0: number, cmds: Cmd[], busy: number, tables: Map<string, number>): void {
    const store = s.storeId;
    const r = rnd();
    let acc = 0;
    let channel = 'dine_in';
    for (const [c, w] of CHANNELS)
      if (r < (acc += w)) {
        channel = c;
        break;
      }
    const forChannel: number[] = menu.map((k, i) =>
      k.channels.includes(channel) && (stock.get(`${store}/${k.skuId}`) ?? 0) > 2 ? popular[i]! : 0,
    );
    const total = forChannel.reduce((a, b) => a + b, 0);
    if (total === 0) return;
    const nLines = channel === 'retail' ? 1 : 1 + Math.floor(rnd() * 4);
    const chosen = new Map<string, number>();
    for (let i = 0; i < nLines; i++) {
      let x = rnd() * total;
      let k = 0;
      while ((x -= forChannel[k]!) > 0) k++;
      const sku = menu[k]!;
      chosen.set(sku.skuId, (chosen.get(sku.skuId) ?? 0) + (rnd() < 0.2 ? 2 : 1));
    }
    const orderId = `o_g${(++orderNo).toString(36)}`;
    const packaged = channel !== 'dine_in';
    const lines = [...chosen].map(([skuId, qty], i) => {
      const k = menu.find((m) => m.skuId === skuId)!;
      const unit = s.prices[skuId] ?? k.priceFen;
      return {
        lineNo: i + 1,
        skuId,
        spuId: k.spuId,
        name: k.name,
        spec: k.spec,
        qty,
        basePriceFen: unit,
        options: [],
        unitPriceFen: unit,
        amountFen: unit * qty,
        packagingFeeFen: packaged ? k.packagingFeeFen * qty : 0,
        ...(k.costFen === undefined ? {} : { costFen: k.costFen }),
        station: k.station,
        prepTimeSec: k.prepTimeSec,
      };
    });
    const itemsFen = lines.reduce((n, l) => n + l.amountFen, 0);
    const packagingFeeFen = lines.reduce((n, l) => n + l.packagingFeeFen, 0);
    const deliveryFeeFen = channel === 'delivery' && itemsFen < 8800 ? 500 : 0;
    const totalFen = itemsFen + packagingFeeFen + deliveryFeeFen;

    // Dine-in: a party sits at a free table and orders a few minutes later.
    let tableId: string | null = null;
    let sessionId: string | null = null;
    let placedAt = t0;
    if (channel === 'dine_in') {
      const free = s.tables.filter((t) => (tables.get(t.tableId) ?? 0) <= t0);
      if (free.length === 0) return; // full house: the party walks away
      const t = pick(free);
      tableId = t.tableId;
      sessionId = `s_${orderId.slice(2)}`;
      const party = 1 + Math.floor(rnd() * Math.min(6, t.config.seats));
      cmds.push({
        at: t0,
        store,
        entries: [
          entry('table', store, tableId, [
            { type: 'Seated', sessionId, partySize: party, dinerId: `d${orderNo}`, at: t0 },
          ]),
        ],
      });
      placedAt = t0 + (2 + rnd() * 6) * MIN;
      cmds.push({
        at: placedAt - 10_000,
        store,
        entries: [
          entry(
            'table',
            store,
            tableId,
            lines.map((l) => ({
              type: 'CartLineAdded',
              line: {
                lineId: `${orderId}-${l.lineNo}`,
                dinerId: `d${orderNo}`,
                skuId: l.skuId,
                qty: l.qty,
                options: [],
                note: null,
                name: l.name,
                spec: l.spec,
                unitPriceFen: l.unitPriceFen,
                addedAt: placedAt - 10_000,
              },
              at: placedAt - 10_000,
            })),
          ),
        ],
      });
    }
    const holds = lines.map((l) => ({ skuId: l.skuId, qty: l.qty }));
    const created: OrderEvent = {
      type: 'Created',
      channel: channel as 'dine_in',
      dinerId: `d${orderNo}`,
      tableId,
      tableLabel: null,
      sessionId,
      delivery: channel === 'delivery' ? { address: '五一大道 1 号', contact: '王先生', phone: '13800000000' } : null,
      lines,
      itemsFen,
      packagingFeeFen,
      deliveryFeeFen,
      discountFen: 0,
      totalFen,
      catalogRev: 1,
      holdRef: orderId,
      holds,
      at: placedAt,
    };
    const deadline = placedAt + 15 * MIN;
    cmds.push({
      at: placedAt,
      store,
      entries: [
        ...(tableId === null
          ? []
          : [
              entry('table', store, tableId, [
                {
                  type: 'CartSubmitted',
                  orderId,
                  lineIds: lines.map((l) => `${orderId}-${l.lineNo}`),
                  totalFen,
                  dinerId: `d${orderNo}`,
                  at: placedAt,
                },
              ]),
            ]),
        entry('order', store, orderId, [created, { type: 'PaymentRequested', deadline, at: placedAt }]),
        ...holds.map((h) =>
          entry('stock', store, h.skuId, [
            { type: 'Reserved', key: `miniprogram:${orderId}`, channel: 'miniprogram', qty: h.qty, at: placedAt },
          ]),
        ),
      ],
    });

    let leaveAt: number;
    if (rnd() < 0.075) {
      // Never paid: the payment timer cancels it and releases the stock.
      cmds.push({
        at: deadline,
        store,
        entries: [
          entry('order', store, orderId, [
            { type: 'Cancelled', by: { role: 'system', id: 'engine' }, reason: 'payment_timeout', at: deadline },
          ]),
          ...holds.map((h) =>
            entry('stock', store, h.skuId, [
              { type: 'Released', key: `miniprogram:${orderId}`, qty: h.qty, reason: 'payment_timeout', at: deadline },
            ]),
          ),
          ...(tableId === null
            ? []
            : [entry('table', store, tableId, [{ type: 'OrderCancelledNoted', orderId, at: deadline }])]),
        ],
      });
      leaveAt = deadline + 2 * MIN;
    } else {
      const paidAt = placedAt + (15 + rnd() * 100) * 1_000;
      cmds.push({
        at: paidAt,
        store,
        entries: [
          entry('order', store, orderId, [
            { type: 'Paid', paymentId: `wx${orderNo}`, amountFen: totalFen, paidAt, at: paidAt },
          ]),
          ...holds.map((h) =>
            take(
              store,
              h.skuId,
              h.qty,
              { type: 'Committed', key: `miniprogram:${orderId}`, qty: h.qty, at: paidAt },
              paidAt,
            ),
          ),
          ...(tableId === null
            ? []
            : [entry('table', store, tableId, [{ type: 'OrderPaidNoted', orderId, at: paidAt }])]),
        ],
      });
      const acceptedAt = paidAt + (20 + rnd() * 120) * 1_000;
      const stations = [...new Set(lines.map((l) => l.station))];
      cmds.push({
        at: acceptedAt,
        store,
        entries: [
          entry('order', store, orderId, [
            { type: 'Accepted', by: { role: 'staff', id: 'pos' }, at: acceptedAt },
            { type: 'SentToKitchen', stations, at: acceptedAt },
          ]),
          entry('store', store, 'store', [{ type: 'TicketsOpened', orderId, stations, at: acceptedAt }]),
        ],
      });
      let readyAt = acceptedAt;
      const dones: [string, number][] = [];
      for (const st of stations) {
        const prep = Math.max(...lines.filter((l) => l.station === st).map((l) => l.prepTimeSec));
        const startAt = acceptedAt + (10 + rnd() * 90 * busy) * 1_000;
        const doneAt = startAt + prep * (0.7 + rnd() * 0.6) * busy * 1_000;
        cmds.push({
          at: startAt,
          store,
          entries: [entry('order', store, orderId, [{ type: 'StationStarted', station: st, at: startAt }])],
        });
        dones.push([st, doneAt]);
        readyAt = Math.max(readyAt, doneAt);
      }
      let readyDone = false;
      for (const [st, doneAt] of dones) {
        const last = !readyDone && doneAt === readyAt;
        if (last) readyDone = true;
        cmds.push({
          at: doneAt + (last ? 1 : 0),
          store,
          entries: [
            entry('order', store, orderId, [
              { type: 'StationDone', station: st, at: doneAt },
              ...(last ? [{ type: 'Ready', at: doneAt }] : []),
            ]),
            entry('store', store, 'store', [{ type: 'TicketsClosed', orderId, stations: [st], at: doneAt }]),
          ],
        });
      }
      const servedAt = readyAt + (30 + rnd() * 150) * 1_000;
      cmds.push({
        at: servedAt,
        store,
        entries: [
          entry('order', store, orderId, [{ type: 'Served', by: { role: 'staff', id: 'waiter' }, at: servedAt }]),
        ],
      });
      // One paid order in 50 has its first line refunded after serving, approved by the manager and
      // paid back by WeChat a minute later (decided from the order number, so the random stream, and
      // with it every other figure of a history, is what it was before refunds were generated).
      if (orderNo % 50 === 7) {
        const l = lines[0]!;
        const refund = {
          refundId: `r${orderNo}`,
          full: false,
          lines: [{ lineNo: l.lineNo, qty: l.qty }],
          amountFen: l.amountFen,
          reason: '菜品口味问题',
          by: { role: 'manager', id: 'm1' },
          status: 'requested',
          at: servedAt + 5 * MIN,
        };
        cmds.push({
          at: servedAt + 5 * MIN,
          store,
          entries: [
            entry('order', store, orderId, [
              { type: 'RefundRequested', refund, at: servedAt + 5 * MIN },
              { type: 'RefundApproved', refundId: refund.refundId, by: refund.by, at: servedAt + 5 * MIN },
            ]),
          ],
        });
        cmds.push({
          at: servedAt + 6 * MIN,
          store,
          entries: [
            entry('order', store, orderId, [
              { type: 'RefundCompleted', refundId: refund.refundId, at: servedAt + 6 * MIN },
            ]),
          ],
        });
      }
      cmds.push({
        at: servedAt + 30 * MIN,
        store,
        entries: [entry('order', store, orderId, [{ type: 'Completed', at: servedAt + 30 * MIN }])],
      });
      leaveAt = servedAt + (15 + rnd() * 40) * MIN;
    }
    if (tableId !== null) {
      cmds.push({
        at: leaveAt,
        store,
        entries: [
          entry('table', store, tableId, [
            { type: 'SessionClosed', by: { role: 'staff', id: 'waiter' }, droppedLines: 0, at: leaveAt },
          ]),
        ],
      });
      const cleanAt = leaveAt + (2 + rnd() * 4) * MIN;
      cmds.push({ at: cleanAt, store, entries: [entry('table', store, tableId, [{ type: 'Cleaned', at: cleanAt }])] });
      tables.set(tableId, cleanAt);
    }
  }

  const first = localMidnight(start);
  for (let d = 0; d < days; d++) {
    const day0 = first + d * 24 * HOUR;
    const weekday = new Date(day0 + TZ_OFFSET_MS).getUTCDay();
    const cmds: Cmd[] = d === 0 ? setup(day0) : [];
    demo.stores.forEach((s, si) => {
      cmds.push(restock(s, day0 + 9 * HOUR));
      const n = Math.round(perDay * WEEKDAY_FACTOR[weekday]! * storeFactor[si]! * (0.9 + rnd() * 0.2));
      const arrivals: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = rnd();
        let h: number;
        if (r < 0.46) h = 12.3 + normal() * 0.65;
        else if (r < 0.86) h = 18.6 + normal() * 0.8;
        else if (r < 0.95) h = 14.5 + rnd() * 2.5;
        else h = 20.3 + rnd() * 1.4;
        arrivals.push(day0 + Math.min(21.9, Math.max(10, h)) * HOUR + Math.floor(rnd() * 60_000));
      }
      arrivals.sort((a, b) => a - b);
      const tables = new Map<string, number>();
      for (const t of arrivals) {
        const hour = (t - day0) / HOUR;
        const busy = 1 + 0.5 * Math.exp(-(((hour - 12.3) / 0.7) ** 2)) + 0.4 * Math.exp(-(((hour - 18.6) / 0.8) ** 2));
        order(s, t, cmds, busy, tables);
      }
    });
    epoch++;
    yield* pack(cmds);
  }
}
