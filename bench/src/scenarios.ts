/**
 * The scenarios. Each takes a running target (url + the demo data it was seeded
 * with) and returns a result object; correctness counters (oversold, undersold,
 * lost) are in `correctness`, and the CLI exits non-zero when any is not 0.
 */
import type { DemoData, DemoStore } from '@lunchrush/actors/demo';
import WebSocket from 'ws';
import { Api, pool } from './api.js';
import { cpuPerUnit, type CpuMeter } from './cpu.js';
import { Recorder, histogram, openLoop, summarize, type LatencySummary } from './stats.js';
import { Tables, type Diner } from './tables.js';

export interface RunOptions {
  readonly url: string;
  /** The payment simulator's own server (lunchrush started by the bench); else the target's route. */
  readonly simulatorUrl?: string;
  readonly data: DemoData;
  readonly rate: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly progress: boolean;
  readonly log: (m: string) => void;
  /** failover: called once, `killAtS` into the measured phase. */
  readonly onKill?: () => void;
  readonly killAtS?: number;
  readonly clients?: number;
  readonly units?: number;
  readonly diners?: number;
  readonly bound?: number;
  /** Started and stopped around the measured phase (lunch-rush, flash-sale): CPU by role. */
  readonly cpu?: CpuMeter;
  /** Fraction of diner orders that go on to pay through the simulator (default 1). */
  readonly payRatio?: number;
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly target: string;
  readonly rate: number;
  readonly durationS: number;
  readonly summary: Record<string, unknown>;
  readonly ops: ReturnType<Recorder['summary']>;
  readonly timeline: Recorder['timeline'];
  readonly correctness: { oversold?: number; undersold?: number; lost?: number };
  readonly extra?: Record<string, unknown>;
}

const errorsOf = (ops: ReturnType<Recorder['summary']>, skip = ''): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [op, s] of Object.entries(ops).filter(([k]) => k !== skip))
    for (const [code, n] of Object.entries(s.errors)) out[`${op}: ${code}`] = (out[`${op}: ${code}`] ?? 0) + n;
  return out;
};

/** SKUs an order can name without options, on every channel, all day. */
export function orderableSkus(data: DemoData): string[] {
  return data.template.spus
    .filter(
      (s) =>
        s.available &&
        s.optionGroups.every((g) => g.min === 0) &&
        s.windows.length === 0 &&
        ['dine_in', 'delivery', 'takeaway'].every((c) => s.channels.includes(c as never)),
    )
    .flatMap((s) => s.skus.map((k) => k.skuId));
}

async function stockEverything(api: Api, stores: readonly DemoStore[], skus: string[], units: number) {
  const all = stores.flatMap((s) => skus.map((sku) => [s.storeId, sku] as const));
  await pool(all, 32, ([store, sku]) => api.setStock(store, sku, units));
}

/** lunch-rush's arrival: a diner order (menu read + order + pay + status) or a POS / delivery sale. */
function lunchArrival(api: Api, rec: Recorder, tables: Tables, skus: string[], acked?: AckedOrder[], payRatio = 1) {
  const diners = tables.diners;
  const pick = (): string => skus[Math.floor(Math.random() * skus.length)]!;
  const lines = (n: number): { skuId: string; qty: number }[] => {
    const m = new Map<string, number>();
    for (let k = 0; k < n; k++) {
      const s = pick();
      m.set(s, (m.get(s) ?? 0) + 1 + Math.floor(Math.random() * 2));
    }
    return [...m].map(([skuId, qty]) => ({ skuId, qty }));
  };
  let sale = 0;
  const run = Math.random().toString(36).slice(2, 8);
  return async (dueAt: number, i: number): Promise<void> => {
    const kind = i % 10;
    const d = diners[i % diners.length]!;
    if (kind === 0 || kind === 1) {
      const ref = `b${run}x${(++sale).toString(36)}`;
      const r =
        kind === 0
          ? await api.posSale(d.store, ref, lines(1 + Math.floor(Math.random() * 3)))
          : await api.deliveryOrder(d.store, ref, lines(1 + Math.floor(Math.random() * 3)));
      rec.record(kind === 0 ? 'pos' : 'delivery', performance.now() - dueAt, r.code);
      return;
    }
    await tables.withDiner(i, async (d) => ({ placed: await dinerOrder(d, dueAt), value: undefined }));
  };

  /** Menu read + order (+ pay + status): whether an order was placed at the table. */
  async function dinerOrder(d: Diner, dueAt: number): Promise<boolean> {
    const menu = api.menu(d.store).then((r) => rec.record('menu', performance.now() - dueAt, r.code));
    const placed = await api.placeOrder(d.token, lines(1 + Math.floor(Math.random() * 6)));
    const t1 = performance.now();
    rec.record('order', t1 - dueAt, placed.code);
    await menu;
    if (placed.code !== 'ok') return false;
    const orderId = placed.body.order.orderId;
    const entry: AckedOrder | undefined = acked === undefined ? undefined : { orderId, token: d.token, at: t1 };
    if (entry !== undefined) acked!.push(entry);
    if (Math.random() >= payRatio) return true;
    const pay = await api.prepay(d.token, orderId);
    const t2 = performance.now();
    rec.record('pay', t2 - t1, pay.code);
    if (pay.code !== 'ok') return true;
    const sim = await api.simulatePay(pay.body.prepayId);
    const t3 = performance.now();
    const cb = sim.body?.callbackStatus;
    rec.record('simpay', t3 - t2, sim.code === 'ok' && cb !== undefined && cb >= 300 ? `callback ${cb}` : sim.code);
    const st = await api.order(d.token, orderId);
    const paid = st.code === 'ok' && st.body.status !== 'pending_payment';
    if (paid && entry !== undefined) entry.paid = true;
    rec.record('status', performance.now() - t3, st.code === 'ok' && !paid ? 'not_paid' : st.code);
    return true;
  }
}

interface AckedOrder {
  readonly orderId: string;
  readonly token: string;
  readonly at: number;
  /** Seen paid through the API: must still be paid (or later) afterwards. */
  paid?: boolean;
}

/** Stock on every orderable SKU, diners seated; parties leave after `ordersPerParty` orders. */
async function lunchSetup(o: RunOptions, api: Api, ordersPerParty: readonly [number, number] = [2, 6]) {
  const skus = orderableSkus(o.data);
  o.log(`stocking ${o.data.stores.length} stores × ${skus.length} SKUs`);
  await stockEverything(api, o.data.stores, skus, 1_000_000);
  const tables = await Tables.seat(api, o.data.stores, o.diners ?? 400, o.log, { ordersPerParty });
  return { skus, tables };
}

async function warmup(o: RunOptions, rec: Recorder, fire: (dueAt: number, i: number) => Promise<void>) {
  if (o.warmupS <= 0) return;
  o.log(`warming up ${o.warmupS} s at ${Math.max(1, Math.round(o.rate / 2))}/s`);
  await openLoop({ rate: Math.max(1, Math.round(o.rate / 2)), durationS: o.warmupS, fire });
  void rec;
}

export async function lunchRush(o: RunOptions, scenario = 'lunch-rush'): Promise<ScenarioResult> {
  const api = new Api(o.url, o.connections, o.simulatorUrl);
  try {
    const { skus, tables } = await lunchSetup(o, api);
    const rec = new Recorder('order', o.progress);
    tables.onTurnover = (ms, code) => rec.record('turnover', ms, code);
    const acked: AckedOrder[] = [];
    const fire = lunchArrival(api, rec, tables, skus, acked, o.payRatio);
    await warmup(o, rec, fire);
    acked.length = 0;
    o.log(`measuring ${o.durationS} s at ${o.rate} arrivals/s (80% diner orders, 10% POS, 10% delivery)`);
    rec.start();
    o.cpu?.start();
    const started = performance.now();
    let kill: NodeJS.Timeout | undefined;
    let killedAt: number | undefined;
    if (o.onKill !== undefined)
      kill = setTimeout(
        () => {
          killedAt = performance.now();
          o.log(`SIGKILL the engine owning the partitions at t=${o.killAtS ?? 0}s`);
          o.onKill!();
        },
        (o.killAtS ?? 0) * 1000,
      );
    const loop = await openLoop({
      rate: o.rate,
      durationS: o.durationS,
      fire,
      onBacklog: (due) => rec.record('order', performance.now() - due, 'client_backlog'),
    });
    const measuredEnd = performance.now();
    clearTimeout(kill);
    rec.stop();
    const cpu = o.cpu?.stop();
    const ops = rec.summary();
    const elapsed = rec.timeline.at(-1)?.t ?? o.durationS;
    const orders = (ops.order?.ok ?? 0) + (ops.pos?.ok ?? 0) + (ops.delivery?.ok ?? 0);
    const perOrder = cpuPerUnit(cpu, orders);
    const correctness: ScenarioResult['correctness'] = {};
    const extra: Record<string, unknown> = { backlog: loop.backlog, ...(cpu === undefined ? {} : { cpu }) };
    if (o.onKill !== undefined) {
      const v = await verifyAcked(api, acked, o.log);
      correctness.lost = v.lost;
      extra.acknowledgedOrders = acked.length;
      extra.verify = v;
      const times = acked.map((a) => a.at).sort((a, b) => a - b);
      let gap = 0;
      const from = killedAt ?? started;
      let prev = from;
      for (const t of [...times.filter((x) => x >= from), measuredEnd]) {
        gap = Math.max(gap, t - prev);
        prev = t;
      }
      extra.secondsWithoutService = Math.round(gap / 100) / 10;
    }
    return {
      scenario,
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: {
        ordersPerS: Math.round(orders / elapsed),
        dinerOrdersPerS: ops.order?.ratePerS ?? 0,
        menuReadsPerS: ops.menu?.ratePerS ?? 0,
        orderP50Ms: ops.order?.p50Ms,
        orderP99Ms: ops.order?.p99Ms,
        orderP999Ms: ops.order?.p999Ms,
        ...(perOrder.stack === undefined ? {} : { cpuMsPerOrder: perOrder.stack, benchCpuMsPerOrder: perOrder.bench }),
        errorsByCode: errorsOf(ops),
      },
      ops,
      timeline: rec.timeline,
      correctness,
      extra,
    };
  } finally {
    await api.close();
  }
}

/** Every acknowledged order must be readable afterwards (retryable answers are asked again). */
async function verifyAcked(api: Api, acked: AckedOrder[], log: (m: string) => void) {
  log(`verifying ${acked.length} acknowledged orders through the API`);
  let lost = 0;
  let unverified = 0;
  let lostPayments = 0;
  const missing: string[] = [];
  await pool(acked, 64, async (a) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const r = await api.order(a.token, a.orderId);
      if (r.status === 200) {
        if (a.paid === true && (r.body.status === 'pending_payment' || r.body.status === 'cancelled')) {
          lostPayments++;
          if (missing.length < 20) missing.push(`${a.orderId} paid, now ${r.body.status}`);
        }
        return;
      }
      if (r.status === 404 || r.status === 403) {
        lost++;
        if (missing.length < 20) missing.push(`${a.orderId} ${r.code}`);
        return;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    unverified++;
  });
  const paid = acked.filter((a) => a.paid === true).length;
  return { lost: lost + unverified + lostPayments, unverified, lostPayments, paidChecked: paid, missing };
}

export async function flashSale(o: RunOptions): Promise<ScenarioResult> {
  const api = new Api(o.url, Math.max(500, o.connections));
  try {
    const store = o.data.stores[0]!;
    const sku = orderableSkus(o.data)[0]!;
    const units = o.units ?? 10_000;
    // Ten diners a table at store 001's tables; a party leaves after 20-40 orders.
    const tables = await Tables.seat(api, [store], o.diners ?? 200, o.log, { ordersPerParty: [20, 40] });
    const rec = new Recorder('attempt', o.progress);
    let sold = 0;
    let unknownOutcome = 0;
    const refusedQty: number[] = [];
    const run = Math.random().toString(36).slice(2, 8);
    const fire = async (dueAt: number, i: number): Promise<void> => {
      const qty = 1 + (i % 2);
      const line = [{ skuId: sku, qty }];
      const ch = i % 3;
      const r =
        ch === 0
          ? await tables.withDiner(i, async (d) => {
              const a = await api.placeOrder(d.token, line);
              return { placed: a.code === 'ok', value: a };
            })
          : ch === 1
            ? await api.posSale(store.storeId, `f${run}p${i}`, line)
            : await api.deliveryOrder(store.storeId, `f${run}d${i}`, line);
      rec.record('attempt', performance.now() - dueAt, r.code);
      rec.record(['diner', 'pos', 'delivery'][ch]!, performance.now() - dueAt, r.code);
      if (r.code === 'ok') sold += qty;
      else if (r.code === '409 sold_out') refusedQty.push(qty);
      else unknownOutcome++;
    };
    // Warm the connections and code paths on another SKU, then put the units on the hot one.
    const warmSku = orderableSkus(o.data)[1]!;
    await api.setStock(store.storeId, warmSku, 1_000_000);
    if (o.warmupS > 0) {
      o.log(`warming up ${o.warmupS} s on another SKU`);
      await openLoop({
        rate: Math.max(1, Math.round(o.rate / 4)),
        durationS: o.warmupS,
        fire: (_d, i) => api.posSale(store.storeId, `w${run}${i}`, [{ skuId: warmSku, qty: 1 }]).then(() => undefined),
      });
    }
    await api.setStock(store.storeId, sku, units);
    const before = await api.stock(store.storeId, sku);
    o.log(`flash sale: ${units} units of ${sku} at store ${store.storeId}, ${o.rate} attempts/s for ${o.durationS} s`);
    rec.start();
    o.cpu?.start();
    await openLoop({
      rate: o.rate,
      durationS: o.durationS,
      fire,
      onBacklog: (due) => rec.record('attempt', performance.now() - due, 'client_backlog'),
    });
    rec.stop();
    const cpu = o.cpu?.stop();
    const after = await api.stock(store.storeId, sku);
    const taken = after.reserved + after.sold - (before.reserved + before.sold);
    const oversold = Math.max(0, taken - units, -after.available);
    const undersold = refusedQty.filter((q) => q <= after.available).length;
    const ops = rec.summary();
    const perAttempt = cpuPerUnit(cpu, ops.attempt?.count ?? 0);
    return {
      scenario: 'flash-sale',
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: {
        attemptsPerS: Math.round((ops.attempt?.count ?? 0) / (rec.timeline.at(-1)?.t ?? o.durationS)),
        attemptP99Ms: ops.attempt?.p99Ms,
        units,
        soldAcknowledged: sold,
        soldByStock: taken,
        remaining: after.available,
        soldOutRefusals: refusedQty.length,
        otherErrors: unknownOutcome,
        oversold,
        undersold,
        ...(perAttempt.stack === undefined
          ? {}
          : { cpuMsPerAttempt: perAttempt.stack, benchCpuMsPerAttempt: perAttempt.bench }),
        errorsByCode: errorsOf(ops, 'attempt'),
      },
      ops,
      timeline: rec.timeline,
      correctness: { oversold, undersold },
      extra: { sku, store: store.storeId, before, after, ...(cpu === undefined ? {} : { cpu }) },
    };
  } finally {
    await api.close();
  }
}

interface PushCounters {
  connected: number;
  failed: number;
  snapshots: number;
  deltas: number;
  gaps: number;
  serverResyncs: number;
  resynced: number;
  errors: number;
}

/**
 * One push client following one topic at a time (seq gaps → resync, as PUSH.md asks).
 * `follow(topic)` moves it to another topic; deltas of the old one are ignored.
 */
class PushFollower {
  private ws!: WebSocket;
  private topic = '';
  private last = -1;
  private waiting = false;
  private onSnapshot: (() => void) | undefined;

  constructor(
    private readonly c: PushCounters,
    private readonly record: (topic: string, ms: number) => void,
  ) {}

  open(url: string, topic: string): Promise<void> {
    return new Promise<void>((resolve) => {
      this.onSnapshot = resolve;
      const ws = (this.ws = new WebSocket(url));
      ws.on('open', () => {
        this.c.connected++;
        this.follow(topic);
      });
      ws.on('message', (raw: Buffer) => this.message(raw));
      ws.on('error', () => {
        this.c.failed++;
        resolve();
      });
      ws.on('close', () => resolve());
    });
  }

  follow(topic: string): void {
    if (this.topic !== '') this.send({ type: 'unsubscribe', topic: this.topic });
    this.topic = topic;
    this.last = -1;
    this.waiting = true;
    this.send({ type: 'subscribe', topic });
  }

  private send(m: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private message(raw: Buffer): void {
    const m = JSON.parse(raw.toString()) as { type: string; topic?: string; seq?: number; data?: { at?: number } };
    if (m.topic !== undefined && m.topic !== this.topic) return; // an old subscription's
    if (m.type === 'snapshot') {
      this.c.snapshots++;
      if (this.waiting && this.last >= 0) this.c.resynced++;
      this.last = m.seq ?? 0;
      this.waiting = false;
      this.onSnapshot?.();
      this.onSnapshot = undefined;
    } else if (m.type === 'delta') {
      if (this.waiting) return;
      if (m.seq !== this.last + 1) {
        this.c.gaps++;
        this.waiting = true;
        this.send({ type: 'resync', topic: this.topic });
        return;
      }
      this.last = m.seq;
      this.c.deltas++;
      if (typeof m.data?.at === 'number') this.record(this.topic, Date.now() - m.data.at);
    } else if (m.type === 'resync') {
      this.c.serverResyncs++;
      this.waiting = true;
      this.send({ type: 'resync', topic: this.topic });
    } else if (m.type === 'error') {
      this.c.errors++;
      this.onSnapshot?.();
      this.onSnapshot = undefined;
    }
  }

  close(): void {
    this.ws.terminate();
  }
}

/**
 * 9 in 10 clients follow a diner's table (`table:<id>`); 1 in 10 follow orders
 * (`order:<id>`): each placed order is followed by the next order client of its store,
 * then paid, so its `paid` push reaches that client.
 */
export async function wsFanout(o: RunOptions): Promise<ScenarioResult> {
  const api = new Api(o.url, o.connections, o.simulatorUrl);
  const followers: PushFollower[] = [];
  try {
    // The same parties stay for the whole run: the clients follow their tables.
    const { skus, tables } = await lunchSetup(o, api, [Infinity, Infinity]);
    const diners = tables.diners;
    const n = o.clients ?? 10_000;
    const wsUrl = o.url.replace(/^http/, 'ws');
    const push = { table: histogram(), order: histogram() };
    const c: PushCounters = {
      connected: 0,
      failed: 0,
      snapshots: 0,
      deltas: 0,
      gaps: 0,
      serverResyncs: 0,
      resynced: 0,
      errors: 0,
    };
    let measuring = false;
    const rec = (h: ReturnType<typeof histogram>) => (ms: number) => {
      if (measuring) h.recordValue(Math.max(1, Math.round(ms * 1000)));
    };
    const orderClients = new Map<string, PushFollower[]>();
    const turn = new Map<string, number>();
    o.log(`opening ${n} WebSocket clients (9 in 10 on table topics, 1 in 10 on order topics)`);
    await pool(
      Array.from({ length: n }, (_, i) => i),
      200,
      async (i) => {
        const d = diners[i % diners.length]!;
        const forOrders = i % 10 === 9;
        const f = new PushFollower(c, (topic, ms) => rec(topic.startsWith('order:') ? push.order : push.table)(ms));
        followers.push(f);
        // Order clients start on their table too, until their first order comes.
        await f.open(`${wsUrl}/ws?token=${api.staffToken(d.store)}`, `table:${d.tableId}`);
        if (forOrders) orderClients.set(d.store, [...(orderClients.get(d.store) ?? []), f]);
      },
    );
    o.log(`${c.connected} connected, ${c.failed} failed, ${c.snapshots} snapshots`);
    const ops = new Recorder('order', o.progress);
    const fire = async (dueAt: number, i: number): Promise<void> => {
      const d = diners[i % diners.length]!;
      const add = await api.addToCart(d.token, skus[i % skus.length]!, 1);
      ops.record('cart', performance.now() - dueAt, add.code);
      if (add.code !== 'ok') return;
      const t = performance.now();
      const r = await api.placeCartOrder(d.token);
      ops.record('order', performance.now() - t, r.code);
      if (r.code !== 'ok') return;
      const orderId = r.body.order.orderId;
      const mine = orderClients.get(d.store) ?? [];
      if (mine.length > 0) {
        const k = turn.get(d.store) ?? 0;
        turn.set(d.store, k + 1);
        mine[k % mine.length]!.follow(`order:${orderId}`);
      }
      const pay = await api.prepay(d.token, orderId);
      if (pay.code === 'ok') {
        const sim = await api.simulatePay(pay.body.prepayId);
        ops.record('paid', performance.now() - t, sim.code);
      } else ops.record('paid', performance.now() - t, pay.code);
    };
    await warmup(o, ops, fire);
    measuring = true;
    ops.start();
    await openLoop({ rate: o.rate, durationS: o.durationS, fire });
    ops.stop();
    await new Promise((r) => setTimeout(r, 500));
    measuring = false;
    const all = histogram();
    all.add(push.table);
    all.add(push.order);
    const p: LatencySummary = summarize(all);
    const t = summarize(push.table);
    const ord = summarize(push.order);
    const summary = ops.summary();
    const entry = (x: LatencySummary) => ({
      ...x,
      ok: x.count,
      ratePerS: Math.round(x.count / o.durationS),
      errors: {},
    });
    return {
      scenario: 'ws-fanout',
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: {
        clients: n,
        connected: c.connected,
        failedToConnect: c.failed,
        pushes: p.count,
        pushPerS: Math.round(p.count / o.durationS),
        pushP50Ms: p.p50Ms,
        pushP99Ms: p.p99Ms,
        pushP999Ms: p.p999Ms,
        tablePushP99Ms: t.p99Ms,
        orderPushes: ord.count,
        orderPushP99Ms: ord.p99Ms,
        dropped: c.gaps,
        resynced: c.resynced,
        serverResyncs: c.serverResyncs,
        errorsByCode: errorsOf(summary),
      },
      ops: { ...summary, 'push table': entry(t), 'push order': entry(ord) },
      timeline: ops.timeline,
      correctness: {},
      extra: { counters: c },
    };
  } finally {
    for (const f of followers) f.close();
    await api.close();
  }
}

/**
 * Ramp the rate ×1.5 per step until the order p99 passes the bound (or errors pass 1%);
 * when the first rate already fails, halve it until one passes (down to 5/s).
 */
export async function maxRate(o: RunOptions): Promise<ScenarioResult> {
  const bound = o.bound ?? 25;
  const api = new Api(o.url, o.connections, o.simulatorUrl);
  try {
    const { skus, tables } = await lunchSetup(o, api);
    const steps: { rate: number; ordersPerS: number; p99Ms: number; errorRatio: number; pass: boolean }[] = [];
    let rate = o.rate;
    let sustainable = 0;
    let lastRec: Recorder | undefined;
    await warmup(o, new Recorder('order', false), lunchArrival(api, new Recorder('order', false), tables, skus));
    for (let step = 0; step < 12; step++) {
      const rec = new Recorder('order', o.progress);
      rec.start();
      const loop = await openLoop({
        rate,
        durationS: o.durationS,
        fire: lunchArrival(api, rec, tables, skus, undefined, o.payRatio),
        maxInFlight: 20_000,
      });
      rec.stop();
      lastRec = rec;
      const s = rec.summary();
      const total = Object.values(s).reduce((a, x) => a + x.count, 0);
      const errs = Object.values(s).reduce((a, x) => a + (x.count - x.ok), 0) + loop.backlog;
      const p99 = s.order?.p99Ms ?? Infinity;
      const errorRatio = total === 0 ? 1 : errs / total;
      const pass = p99 <= bound && errorRatio <= 0.01;
      const ordersPerS = Math.round(((s.order?.ok ?? 0) + (s.pos?.ok ?? 0) + (s.delivery?.ok ?? 0)) / o.durationS);
      steps.push({ rate, ordersPerS, p99Ms: p99, errorRatio: Math.round(errorRatio * 10000) / 10000, pass });
      o.log(`step ${step}: ${rate}/s → orders ${ordersPerS}/s p99 ${p99} ms errors ${(errorRatio * 100).toFixed(2)}%`);
      if (pass) {
        sustainable = rate;
        rate = Math.round(rate * 1.5);
      } else if (sustainable === 0 && rate > 5) {
        rate = Math.max(5, Math.round(rate / 2)); // the first rate already fails: search downwards
      } else break;
    }
    return {
      scenario: 'max',
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: { boundP99Ms: bound, sustainableArrivalsPerS: sustainable, steps },
      ops: lastRec?.summary() ?? {},
      timeline: lastRec?.timeline ?? [],
      correctness: {},
    };
  } finally {
    await api.close();
  }
}
