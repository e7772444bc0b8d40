/**
 * Generated history goes to analytics' own stream and never to the engine's;
 * ingestion follows both (the engine's once the engine has made it), and
 * records of the two streams, each starting at sequence 1, are stored side by
 * side; backfill reads both; a direct load takes sequences of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogReader } from '@lunchrush/engine/log';
import { names } from '@lunchrush/engine/names';
import { natsUrl, setup, type TestContext } from '@lunchrush/testkit';
import {
  backfill,
  DIRECT_SEQ_BASE,
  generateHistory,
  historySource,
  Ingester,
  loadHistoryDirect,
  runCli,
  SEQ_SPACE,
  type Warehouse,
} from '@lunchrush/analytics';
import { at, batch, entry, ingestConfig, P, publish, tempWarehouse } from './helpers.js';

let t: TestContext;
let wh: Warehouse;
let drop: () => Promise<void>;
let ingester: Ingester;
let generated = 0;

const count = async (where = '1'): Promise<number> =>
  Number((await wh.query<{ n: number }>(`SELECT count() AS n FROM events FINAL WHERE ${where}`))[0]!.n);

beforeAll(async () => {
  t = await setup({ prefix: 'ag' });
  ({ wh, drop } = await tempWarehouse());
});

afterAll(async () => {
  await ingester?.stop();
  await drop?.();
  await t?.cleanup();
});

describe('generated history', () => {
  it('`generate` publishes to the history stream and leaves the engine stream alone', async () => {
    let out = '';
    const io = {
      out: (s: string) => (out += s),
      err: () => undefined,
      env: { NATS_URL: natsUrl(), ANALYTICS_NAMESPACE: t.ns },
    };
    const args = ['generate', '--stores', '1', '--days', '2', '--start', '2026-11-02', '--orders-per-day', '30'];
    expect(await runCli(args, io)).toBe(0);
    const m = /generated (\d+) records, (\d+) events .* → (\S+)/.exec(out);
    expect(m?.[3]).toBe(historySource(t.ns).stream);
    generated = Number(m?.[1]);
    expect(generated).toBeGreaterThan(50);

    expect(await LogReader.events(t.nc, t.ns).bounds()).toBeNull();
    expect(await new LogReader(t.nc, historySource(t.ns).stream).bounds()).toEqual({ first: 1, last: generated });
  });

  it("ingestion follows it, then the engine's log once the engine has made it; both streams' first records are stored", async () => {
    ingester = await Ingester.start({ nc: t.nc, warehouse: wh, config: ingestConfig(t.ns) });
    await ingester.until((s) => s.records >= generated && s.lagMessages === 0);
    const fromHistory = await count();
    expect(fromHistory).toBeGreaterThan(0);
    expect(await count(`seq < ${SEQ_SPACE}`)).toBe(0);

    // The engine starts: its stream, and a first record at sequence 1, as the history's first was.
    const live = entry('order', '001', 'o_live', [{ type: 'Noted', at: at('2026-11-04 12:00') }]);
    expect(await publish(t.nc, t.ns, [{ store: '001', record: batch(live) }])).toEqual([1]);
    await ingester.until((s) => s.records >= generated + 1 && s.lagMessages === 0);
    expect(await wh.query(`SELECT seq, partition FROM events WHERE actor_id = 'o_live'`)).toEqual([
      { seq: 1, partition: expect.any(Number) as unknown },
    ]);
    expect(await count()).toBe(fromHistory + 1);
  });

  it('backfill rebuilds from both streams exactly what ingestion stored', async () => {
    await ingester.stop();
    const before = await wh.query('SELECT seq, entry, idx, type FROM events FINAL ORDER BY seq, entry, idx');
    const r = await backfill({ nc: t.nc, warehouse: wh, namespace: t.ns });
    expect(r.records).toBe(generated + 1);
    expect(r.streams).toEqual([
      { stream: names(t.ns).stream, first: 1, last: 1 },
      { stream: historySource(t.ns).stream, first: 1, last: generated },
    ]);
    expect(await wh.query('SELECT seq, entry, idx, type FROM events FINAL ORDER BY seq, entry, idx')).toEqual(before);
  });

  it('a direct load takes sequences of its own: nothing of it is mistaken for a stored record', async () => {
    const before = await count();
    const r = await loadHistoryDirect(
      wh,
      generateHistory({ stores: 1, days: 1, start: '2026-11-09', partitions: P, ordersPerStoreDay: 30 }),
    );
    expect(r.events).toBeGreaterThan(0);
    expect(await count()).toBe(before + r.events);
    expect(await count(`seq > ${DIRECT_SEQ_BASE}`)).toBe(r.events);
  });
});
