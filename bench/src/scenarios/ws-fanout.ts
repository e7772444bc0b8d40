/** ws-fanout: thousands of push clients following tables and orders while diners order and pay. */
import { Api, pool } from '../api.js';
import { Recorder, histogram, openLoop, summarize, type LatencySummary } from '../stats.js';
import type { Diner } from '../tables.js';
import { PushFollower, type PushCounters } from './push-follower.js';
import { errorsOf, type RunOptions, type ScenarioResult } from './run.js';
import { lunchSetup, warmup } from './setup.js';

/** What the clients measure: push latencies by kind of topic, while `measuring`, and their counters. */
interface Fanout {
  readonly push: { table: ReturnType<typeof histogram>; order: ReturnType<typeof histogram> };
  readonly c: PushCounters;
  measuring: boolean;
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
    const f: Fanout = {
      push: { table: histogram(), order: histogram() },
      c: { connected: 0, failed: 0, snapshots: 0, deltas: 0, gaps: 0, serverResyncs: 0, resynced: 0, errors: 0 },
      measuring: false,
    };
    const orderClients = await openFollowers(o, api, diners, n, f, followers);
    const turn = new Map<string, number>();
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
    f.measuring = true;
    ops.start();
    await openLoop({ rate: o.rate, durationS: o.durationS, fire });
    ops.stop();
    await new Promise((r) => setTimeout(r, 500));
    f.measuring = false;
    return fanoutResult(o, n, f, ops);
  } finally {
    for (const x of followers) x.close();
    await api.close();
  }
}

/** Opens `n` clients (into `followers`), each on a diner's table; returns the order clients by store. */
async function openFollowers(
  o: RunOptions,
  api: Api,
  diners: readonly Diner[],
  n: number,
  f: Fanout,
  followers: PushFollower[],
): Promise<Map<string, PushFollower[]>> {
  const wsUrl = o.url.replace(/^http/, 'ws');
  const rec = (h: ReturnType<typeof histogram>) => (ms: number) => {
    if (f.measuring) h.recordValue(Math.max(1, Math.round(ms * 1000)));
  };
  const orderClients = new Map<string, PushFollower[]>();
  o.log(`opening ${n} WebSocket clients (9 in 10 on table topics, 1 in 10 on order topics)`);
  await pool(
    Array.from({ length: n }, (_, i) => i),
    200,
    async (i) => {
      const d = diners[i % diners.length]!;
      const forOrders = i % 10 === 9;
      const x = new PushFollower(f.c, (topic, ms) => rec(topic.startsWith('order:') ? f.push.order : f.push.table)(ms));
      followers.push(x);
      // Order clients start on their table too, until their first order comes.
      await x.open(`${wsUrl}/ws?token=${api.staffToken(d.store)}`, `table:${d.tableId}`);
      if (forOrders) orderClients.set(d.store, [...(orderClients.get(d.store) ?? []), x]);
    },
  );
  o.log(`${f.c.connected} connected, ${f.c.failed} failed, ${f.c.snapshots} snapshots`);
  return orderClients;
}

function fanoutResult(o: RunOptions, n: number, f: Fanout, ops: Recorder): ScenarioResult {
  const { c, push } = f;
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
}
