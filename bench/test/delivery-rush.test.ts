/**
 * delivery-rush for a few seconds at a low rate against a real lunchrush stack of four stores:
 * orders routed away from the backed-up kitchen, stores selling out on the way, none oversold.
 * Never speed: that is what `npm run bench -- delivery-rush` reports.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { deliveryRush } from '../src/scenarios/index.js';
import { startLunchrush, type Stack } from '../src/stack.js';

let s: Stack;
beforeAll(async () => {
  s = await startLunchrush({ stores: 4 });
}, 90_000);
afterAll(() => s?.stop(), 30_000);

it('routes away from the backed-up kitchen, sells stores out, oversells nothing', async () => {
  const r = await deliveryRush({
    url: s.url,
    ...(s.simulatorUrl === undefined ? {} : { simulatorUrl: s.simulatorUrl }),
    data: s.data,
    rate: 20,
    durationS: 2,
    warmupS: 0,
    connections: 16,
    progress: false,
    log: () => undefined,
    // 50 orders cooking at 003; 8 of the dish at each store, so the rush sells stores out.
    diners: 50,
    units: 8,
  });
  expect(r.correctness).toEqual({ oversold: 0 });
  expect(r.ops.route?.ok).toBeGreaterThan(0);
  expect(r.summary.nearestWasBackedUp).toBeGreaterThan(0);
  expect(r.summary.shareRoutedAway).toBe(1);
  const placed = r.summary.placedByStore as Record<string, number>;
  for (const n of Object.values(placed)) expect(n).toBeLessThanOrEqual(8);
  // measure()'s count of arrivals past the loop's in-flight bound: none at 20/s.
  expect(r.extra?.backlog).toBe(0);
});
