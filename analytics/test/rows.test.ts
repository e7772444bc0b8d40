/**
 * The TabSeparated rows the ingester inserts: strings with tabs, newlines,
 * backslashes and quotes (in plain columns, arrays and the JSON payload) come
 * back from ClickHouse exactly, through chDB's raw insert and through the
 * client's streamed insert that the server path uses.
 */
import { createChdbConnection } from 'chdb/connection';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Loader, recordToTsv, Warehouse } from '@lunchrush/analytics';
import { at, batch, entry, tempWarehouse } from './helpers.js';

let wh: Warehouse;
let viaClient: Warehouse;
let dir: string;
let drop: () => Promise<void>;

const nasty = 'tab\there, line\nbreak, cr\rreturn, back\\slash, \'quoted\' "double" 川菜';
const created = {
  type: 'Created',
  channel: 'dine_in',
  tableId: 'T\t1',
  sessionId: 's\\1',
  lines: [
    { skuId: "sku'1", spuId: 'spu\n1', name: nasty, spec: '', qty: 2, amountFen: 3000, costFen: 500, station: 'wok' },
    { skuId: 'sku2', spuId: 'spu2', name: 'plain', spec: 'large', qty: 1, amountFen: 800, station: 'cold\\bar' },
  ],
  totalFen: 3800,
  at: at('2026-11-02 12:00'),
};
const cancelled = { type: 'Cancelled', reason: nasty, by: { role: 'staff', id: 'w1' }, at: at('2026-11-02 12:05') };
const record = batch(entry('order', '001', 'o_\tx', [created, cancelled]));

beforeAll(async () => {
  ({ wh, dir, drop } = await tempWarehouse());
  viaClient = Warehouse.overConnection('chdb', dir, createChdbConnection({ path: dir }) as never, { rawInsert: false });
});

afterAll(async () => {
  await viaClient?.close();
  await drop?.();
});

describe('TabSeparated rows', () => {
  it.each([
    ['chDB raw insert', 1, () => wh],
    ['client streamed insert (the server path)', 2, () => viaClient],
  ])('%s stores every value as it was', async (_name, seq, warehouse) => {
    const rows = recordToTsv(record, { seq, partition: 3, publishedMs: at('2026-11-02 12:06') });
    expect(rows.events).toBe(2);
    const r = await new Loader(warehouse()).load([{ seq, publishedMs: 0, redelivered: false, ...rows }]);
    expect(r).toEqual({ inserted: 2, duplicates: 0 });
    const got = await wh.query<Record<string, unknown>>(
      `SELECT event_id, partition, toString(ts) AS ts, toString(published) AS published, store, actor_type, actor_id,
              type, order_id, table_id, session_id, channel, reason, role, amount_fen, qty, line_sku, line_spu,
              line_name, line_qty, line_amount_fen, line_cost_fen, line_has_cost, line_station, payload
       FROM events WHERE seq = {seq:UInt64} ORDER BY idx`,
      { seq },
    );
    const common = {
      partition: 3,
      published: '2026-11-02 12:06:00.000',
      store: '001',
      actor_type: 'order',
      actor_id: 'o_\tx',
      order_id: 'o_\tx',
    };
    expect(got).toEqual([
      {
        ...common,
        event_id: `${seq}:0:0`,
        ts: '2026-11-02 12:00:00.000',
        type: 'Created',
        table_id: 'T\t1',
        session_id: 's\\1',
        channel: 'dine_in',
        reason: '',
        role: '',
        amount_fen: 3800,
        qty: 3,
        line_sku: ["sku'1", 'sku2'],
        line_spu: ['spu\n1', 'spu2'],
        line_name: [nasty, 'plain (large)'],
        line_qty: [2, 1],
        line_amount_fen: [3000, 800],
        line_cost_fen: [1000, 0],
        line_has_cost: [1, 0],
        line_station: ['wok', 'cold\\bar'],
        payload: JSON.stringify(created),
      },
      {
        ...common,
        event_id: `${seq}:0:1`,
        ts: '2026-11-02 12:05:00.000',
        type: 'Cancelled',
        table_id: '',
        session_id: '',
        channel: '',
        reason: nasty,
        role: 'staff',
        amount_fen: 0,
        qty: 0,
        line_sku: [],
        line_spu: [],
        line_name: [],
        line_qty: [],
        line_amount_fen: [],
        line_cost_fen: [],
        line_has_cost: [],
        line_station: [],
        payload: JSON.stringify(cancelled),
      },
    ]);
  });

  it('odd numbers and times load (as 0, or clamped) instead of failing the batch for ever', async () => {
    const odd = batch(
      entry('order', '001', 'o_odd', [
        { type: 'Paid', amountFen: 'lots', paymentId: 'p1', at: 'soon' },
        { type: 'Paid', amountFen: 12.9, paymentId: 'p2', at: 0 },
        { type: 'Paid', amountFen: 1, paymentId: 'p3', at: 1_234 },
        { type: 'Paid', amountFen: 1, paymentId: 'p4', at: -5 },
      ]),
    );
    const rows = recordToTsv(odd, { seq: 3, partition: 0, publishedMs: at('2026-11-02 13:00') });
    await new Loader(wh).load([{ seq: 3, publishedMs: 0, redelivered: false, ...rows }]);
    expect(
      await wh.query(`SELECT amount_fen, ref, toUnixTimestamp64Milli(ts) AS ms FROM events WHERE seq = 3 ORDER BY idx`),
    ).toEqual([
      { amount_fen: 0, ref: 'p1', ms: at('2026-11-02 13:00') },
      { amount_fen: 12, ref: 'p2', ms: 0 },
      { amount_fen: 1, ref: 'p3', ms: 1_234 },
      { amount_fen: 1, ref: 'p4', ms: 0 },
    ]);
  });
});
