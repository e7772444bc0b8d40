/**
 * The recommendation job on a generated history in chDB: it trains every model table, runs
 * again to the same rows (idempotent), publishes one model per store and the chain to the KV
 * bucket the gateways watch, and the offline evaluation beats popularity on precision@5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kvm } from '@nats-io/kv';
import { recoBucket, recoDinerKey, recoModelKey, type RecoDinerHistory, type RecoModel } from '@lunchrush/actors/wire';
import { chainTemplate } from '@lunchrush/actors/demo';
import { setup, type TestContext } from '@lunchrush/testkit';
import {
  evaluate,
  generateHistory,
  loadHistoryDirect,
  runCli,
  runRecoJob,
  trainWindow,
  type Warehouse,
} from '@lunchrush/analytics';
import { P, tempWarehouse } from './helpers.js';

let t: TestContext;
let wh: Warehouse;
let drop: () => Promise<void>;

const TABLES = [
  'reco_baskets',
  'reco_cf',
  'reco_slope',
  'reco_hot',
  'reco_hot_party',
  'reco_items',
  'reco_content',
  'reco_diners',
];

/** Every model table's rows, in one order. */
async function dump(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TABLES) out[table] = await wh.query(`SELECT * FROM ${table} ORDER BY ALL`);
  return out;
}

async function storedModel(scope: string): Promise<RecoModel> {
  const kv = await new Kvm(t.nc).open(recoBucket(t.ns));
  const e = await kv.get(recoModelKey(scope));
  return e!.json<RecoModel>();
}

beforeAll(async () => {
  t = await setup({ prefix: 'ar' });
  ({ wh, drop } = await tempWarehouse());
  const history = generateHistory({ stores: 2, days: 28, start: '2026-10-01', partitions: P, ordersPerStoreDay: 150 });
  await loadHistoryDirect(wh, history);
}, 180_000);

afterAll(async () => {
  await drop?.();
  await t?.cleanup();
});

describe('recommendation models', () => {
  it('the job trains every table, and a second run gives the same rows (idempotent)', async () => {
    const opts = { warehouse: wh, nc: t.nc, namespace: t.ns, days: 28 };
    const first = await runRecoJob(opts);
    expect(first).toMatchObject({ from: '2026-10-01', to: '2026-10-28', scopes: 3 });
    expect(first.diners).toBeGreaterThan(100);
    for (const table of TABLES) expect(first.rows[table as keyof typeof first.rows]).toBeGreaterThan(0);
    const before = await dump();
    const modelBefore = await storedModel('001');

    const second = await runRecoJob(opts);
    expect(second.rows).toEqual(first.rows);
    expect(await dump()).toEqual(before);
    const modelAfter = await storedModel('001');
    expect({ ...modelAfter, builtAt: 0 }).toEqual({ ...modelBefore, builtAt: 0 });
    expect(modelAfter.builtAt).toBeGreaterThanOrEqual(modelBefore.builtAt);
    expect(await wh.query(`SELECT count() AS n FROM reco_runs`)).toEqual([{ n: 2 }]);
  }, 120_000);

  it('the models hold the structure the history was made with', async () => {
    const m = await storedModel('001');
    expect(m.scope).toBe('001');
    // 口味虾 is eaten with beer at dinner: the beer is among its first item-CF neighbours.
    const withShrimp = (m.cf.dinner?.['kouwei-xia-l'] ?? []).slice(0, 3).map(([sku]) => sku);
    expect(withShrimp).toContain('qingdao-pijiu');
    // Hot lists per hour; the chain's model has every store's orders.
    expect(m.hot['12']!.length).toBeGreaterThan(5);
    const chain = await storedModel('*');
    expect(chain.orders).toBeGreaterThan(m.orders);
    // Hot per party size: beer for parties of five and more, a bowl of noodles for one.
    expect(chain.party!['5+']!.slice(0, 3).map(([sku]) => sku)).toContain('qingdao-pijiu');
    expect(chain.party!['1']!.slice(0, 3).map(([sku]) => sku)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^(niurou-mian|congyou-banmian)/)]) as unknown,
    );
    // Content: never another size of the same dish, most similar first.
    const similar = chain.content['kouwei-xia-l']!;
    expect(similar.map(([sku]) => sku)).not.toContain('kouwei-xia-s');
    expect(similar.map(([, s]) => s)).toEqual([...similar.map(([, s]) => s)].sort((a, b) => b - a));
    // A returning diner's own counts, most first, under their own key.
    const [top] = await wh.query<{ diner: string; n: number }>(
      `SELECT diner, sum(orders) AS n FROM reco_diners GROUP BY diner ORDER BY n DESC, diner LIMIT 1`,
    );
    const kv = await new Kvm(t.nc).open(recoBucket(t.ns));
    const mine = (await kv.get(recoDinerKey(top!.diner)))!.json<RecoDinerHistory>();
    const rows = await wh.query<{ sku_id: string; orders: number }>(
      `SELECT sku_id, orders FROM reco_diners WHERE diner = {d:String} ORDER BY orders DESC, sku_id`,
      { d: top!.diner },
    );
    expect(mine.skus.map(([, n]) => n)).toEqual(rows.map((r) => r.orders));
    expect(new Set(mine.skus.map(([sku]) => sku))).toEqual(new Set(rows.map((r) => r.sku_id)));
    expect(mine.skus[0]![1]).toBeGreaterThanOrEqual(2);
    // Slope One rows are over diners who came back, each pair seen by three or more.
    expect(
      Object.values(m.slope.all ?? {})
        .flat()
        .every(([, , n]) => n >= 3),
    ).toBe(true);
  });

  it('refuses a window that is not a day', async () => {
    await expect(trainWindow(wh, { to: '2026-13-45x' })).rejects.toThrow(/YYYY-MM-DD/);
    await expect(trainWindow(wh, { days: 0 })).rejects.toThrow(/days/);
  });

  it('the offline evaluation beats popularity on precision@5 on the held-out days', async () => {
    const r = await evaluate(wh, { catalog: chainTemplate(), holdoutDays: 4, days: 28 });
    expect(r).toMatchObject({ trainedTo: '2026-10-24', heldOutFrom: '2026-10-25', heldOutTo: '2026-10-28' });
    const served = r.rows.find((x) => x.method === 'blend (served)')!;
    const popular = r.rows.find((x) => x.method === 'popularity (baseline)')!;
    expect(served.orders).toBeGreaterThan(100);
    expect(served.precision_at_5).toBeGreaterThan(popular.precision_at_5);
    expect(served.coverage).toBeGreaterThan(popular.coverage);
  }, 120_000);

  it('`recommend-eval` prints the table; `recommend-train --no-publish` trains only', async () => {
    let out = '';
    const io = { out: (s: string) => (out += s), err: (s: string) => (out += s), warehouse: wh, env: {} };
    expect(await runCli(['recommend-eval', '--holdout', '4', '--days', '28'], io)).toBe(0);
    expect(out).toMatch(/held out 2026-10-25 … 2026-10-28/);
    expect(out).toMatch(/precision@5/);
    expect(out).toMatch(/popularity \(baseline\)/);
    out = '';
    expect(await runCli(['recommend-train', '--days', '28', '--no-publish'], io)).toBe(0);
    expect(out).toMatch(/paid orders 2026-10-01 … 2026-10-28; .* not published/);
    out = '';
    expect(await runCli(['recommend-eval', '--holdout', 'x'], io)).toBe(1);
    expect(out).toMatch(/\[bad_request\] --holdout must be a whole number/);
  }, 120_000);
});
