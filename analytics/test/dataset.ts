/**
 * A small hand-made history whose numbers are computed by hand in views.test.ts.
 * Store 001, Monday 2026-11-02 and Tuesday 2026-11-03 (Asia/Shanghai), plus one
 * paid order of store 002 that store filters must leave out.
 */
import type { BatchRecord } from '@lunchrush/engine/log';
import { at, batch, entry } from './helpers.js';

const S = '001';
const T1 = '0010001000011';
const T2 = '0010001000029';
const staff = { role: 'staff', id: 'w1' };
const system = { role: 'system', id: 'engine' };

function line(
  lineNo: number,
  skuId: string,
  qty: number,
  unit: number,
  cost?: number,
  station = 'wok',
): Record<string, unknown> {
  return {
    lineNo,
    skuId,
    spuId: skuId.replace(/-.*/, ''),
    name: `dish ${skuId}`,
    spec: '',
    qty,
    basePriceFen: unit,
    options: [],
    unitPriceFen: unit,
    amountFen: unit * qty,
    packagingFeeFen: 0,
    ...(cost === undefined ? {} : { costFen: cost }),
    station,
    prepTimeSec: 300,
  };
}

function created(
  orderId: string,
  channel: string,
  when: number,
  lines: Record<string, unknown>[],
  totalFen: number,
  tableId: string | null = null,
) {
  return entry('order', S, orderId, [
    {
      type: 'Created',
      channel,
      dinerId: 'd1',
      tableId,
      tableLabel: null,
      sessionId: tableId === null ? null : `s-${orderId}`,
      delivery: null,
      lines,
      itemsFen: totalFen,
      packagingFeeFen: 0,
      deliveryFeeFen: 0,
      discountFen: 0,
      totalFen,
      catalogRev: 1,
      holdRef: orderId,
      holds: [],
      at: when,
    },
    { type: 'PaymentRequested', deadline: when + 15 * 60_000, at: when },
  ]);
}
const paid = (orderId: string, amountFen: number, when: number, store = S) =>
  entry('order', store, orderId, [{ type: 'Paid', paymentId: `wx-${orderId}`, amountFen, paidAt: when, at: when }]);
const accepted = (orderId: string, stations: string[], when: number) =>
  entry('order', S, orderId, [
    { type: 'Accepted', by: staff, at: when },
    { type: 'SentToKitchen', stations, at: when },
  ]);
const done = (orderId: string, station: string, when: number, ready: boolean) =>
  entry('order', S, orderId, [
    { type: 'StationDone', station, at: when },
    ...(ready ? [{ type: 'Ready', at: when }] : []),
  ]);
const table = (tableId: string, ev: unknown[]) => entry('table', S, tableId, ev);
const level = (skuId: string, lvl: string, when: number) =>
  entry('stock', S, skuId, [{ type: 'LevelChanged', level: lvl, available: lvl === 'out' ? 0 : 30, at: when }]);

type Dated = { store: string; record: BatchRecord };
const r = (record: BatchRecord, store = S): Dated => ({ store, record });

/** In the order the engine would have written them. */
export function handDataset(): Dated[] {
  return [...mondayLunch(), ...mondayAfternoon(), ...tuesdayAndRefunds()];
}

/** The store and its tables configured; o_a, o_b, o_c and T1's first sitting. */
function mondayLunch(): Dated[] {
  return [
    r(
      batch(
        entry('store', S, 'store', [
          { type: 'Configured', settings: { name: '湘川小馆·测试店' }, at: at('2026-11-02 08:00') },
        ]),
        table(T1, [
          { type: 'Configured', config: { label: 'A01', areaName: '大厅', seats: 4 }, at: at('2026-11-02 08:00') },
        ]),
        table(T2, [
          { type: 'Configured', config: { label: 'A02', areaName: '大厅', seats: 4 }, at: at('2026-11-02 08:00') },
        ]),
      ),
    ),
    r({ k: 'f', e: 2, o: 'test' } as unknown as BatchRecord), // a fence: skipped
    // o_a: dine-in at T1, two lines with cost, paid at 11:41, wok and cold stations.
    r(batch(table(T1, [{ type: 'Seated', sessionId: 's1', partySize: 2, dinerId: 'd1', at: at('2026-11-02 11:30') }]))),
    r(
      batch(
        table(T1, [
          {
            type: 'CartSubmitted',
            orderId: 'o_a',
            lineIds: ['l1', 'l2'],
            totalFen: 5000,
            dinerId: 'd1',
            at: at('2026-11-02 11:40'),
          },
        ]),
        created(
          'o_a',
          'dine_in',
          at('2026-11-02 11:40'),
          [line(1, 'skuA', 2, 1500, 500), line(2, 'skuB', 1, 2000, 800, 'cold')],
          5000,
          T1,
        ),
        entry('stock', S, 'skuA', [
          { type: 'Reserved', key: 'miniprogram:o_a', channel: 'miniprogram', qty: 2, at: at('2026-11-02 11:40') },
        ]),
      ),
    ),
    r(batch(paid('o_a', 5000, at('2026-11-02 11:41')))),
    r(batch(accepted('o_a', ['wok', 'cold'], at('2026-11-02 11:45')))),
    r(batch(done('o_a', 'cold', at('2026-11-02 11:50'), false))),
    r(
      batch(
        done('o_a', 'wok', at('2026-11-02 11:55'), true),
        entry('order', S, 'o_a', [{ type: 'Served', by: staff, at: at('2026-11-02 12:00') }]),
      ),
    ),
    // o_b: takeaway, paid at 12:20 (slot 12:00), wok 10 minutes.
    r(batch(created('o_b', 'takeaway', at('2026-11-02 12:10'), [line(1, 'skuA', 2, 1500, 500)], 3000))),
    // o_c: delivery, never paid: the payment timer cancels it.
    r(batch(created('o_c', 'delivery', at('2026-11-02 12:15'), [line(1, 'skuB', 1, 2000, 800)], 2500))),
    r(batch(paid('o_b', 3000, at('2026-11-02 12:20')), level('skuA', 'out', at('2026-11-02 12:20')))),
    r(batch(accepted('o_b', ['wok'], at('2026-11-02 12:21')))),
    r(batch(table(T1, [{ type: 'SessionClosed', by: staff, droppedLines: 0, at: at('2026-11-02 12:30') }]))),
    r(
      batch(
        entry('order', S, 'o_c', [
          { type: 'Cancelled', by: system, reason: 'payment_timeout', at: at('2026-11-02 12:30') },
        ]),
      ),
    ),
    r(batch(done('o_b', 'wok', at('2026-11-02 12:31'), true))),
  ];
}

/** o_f cancelled, store 002's order, T1 again, o_d's dinner at T2. */
function mondayAfternoon(): Dated[] {
  return [
    // o_f: dine-in, cancelled by the diner before paying.
    r(batch(created('o_f', 'dine_in', at('2026-11-02 12:40'), [line(1, 'skuA', 1, 2000, 500)], 2000))),
    r(
      batch(
        entry('order', S, 'o_f', [
          { type: 'Cancelled', by: { role: 'diner', id: 'd9' }, reason: 'changed_mind', at: at('2026-11-02 12:42') },
        ]),
      ),
    ),
    // Store 002: filtered out of store 001's numbers.
    r(batch(paid('o_z', 7777, at('2026-11-02 12:00'), '002')), '002'),
    // T1 again at lunch, 40 minutes.
    r(batch(table(T1, [{ type: 'Seated', sessionId: 's2', partySize: 3, dinerId: 'd2', at: at('2026-11-02 13:00') }]))),
    r(batch(table(T1, [{ type: 'SessionClosed', by: staff, droppedLines: 0, at: at('2026-11-02 13:40') }]))),
    r(batch(level('skuA', 'ok', at('2026-11-02 14:20')))),
    // o_d: dinner at T2, a dish without cost price, wok 20 minutes; T2 seated 90 minutes.
    r(batch(table(T2, [{ type: 'Seated', sessionId: 's3', partySize: 4, dinerId: 'd3', at: at('2026-11-02 18:00') }]))),
    r(batch(created('o_d', 'dine_in', at('2026-11-02 18:05'), [line(1, 'skuC', 1, 4000)], 4000, T2))),
    r(batch(paid('o_d', 4000, at('2026-11-02 18:06')))),
    r(batch(accepted('o_d', ['wok'], at('2026-11-02 18:10')))),
    r(batch(done('o_d', 'wok', at('2026-11-02 18:30'), true))),
    r(batch(table(T2, [{ type: 'SessionClosed', by: staff, droppedLines: 0, at: at('2026-11-02 19:30') }]))),
  ];
}

function tuesdayAndRefunds(): Dated[] {
  return [
    // Tuesday: o_e takeaway paid at 12:06; skuB runs out for good.
    r(batch(created('o_e', 'takeaway', at('2026-11-03 12:05'), [line(1, 'skuB', 1, 1000, 400)], 1000))),
    r(batch(paid('o_e', 1000, at('2026-11-03 12:06')), level('skuB', 'out', at('2026-11-03 12:06')))),
    // Refunds: o_d 15.00 back to the diner the same evening; o_e's asked and rejected; o_b's 5.00
    // approved on Tuesday but not yet paid out by WeChat.
    r(batch(refundAsked('o_d', 'r1', 1500, staff, at('2026-11-02 19:00')))),
    r(
      batch(
        entry('order', S, 'o_d', [{ type: 'RefundApproved', refundId: 'r1', by: staff, at: at('2026-11-02 19:00') }]),
      ),
    ),
    r(batch(entry('order', S, 'o_d', [{ type: 'RefundCompleted', refundId: 'r1', at: at('2026-11-02 19:02') }]))),
    r(batch(refundAsked('o_e', 'r2', 1000, { role: 'diner', id: 'd5' }, at('2026-11-03 12:30')))),
    r(
      batch(
        entry('order', S, 'o_e', [
          { type: 'RefundRejected', refundId: 'r2', by: staff, reason: 'eaten', at: at('2026-11-03 12:35') },
        ]),
      ),
    ),
    r(batch(refundAsked('o_b', 'r3', 500, staff, at('2026-11-03 13:00')))),
    r(
      batch(
        entry('order', S, 'o_b', [{ type: 'RefundApproved', refundId: 'r3', by: staff, at: at('2026-11-03 13:00') }]),
      ),
    ),
  ];
}

function refundAsked(orderId: string, refundId: string, amountFen: number, by: unknown, when: number) {
  return entry('order', S, orderId, [
    {
      type: 'RefundRequested',
      refund: { refundId, full: false, lines: [], amountFen, reason: 'cold', by, status: 'requested', at: when },
      at: when,
    },
  ]);
}
