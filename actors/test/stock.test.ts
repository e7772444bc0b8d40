/** The stock actor's decide/evolve, table-driven. */
import { describe, expect, it } from 'vitest';
import { isRejection, type Rejection } from '@lunchrush/engine';
import { type StockCommand, type StockEvent, type StockResult, type StockState } from '@lunchrush/actors';
import { STORE } from './helpers.js';
import { run, given, at, set, reserve, commit, release, sell } from './stock-support.js';

interface Row {
  name: string;
  given: StockCommand[];
  when: StockCommand;
  events?: StockEvent['type'][];
  rejected?: string;
  then?: Partial<Pick<StockState, 'available' | 'reserved' | 'sold' | 'eightySixed' | 'level' | 'lowThreshold'>>;
  result?: Partial<StockResult>;
}

const rows: Row[] = [
  // reserve
  {
    name: 'reserve takes from available',
    given: [set(10)],
    when: reserve('o_1', 3),
    events: ['Reserved'],
    then: { available: 7, reserved: 3 },
    result: { qty: 3, status: 'reserved' },
  },
  {
    name: 'reserve of the last units goes out',
    given: [set(3)],
    when: reserve('o_1', 3),
    events: ['Reserved', 'LevelChanged'],
    then: { available: 0, level: 'out' },
  },
  {
    name: 'reserve crossing the low threshold',
    given: [set(8)],
    when: reserve('o_1', 3),
    events: ['Reserved', 'LevelChanged'],
    then: { level: 'low' },
  },
  { name: 'reserve more than available', given: [set(2)], when: reserve('o_1', 3), rejected: 'sold_out' },
  { name: 'reserve when empty', given: [], when: reserve('o_1', 1), rejected: 'sold_out' },
  {
    name: "reserve when 86'd",
    given: [set(10), { type: 'set86', on: true, at }],
    when: reserve('o_1', 1),
    rejected: 'sold_out',
  },
  {
    name: 'reserve repeated with the same id',
    given: [set(10), reserve('o_1', 3)],
    when: reserve('o_1', 3),
    events: [],
    then: { available: 7 },
    result: { duplicate: true },
  },
  {
    name: 'reserve repeated with another quantity',
    given: [set(10), reserve('o_1', 3)],
    when: reserve('o_1', 4),
    rejected: 'idempotency_conflict',
  },
  {
    name: 'reserve after commit of the same id',
    given: [set(10), reserve('o_1', 3), commit('o_1')],
    when: reserve('o_1', 3),
    events: [],
    result: { duplicate: true, status: 'committed' },
  },
  {
    name: 'reserve after release of the same id',
    given: [set(10), reserve('o_1', 3), release('o_1')],
    when: reserve('o_1', 3),
    rejected: 'reservation_released',
  },
  {
    name: 'same ref on another channel is another key',
    given: [set(20), reserve('x1', 3)],
    when: reserve('x1', 3, 'delivery'),
    events: ['Reserved'],
    then: { available: 14, reserved: 6 },
  },
  { name: 'reserve with qty 0 is malformed', given: [set(10)], when: reserve('o_1', 0), rejected: 'invalid_command' },
  // commit
  {
    name: 'commit moves reserved to sold',
    given: [set(10), reserve('o_1', 3)],
    when: commit('o_1'),
    events: ['Committed'],
    then: { available: 7, reserved: 0, sold: 3 },
  },
  {
    name: 'commit twice',
    given: [set(10), reserve('o_1', 3), commit('o_1')],
    when: commit('o_1'),
    events: [],
    result: { duplicate: true },
    then: { sold: 3 },
  },
  { name: 'commit unknown', given: [set(10)], when: commit('o_9'), rejected: 'unknown_reservation' },
  {
    name: 'commit released',
    given: [set(10), reserve('o_1', 3), release('o_1')],
    when: commit('o_1'),
    rejected: 'reservation_released',
  },
  {
    name: "commit while 86'd still works",
    given: [set(10), reserve('o_1', 3), { type: 'set86', on: true, at }],
    when: commit('o_1'),
    events: ['Committed'],
  },
  // release
  {
    name: 'release gives back',
    given: [set(10), reserve('o_1', 3)],
    when: release('o_1'),
    events: ['Released'],
    then: { available: 10, reserved: 0 },
  },
  {
    name: 'release from out of stock',
    given: [set(3), reserve('o_1', 3)],
    when: release('o_1'),
    events: ['Released', 'LevelChanged'],
    then: { level: 'low' },
  },
  {
    name: 'release twice',
    given: [set(10), reserve('o_1', 3), release('o_1')],
    when: release('o_1'),
    events: [],
    result: { duplicate: true },
  },
  { name: 'release unknown', given: [set(10)], when: release('o_9'), rejected: 'unknown_reservation' },
  {
    name: 'release committed',
    given: [set(10), reserve('o_1', 3), commit('o_1')],
    when: release('o_1'),
    rejected: 'already_committed',
  },
  // sell (POS)
  {
    name: 'POS sale deducts directly',
    given: [set(10)],
    when: sell('pos-1', 2),
    events: ['Sold'],
    then: { available: 8, sold: 2 },
  },
  {
    name: 'POS sale repeated',
    given: [set(10), sell('pos-1', 2)],
    when: sell('pos-1', 2),
    events: [],
    result: { duplicate: true },
    then: { sold: 2 },
  },
  {
    name: 'POS sale repeated with another qty',
    given: [set(10), sell('pos-1', 2)],
    when: sell('pos-1', 3),
    rejected: 'idempotency_conflict',
  },
  { name: 'POS sale short', given: [set(1)], when: sell('pos-1', 2), rejected: 'sold_out' },
  {
    name: 'sell on an open reservation',
    given: [set(10), { type: 'reserve', channel: 'pos', ref: 'pos-1', qty: 1, at }],
    when: sell('pos-1', 1),
    rejected: 'idempotency_conflict',
  },
  {
    name: 'sell of a committed reservation id',
    given: [set(10), { type: 'reserve', channel: 'pos', ref: 'p2', qty: 1, at }, commit('p2', 'pos')],
    when: sell('p2', 1),
    rejected: 'idempotency_conflict',
  },
  // return
  {
    name: 'return all of a committed order',
    given: [set(10), reserve('o_1', 3), commit('o_1')],
    when: { type: 'return', channel: 'miniprogram', ref: 'o_1', reason: 'refund', at },
    events: ['Returned'],
    then: { available: 10, sold: 0 },
    result: { qty: 3 },
  },
  {
    name: 'return part of a POS sale',
    given: [set(10), sell('pos-1', 3)],
    when: { type: 'return', channel: 'pos', ref: 'pos-1', qty: 1, reason: 'void', at },
    events: ['Returned'],
    then: { available: 8, sold: 2 },
  },
  {
    name: 'return more than sold',
    given: [set(10), sell('pos-1', 3)],
    when: { type: 'return', channel: 'pos', ref: 'pos-1', qty: 4, reason: 'void', at },
    rejected: 'invalid_quantity',
  },
  {
    name: 'return when all returned',
    given: [set(10), sell('pos-1', 3), { type: 'return', channel: 'pos', ref: 'pos-1', reason: 'void', at }],
    when: { type: 'return', channel: 'pos', ref: 'pos-1', reason: 'void', at },
    events: [],
    result: { duplicate: true },
  },
  {
    name: 'return of a released reservation',
    given: [set(10), reserve('o_1', 3), release('o_1')],
    when: { type: 'return', channel: 'miniprogram', ref: 'o_1', reason: 'x', at },
    rejected: 'unknown_reservation',
  },
  {
    name: 'return of an open reservation',
    given: [set(10), reserve('o_1', 3)],
    when: { type: 'return', channel: 'miniprogram', ref: 'o_1', reason: 'x', at },
    rejected: 'unknown_reservation',
  },
  // restock / set / adjust
  {
    name: 'restock',
    given: [set(2)],
    when: { type: 'restock', qty: 10, at },
    events: ['Restocked', 'LevelChanged'],
    then: { available: 12, level: 'ok' },
  },
  { name: 'restock of 0 is malformed', given: [], when: { type: 'restock', qty: 0, at }, rejected: 'invalid_command' },
  {
    name: 'set to a count',
    given: [set(10), reserve('o_1', 2)],
    when: set(20),
    events: ['StockSet'],
    then: { available: 20, reserved: 2 },
  },
  { name: 'set to the same count changes nothing', given: [set(10)], when: set(10), events: [] },
  { name: 'set negative is malformed', given: [], when: set(-1), rejected: 'invalid_command' },
  {
    name: 'adjust down with a reason',
    given: [set(10)],
    when: { type: 'adjust', delta: -3, reason: 'dropped', at },
    events: ['Adjusted'],
    then: { available: 7 },
  },
  {
    name: 'adjust below zero',
    given: [set(2)],
    when: { type: 'adjust', delta: -3, reason: 'dropped', at },
    rejected: 'insufficient_stock',
  },
  {
    name: 'adjust without a reason',
    given: [set(2)],
    when: { type: 'adjust', delta: -1, reason: '', at },
    rejected: 'invalid_command',
  },
  {
    name: 'adjust by 0',
    given: [set(2)],
    when: { type: 'adjust', delta: 0, reason: 'x', at },
    rejected: 'invalid_command',
  },
  // 86 and threshold
  {
    name: '86 on',
    given: [set(10)],
    when: { type: 'set86', on: true, reason: 'chef says', at },
    events: ['EightySixed', 'LevelChanged'],
    then: { eightySixed: true, level: 'out' },
  },
  {
    name: '86 off',
    given: [set(10), { type: 'set86', on: true, at }],
    when: { type: 'set86', on: false, at },
    events: ['EightySixed', 'LevelChanged'],
    then: { eightySixed: false, level: 'ok' },
  },
  {
    name: '86 on twice',
    given: [set(10), { type: 'set86', on: true, at }],
    when: { type: 'set86', on: true, at },
    events: [],
  },
  {
    name: 'threshold up makes it low',
    given: [set(10)],
    when: { type: 'setThreshold', lowThreshold: 10, at },
    events: ['ThresholdSet', 'LevelChanged'],
    then: { level: 'low', lowThreshold: 10 },
  },
  // reads and garbage
  { name: 'get', given: [set(10)], when: { type: 'get' }, events: [], result: { available: 10 } },
  {
    name: 'unknown command',
    given: [],
    when: { type: 'explode' } as unknown as StockCommand,
    rejected: 'invalid_command',
  },
];

describe('stock decide/evolve', () => {
  it.each(rows)('$name', (row) => {
    const s0 = given(...row.given);
    const { s, d } = run(s0, row.when);
    if (row.rejected !== undefined) {
      expect(isRejection(d)).toBe(true);
      expect((d as Rejection).reject.code).toBe(row.rejected);
      return;
    }
    if (isRejection(d)) expect.fail(`rejected ${d.reject.code}: ${d.reject.message}`);
    expect((d.events ?? []).map((e) => e.type)).toEqual(row.events ?? []);
    if (row.then !== undefined) expect(s).toMatchObject(row.then);
    if (row.result !== undefined) expect(d.result).toMatchObject(row.result);
    // the result always describes the state after the events
    expect(d.result).toMatchObject({ available: s.available, reserved: s.reserved, sold: s.sold });
  });

  it('names the SKU and what is left when short', () => {
    const { d } = run(given(set(2)), reserve('o_1', 3));
    expect(d).toMatchObject({ reject: { code: 'sold_out', details: { skuId: 'noodle', requested: 3, available: 2 } } });
    expect((d as Rejection).reject.message).toContain('only 2');
  });

  it('pushes level changes to the menu and, durable, to the platform sync, with ids stable per version', () => {
    const { d } = run(given(set(1)), reserve('o_1', 1));
    if (isRejection(d)) expect.fail('rejected');
    expect(d.outputs).toEqual([
      {
        subject: `push.${STORE}.menu`,
        id: 'stock:noodle:4',
        data: { kind: 'stock', skuId: 'noodle', level: 'out', available: 0, at },
      },
      {
        subject: `sync.${STORE}`,
        id: 'sync:stock:noodle:4',
        data: { kind: 'stock', store: STORE, skuId: 'noodle', level: 'out', available: 0, seq: 4, at },
        jetstream: true,
      },
    ]);
  });

  it('never mutates the state it is given', () => {
    const s0 = given(set(10), reserve('o_1', 3));
    const frozen = JSON.stringify(s0);
    run(s0, commit('o_1'));
    run(s0, reserve('o_2', 2));
    run(s0, release('o_1'));
    expect(JSON.stringify(s0)).toBe(frozen);
  });

  it('remembers thousands of finished order ids', () => {
    let s = given(set(100_000));
    for (let i = 0; i < 5_000; i++) s = run(run(s, reserve(`o_${i}`, 1)).s, commit(`o_${i}`)).s;
    const again = run(s, reserve('o_0', 1));
    expect(again.d).toMatchObject({ result: { duplicate: true, status: 'committed' } });
    expect(s.sold).toBe(5_000);
  });
});
