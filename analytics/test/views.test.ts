/**
 * Every view's numbers on a small hand-computed history, ingested from a real
 * JetStream stream; a batch that fails after its insert (as a crash before the
 * ack would) is re-delivered and counted once; a re-run batch adds nothing; the
 * backfill rebuilds exactly what live ingestion built.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, type TestContext } from '@lunchrush/testkit';
import {
  backfill,
  generateHistory,
  Ingester,
  Loader,
  publishHistory,
  recordToRows,
  recordToTsv,
  runCli,
  runView,
  VIEW_NAMES,
  type PendingRecord,
  type ViewParams,
  type Warehouse,
} from '@lunchrush/analytics';
import { handDataset } from './dataset.js';
import { ingestConfig, P, publish, tempWarehouse } from './helpers.js';

let t: TestContext;
let wh: Warehouse;
let drop: () => Promise<void>;
let ingester: Ingester;
let seqs: number[];
const records = handDataset();
let failedOnce = false;

const S1: ViewParams = { store: '001', from: '2026-11-02', to: '2026-11-03', limit: 20 };
const view = (name: Parameters<typeof runView>[1], p: Partial<ViewParams> = {}) => runView(wh, name, { ...S1, ...p });

beforeAll(async () => {
  t = await setup({ prefix: 'an' });
  ({ wh, drop } = await tempWarehouse());
  seqs = await publish(t.nc, t.ns, records);
  // The first batch is inserted and then fails before its acks, as a crash there would.
  ingester = await Ingester.start({
    nc: t.nc,
    warehouse: wh,
    config: ingestConfig(t.ns),
    nakDelayMs: 20,
    afterInsert: () => {
      if (!failedOnce) {
        failedOnce = true;
        throw new Error('crash between insert and ack');
      }
    },
  });
  await ingester.until((s) => s.records >= records.length && s.lagMessages === 0);
});

afterAll(async () => {
  await ingester?.stop();
  await drop?.();
  await t?.cleanup();
});

describe('ingestion is exactly once', () => {
  it('a batch re-delivered after its insert is recognised and not counted again', async () => {
    const s = ingester.stats();
    expect(failedOnce).toBe(true);
    expect(s.failures).toBe(1);
    // Every record with events came back and was found stored.
    expect(s.duplicates).toBe(records.length - 1);
    const { n, ids } = (
      await wh.query<{ n: number; ids: number }>('SELECT count() AS n, uniqExact(event_id) AS ids FROM events')
    )[0]!;
    expect(n).toBe(ids);
    expect(n).toBe(54);
    // The metric counts what the ingester saw, not merely that it was registered.
    expect((await ingester.metrics.duplicates.get()).values.map((v) => v.value)).toEqual([records.length - 1]);
    expect((await ingester.metrics.batchFailures.get()).values.map((v) => v.value)).toEqual([1]);
  });

  it('event ids are <stream seq>:<entry>:<event> and rows are typed', async () => {
    const rows = await wh.query<Record<string, unknown>>(
      `SELECT event_id, store, actor_type, type, order_id, channel, amount_fen, toString(ts) AS local, partition
       FROM events FINAL WHERE order_id = 'o_a' AND type = 'Created'`,
    );
    expect(rows).toEqual([
      {
        event_id: `${seqs[3]}:1:0`,
        store: '001',
        actor_type: 'order',
        type: 'Created',
        order_id: 'o_a',
        channel: 'dine_in',
        amount_fen: 5000,
        local: '2026-11-02 11:40:00.000',
        partition: expect.any(Number) as unknown,
      },
    ]);
  });

  it('re-running a batch adds nothing', async () => {
    const before = await view('heatmap');
    const replay: PendingRecord[] = records.map((r, i) => ({
      seq: seqs[i]!,
      publishedMs: 0,
      redelivered: i % 2 === 0,
      ...recordToTsv(r.record, { seq: seqs[i]!, partition: 0, publishedMs: 0 }),
    }));
    const loader = new Loader(wh);
    await loader.init();
    const r = await loader.load(replay);
    expect(r.inserted).toBe(0);
    expect(await view('heatmap')).toEqual(before);
  });
});

describe('views on the hand-computed history: when and where', () => {
  it('heatmap: paid orders and revenue by weekday × hour, per store', async () => {
    expect(await view('heatmap')).toEqual([
      { weekday: 1, hour: 11, orders: 1, revenue_fen: 5000 },
      { weekday: 1, hour: 12, orders: 1, revenue_fen: 3000 },
      { weekday: 1, hour: 18, orders: 1, revenue_fen: 4000 },
      { weekday: 2, hour: 12, orders: 1, revenue_fen: 1000 },
    ]);
    // All stores: store 002's 12:00 order joins Monday noon.
    expect((await view('heatmap', { store: '' })).find((r) => r.weekday === 1 && r.hour === 12)).toEqual({
      weekday: 1,
      hour: 12,
      orders: 2,
      revenue_fen: 10777,
    });
  });

  it('30-minute slots', async () => {
    expect(await view('slots')).toEqual([
      { slot: 23, starts: '11:30', orders: 1, revenue_fen: 5000, orders_per_day: 0.5 },
      { slot: 24, starts: '12:00', orders: 2, revenue_fen: 4000, orders_per_day: 1 },
      { slot: 36, starts: '18:00', orders: 1, revenue_fen: 4000, orders_per_day: 0.5 },
    ]);
  });

  it('table turnover per meal period', async () => {
    expect(await view('turnover')).toEqual([
      { period: 'lunch', sessions: 2, tables: 2, turns_per_table_day: 0.5, closed: 2, avg_seated_min: 50 },
      { period: 'dinner', sessions: 1, tables: 2, turns_per_table_day: 0.25, closed: 1, avg_seated_min: 90 },
    ]);
  });

  it('stores and summary', async () => {
    expect(await view('stores')).toEqual([{ store: '001', name: '湘川小馆·测试店' }]);
    expect(await view('summary')).toEqual([
      {
        orders: 4,
        revenue_fen: 13000,
        refunded_fen: 1500,
        net_revenue_fen: 11500,
        events: 54,
        last_event_at: '2026-11-03 13:00:00.000',
      },
    ]);
  });
});

describe('views on the hand-computed history: dishes, channels and sold-out', () => {
  it('dish sales and gross margin from the catalog cost price', async () => {
    expect(await view('dishes')).toEqual([
      {
        sku_id: 'skuA',
        name: 'dish skuA',
        station: 'wok',
        qty: 4,
        revenue_fen: 6000,
        cost_fen: 2000,
        margin_fen: 4000,
        margin_rate: 0.6667,
      },
      {
        sku_id: 'skuC',
        name: 'dish skuC',
        station: 'wok',
        qty: 1,
        revenue_fen: 4000,
        cost_fen: 0,
        margin_fen: 0,
        margin_rate: null,
      },
      {
        sku_id: 'skuB',
        name: 'dish skuB',
        station: 'cold',
        qty: 2,
        revenue_fen: 3000,
        cost_fen: 1200,
        margin_fen: 1800,
        margin_rate: 0.6,
      },
    ]);
  });

  it('channel mix of paid orders', async () => {
    expect(await view('channels')).toEqual([
      {
        channel: 'dine_in',
        orders: 2,
        revenue_fen: 9000,
        order_share: 0.5,
        revenue_share: 0.6923,
        avg_ticket_fen: 4500,
      },
      {
        channel: 'takeaway',
        orders: 2,
        revenue_fen: 4000,
        order_share: 0.5,
        revenue_share: 0.3077,
        avg_ticket_fen: 2000,
      },
    ]);
  });

  it('sold-out events: how often and how long', async () => {
    const rows = await view('soldout');
    expect(rows.map((r) => ({ ...r, first_out: String(r.first_out).slice(0, 16) }))).toEqual([
      {
        store: '001',
        sku_id: 'skuA',
        times_out: 1,
        first_out: '2026-11-02 12:20',
        last_out: '2026-11-02 12:20:00.000',
        minutes_out: 120,
        still_out: 0,
      },
      {
        store: '001',
        sku_id: 'skuB',
        times_out: 1,
        first_out: '2026-11-03 12:06',
        last_out: '2026-11-03 12:06:00.000',
        minutes_out: 0,
        still_out: 1,
      },
    ]);
  });
});

describe('views on the hand-computed history: payments, kitchen, refunds and the CLI', () => {
  it('payment conversion: placed → paid, timed out, cancelled', async () => {
    expect(await view('conversion')).toEqual([
      {
        day: '2026-11-02',
        placed: 5,
        paid: 3,
        timed_out: 1,
        cancelled: 1,
        awaiting: 0,
        conversion: 0.6,
        avg_seconds_to_pay: 240,
      },
      {
        day: '2026-11-03',
        placed: 1,
        paid: 1,
        timed_out: 0,
        cancelled: 0,
        awaiting: 0,
        conversion: 1,
        avg_seconds_to_pay: 60,
      },
    ]);
  });

  it('kitchen lead time per station, accepted → done', async () => {
    expect(await view('kitchen')).toEqual([
      { station: 'cold', tickets: 1, avg_s: 300, p50_s: 300, p90_s: 300, max_s: 300 },
      { station: 'wok', tickets: 3, avg_s: 800, p50_s: 600, p90_s: 1200, max_s: 1200 },
    ]);
  });

  it('refunds: asked, rejected, paid back to the diner, approved and awaiting the payout', async () => {
    expect(await view('refunds')).toEqual([
      {
        day: '2026-11-02',
        requested: 1,
        rejected: 0,
        completed: 1,
        awaiting_payout: 0,
        refunded_fen: 1500,
        awaiting_fen: 0,
      },
      {
        day: '2026-11-03',
        requested: 2,
        rejected: 1,
        completed: 0,
        awaiting_payout: 1,
        refunded_fen: 0,
        awaiting_fen: 500,
      },
    ]);
    // A refund paid back counts against the day it was paid back, in the summary's range.
    expect((await view('summary', { from: '2026-11-03' }))[0]).toMatchObject({ revenue_fen: 1000, refunded_fen: 0 });
    expect(await view('refunds', { store: '002' })).toEqual([]);
  });

  it('the CLI prints the heatmap as a weekday × hour table and views as tables', async () => {
    let out = '';
    const io = { out: (s: string) => (out += s), err: (s: string) => (out += s), warehouse: wh, env: {} };
    expect(await runCli(['heatmap', '--store', '001', '--from', '2026-11-02', '--to', '2026-11-03'], io)).toBe(0);
    expect(out).toContain('store 001, 2026-11-02 … 2026-11-03');
    expect(out).toMatch(/orders\s+11\s+12\s+13\s+14\s+15\s+16\s+17\s+18\s+total/);
    expect(out).toMatch(/Mon\s+1\s+1\s+\.\s+\.\s+\.\s+\.\s+\.\s+1\s+3/);
    expect(out).toMatch(/Tue\s+\.\s+1\s+(\.\s+){6}1/);
    expect(out).toContain('paid orders 4, revenue 130.00 yuan');
    out = '';
    expect(
      await runCli(['dishes', '--store', '001', '--from', '2026-11-02', '--to', '2026-11-03', '--limit', '2'], io),
    ).toBe(0);
    expect(out.split('\n').slice(1, 5)).toEqual([
      'sku_id  name       station  qty  revenue_yuan  cost_yuan  margin_yuan  margin_rate',
      '------  ---------  -------  ---  ------------  ---------  -----------  -----------',
      'skuA    dish skuA  wok        4         60.00      20.00        40.00  66.7%',
      'skuC    dish skuC  wok        1         40.00       0.00         0.00',
    ]);
    out = '';
    expect(await runCli(['heatmap', '--store', '1'], io)).toBe(1);
    expect(out).toContain('[bad_request] store must be a 3-digit id');
  });
});

describe('read-only SQL', () => {
  it('answers SELECTs and refuses every write', async () => {
    expect(await wh.readonlyQuery('SELECT count() AS n FROM events WHERE store = {s:String}', { s: '002' })).toEqual([
      { n: 1 },
    ]);
    for (const sql of [
      'INSERT INTO events (seq) VALUES (1)',
      'DROP TABLE events',
      'TRUNCATE TABLE sales_slots',
      'ALTER TABLE events DELETE WHERE 1',
      'CREATE TABLE x (a UInt8) ENGINE = Memory',
      'SELECT 1 SETTINGS readonly = 0',
      "SELECT * FROM (SELECT * FROM file('/etc/hostname', 'LineAsString') SETTINGS readonly = 0)",
      "SELECT * FROM file('/etc/hostname', 'LineAsString')",
    ]) {
      await expect(wh.readonlyQuery(sql), sql).rejects.toMatchObject({ code: 'read_only' });
    }
    await expect(wh.readonlyQuery('SELECT 1; DROP TABLE events')).rejects.toMatchObject({ code: 'read_only' });
    expect(await wh.query<{ n: number }>('SELECT count() AS n FROM events')).toEqual([{ n: 54 }]);
  });

  it('a duplicate that bypasses the ingester collapses in the raw table (ReplacingMergeTree + FINAL)', async () => {
    const rows = recordToRows(records[0]!.record, { seq: seqs[0]!, partition: 0, publishedMs: 0 });
    await wh.insert('events', rows);
    const [r] = await wh.query<{ all: number; final: number }>(
      `SELECT (SELECT count() FROM events) AS all, (SELECT count() FROM events FINAL) AS final`,
    );
    expect(r).toEqual({ all: 54 + rows.length, final: 54 });
    await wh.command('OPTIMIZE TABLE events FINAL');
    expect(await wh.query('SELECT count() AS n FROM events')).toEqual([{ n: 54 }]);
  });
});

describe('backfill', () => {
  it('rebuilds from the whole stream exactly what live ingestion built', async () => {
    const gen = await publishHistory(
      t.nc,
      t.ns,
      generateHistory({ stores: 2, days: 2, start: '2026-11-09', partitions: P, ordersPerStoreDay: 60 }),
    );
    const total = records.length + gen.records;
    await ingester.until((s) => s.records >= total && s.lagMessages === 0);
    await ingester.stop();
    const snapshot = async () => {
      const out: Record<string, unknown> = {};
      for (const v of VIEW_NAMES) {
        for (const store of ['', '001', '002'])
          out[`${v}:${store}`] = await runView(wh, v, { store, from: '2026-11-01', to: '2026-11-30', limit: 100 });
      }
      out.count = await wh.query('SELECT count() AS n, uniqExact(event_id) AS ids FROM events FINAL');
      return out;
    };
    const live = await snapshot();
    expect((live['heatmap:'] as unknown[]).length).toBeGreaterThan(10);
    const progress: number[] = [];
    const r = await backfill({
      nc: t.nc,
      warehouse: wh,
      namespace: t.ns,
      batchMaxEvents: 2_000,
      onProgress: (p) => progress.push(p.done),
    });
    expect(r.records).toBe(total);
    expect(progress.at(-1)).toBe(total);
    expect(progress.length).toBeGreaterThan(2);
    expect(await snapshot()).toEqual(live);
  });
});
