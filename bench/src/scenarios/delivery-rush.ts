/**
 * delivery-rush: delivery orders that name no store, spread over 长沙, routed by the gateway to
 * the store that serves each best (zone, stock, kitchen wait, ride, fee). Most addresses are around
 * a hot spot (IFS, 五一广场, 南门口: overlapping zones in the centre) whose nearest store's kitchen is
 * backed up before the rush: `--diners`-many (default 60) takeaway orders paid and accepted there and
 * left cooking, so its quoted wait is long. Every store has `--units` (default 200) of the dish.
 *
 * Reports routed orders/s, placement p50/p99, how many went where, the **share routed away** from
 * the backed-up kitchen (orders whose nearest store it was, placed elsewhere), `no_store_available`
 * and other refusals, and **oversold** = Σ over stores of max(0, units placed there − stock it had)
 * plus any store whose available went below zero.
 */
import { distanceM, type GeoPoint } from '@lunchrush/actors';
import { seededRandom } from '@lunchrush/actors/demo';
import { Api, pool } from '../api.js';
import { cpuPerUnit } from '../cpu.js';
import { Recorder } from '../stats.js';
import { errorsOf, measure, type RunOptions, type ScenarioResult } from './run.js';

const SKU = 'yangzhou-chaofan';
/** The backed-up kitchen: IFS, the nearest store to most of the hot spot. */
const HOT_STORE = '003';
const HOT_SPOT: GeoPoint = { lng: 112.981, lat: 28.199 };

/** A point within `radiusM` of `c` (degrees per metre at 长沙's latitude). */
function near(c: GeoPoint, radiusM: number, r: () => number): GeoPoint {
  const d = radiusM * Math.sqrt(r());
  const a = 2 * Math.PI * r();
  return { lng: c.lng + (d * Math.cos(a)) / 98_000, lat: c.lat + (d * Math.sin(a)) / 111_000 };
}

/** 70% of the addresses within 1.2 km of the hot spot, the rest within 1.5 km of any store. */
function addresses(o: RunOptions, n: number): GeoPoint[] {
  // The same addresses every run.
  const r = seededRandom(19);
  const sites = o.data.stores.flatMap((s) => (s.settings.site === undefined ? [] : [s.settings.site.location]));
  return Array.from({ length: n }, () =>
    r() < 0.7 ? near(HOT_SPOT, 1_200, r) : near(sites[Math.floor(r() * sites.length)]!, 1_500, r),
  );
}

/**
 * Paid takeaway orders accepted at the hot store and left cooking, up to `n` or until its kitchen
 * refuses more (`station_paused`: its admission control says it is backed up): answers how many.
 */
async function backUpKitchen(api: Api, o: RunOptions, n: number): Promise<number> {
  const staffToken = api.staffToken(HOT_STORE);
  let cooking = 0;
  let paused = false;
  for (let i = 0; i < n && !paused; i++) {
    const d = await api.login(`drk${api.idemKey()}${i}`);
    const placed = await api.call<{ order: { orderId: string } }>('POST', '/v1/diner/orders', {
      token: d.token,
      body: { channel: 'takeaway', store: HOT_STORE, lines: [{ skuId: SKU, qty: 1, options: [] }] },
      headers: { 'idempotency-key': api.idemKey() },
    });
    if (placed.code === '409 station_paused') paused = true;
    else if (placed.status !== 201) throw new Error(`backlog order: ${placed.code}`);
    else {
      const orderId = placed.body.order.orderId;
      const prepay = await api.prepay(d.token, orderId);
      await api.simulatePay(prepay.body.prepayId);
      const a = await api.call('POST', `/v1/staff/stores/${HOT_STORE}/orders/${orderId}/accept`, { token: staffToken });
      if (a.status !== 200) throw new Error(`accept backlog order: ${a.code}`);
      cooking++;
    }
  }
  const wait = await api.call('GET', `/v1/stores/${HOT_STORE}/wait`);
  o.log(
    `store ${HOT_STORE}: ${cooking} orders cooking${paused ? ', then paused' : ''}; wait ${JSON.stringify(wait.body)}`,
  );
  return cooking;
}

export async function deliveryRush(o: RunOptions): Promise<ScenarioResult> {
  const api = new Api(o.url, Math.max(256, o.connections), o.simulatorUrl);
  try {
    const stores = o.data.stores.map((s) => s.storeId);
    const sites = new Map(
      o.data.stores.flatMap((s) => (s.settings.site ? [[s.storeId, s.settings.site.location]] : [])),
    );
    const units = o.units ?? 200;
    o.log(`stocking ${stores.length} stores with ${units} × ${SKU}`);
    const backlog = o.diners ?? 60;
    // The hot store's backlog orders take their dishes first: it starts the rush with `units` too.
    await pool(stores, 16, (s) => api.setStock(s, SKU, s === HOT_STORE ? units + backlog : units));
    const cooking = await backUpKitchen(api, o, backlog);
    const before = new Map(await pool(stores, 16, async (s) => [s, (await api.stock(s, SKU)).available] as const));
    const diners = await pool(
      Array.from({ length: 200 }, (_, i) => i),
      32,
      (i) => api.login(`dr${api.idemKey()}${i}`),
    );
    const points = addresses(o, 5_000);
    const nearest = (p: GeoPoint): string =>
      [...sites].reduce((best, [s, at]) => (distanceM(p, at) < distanceM(p, sites.get(best)!) ? s : best), stores[0]!);
    const placedAt = new Map<string, number>();
    let nearestHot = 0;
    let away = 0;
    const rec = new Recorder('route', o.progress);
    const fire = async (dueAt: number, i: number): Promise<void> => {
      const at = points[i % points.length]!;
      const r = await api.call<{ order: { orderId: string } }>('POST', '/v1/diner/orders', {
        token: diners[i % diners.length]!.token,
        body: {
          channel: 'delivery',
          lines: [{ skuId: SKU, qty: 1, options: [] }],
          delivery: { address: '长沙市', contact: '王女士', phone: '13800138000', location: at },
        },
        headers: { 'idempotency-key': api.idemKey() },
      });
      rec.record('route', performance.now() - dueAt, r.code);
      if (r.code !== 'ok') return;
      const store = r.body.order.orderId.slice(2, 5);
      placedAt.set(store, (placedAt.get(store) ?? 0) + 1);
      if (nearest(at) === HOT_STORE) {
        nearestHot++;
        if (store !== HOT_STORE) away++;
      }
    };
    o.log(`delivery rush: ${o.rate} routed orders/s for ${o.durationS} s over ${stores.length} stores`);
    const cpu = await measure(o, rec, 'route', fire);
    let oversold = 0;
    const after = await pool(stores, 16, async (s) => [s, (await api.stock(s, SKU)).available] as const);
    for (const [s, available] of after) {
      oversold += Math.max(0, (placedAt.get(s) ?? 0) - (before.get(s) ?? 0));
      if (available < 0) oversold += -available;
    }
    const ops = rec.summary();
    const perOrder = cpuPerUnit(cpu, ops.route?.ok ?? 0);
    return {
      scenario: 'delivery-rush',
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: {
        routedPerS: ops.route?.ratePerS ?? 0,
        routeP50Ms: ops.route?.p50Ms,
        routeP99Ms: ops.route?.p99Ms,
        nearestWasBackedUp: nearestHot,
        shareRoutedAway: nearestHot === 0 ? null : Math.round((away / nearestHot) * 1000) / 1000,
        placedByStore: Object.fromEntries([...placedAt].sort()),
        ...(perOrder.stack === undefined ? {} : { cpuMsPerOrder: perOrder.stack }),
        errorsByCode: errorsOf(ops),
      },
      ops,
      timeline: rec.timeline,
      correctness: { oversold },
      extra: {
        // Arrivals past the loop's in-flight bound: measure() counts them under the op.
        backlog: ops.route?.errors.client_backlog ?? 0,
        hotStore: HOT_STORE,
        cookingAtHotStore: cooking,
        units,
        ...(cpu === undefined ? {} : { cpu }),
      },
    };
  } finally {
    await api.close();
  }
}
