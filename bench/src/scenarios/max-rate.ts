/** max: the highest lunch-rush arrival rate whose order p99 stays within a bound. */
import { Api } from '../api.js';
import { Recorder, openLoop } from '../stats.js';
import { lunchArrival } from './lunch-rush.js';
import type { RunOptions, ScenarioResult } from './run.js';
import { lunchSetup, warmup } from './setup.js';

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
