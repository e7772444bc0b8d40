/**
 * lunch-rush: diners order (menu read + order + pay + status) at their tables while the POS and
 * delivery platforms sell from the same stock; with `onKill` it is the failover scenario.
 */
import { Api } from '../api.js';
import { cpuPerUnit } from '../cpu.js';
import type { PlatformsSide } from '../platforms-load.js';
import { Recorder, openLoop } from '../stats.js';
import type { Diner, Tables } from '../tables.js';
import { afterTheKill, type AckedOrder } from './failover.js';
import { errorsOf, type RunOptions, type ScenarioResult } from './run.js';
import { lunchSetup, warmup } from './setup.js';

/** lunch-rush's arrival: a diner order (menu read + order + pay + status) or a POS / delivery sale. */
export function lunchArrival(
  api: Api,
  rec: Recorder,
  tables: Tables,
  skus: string[],
  acked?: AckedOrder[],
  payRatio = 1,
) {
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

/** `--platforms`: the delivery platforms beside the rush, with their own arrivals a second. */
export interface PlatformsBeside {
  readonly load: PlatformsSide;
  readonly orders: number;
  readonly changes: number;
}

export async function lunchRush(
  o: RunOptions,
  scenario = 'lunch-rush',
  platforms?: PlatformsBeside,
): Promise<ScenarioResult> {
  const api = new Api(o.url, o.connections, o.simulatorUrl);
  try {
    const { skus, tables } = await lunchSetup(o, api);
    const rec = new Recorder('order', o.progress);
    tables.onTurnover = (ms, code) => rec.record('turnover', ms, code);
    const acked: AckedOrder[] = [];
    const fire = lunchArrival(api, rec, tables, skus, acked, o.payRatio);
    await warmup(o, rec, fire);
    acked.length = 0;
    await platforms?.load.ready();
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
    const side = platforms?.load.run(o.durationS, { orders: platforms.orders, changes: platforms.changes });
    const loop = await openLoop({
      rate: o.rate,
      durationS: o.durationS,
      fire,
      onBacklog: (due) => rec.record('order', performance.now() - due, 'client_backlog'),
    });
    await side;
    const measuredEnd = performance.now();
    clearTimeout(kill);
    rec.stop();
    const cpu = o.cpu?.stop();
    await tables.settle(); // no table is left between its close and its cleaning
    const ops = rec.summary();
    const elapsed = rec.timeline.at(-1)?.t ?? o.durationS;
    const orders = (ops.order?.ok ?? 0) + (ops.pos?.ok ?? 0) + (ops.delivery?.ok ?? 0);
    const perOrder = cpuPerUnit(cpu, orders);
    const correctness: ScenarioResult['correctness'] = {};
    const extra: Record<string, unknown> = { backlog: loop.backlog, ...(cpu === undefined ? {} : { cpu }) };
    const sync: Record<string, number> = {};
    if (platforms !== undefined) {
      const p = await platforms.load.finish();
      correctness.oversold = p.oversold;
      sync.syncLagP50Ms = p.syncLag.p50Ms;
      sync.syncLagP99Ms = p.syncLag.p99Ms;
      extra.platforms = { orders: platforms.orders, changes: platforms.changes, ...p };
      o.log(`platforms: sync lag p50 ${p.syncLag.p50Ms} ms, p99 ${p.syncLag.p99Ms} ms, oversold ${p.oversold}`);
    }
    if (o.onKill !== undefined) {
      const f = await afterTheKill(api, acked, killedAt ?? started, measuredEnd, o.log);
      correctness.lost = f.lost;
      Object.assign(extra, f.extra);
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
        ...sync,
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
