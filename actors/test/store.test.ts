import { describe, expect, it } from 'vitest';
import { isRejection } from '@lunchrush/engine';
import {
  decideStore,
  decideTable,
  evolveStore,
  evolveTable,
  initialStore,
  initialTable,
  makeTableCode,
  storeActor,
  tableId,
  tableRef,
  stockRef,
  storeRef,
  type ChannelSale,
  type StoreCommand,
  type StoreEvent,
  type StoreState,
  type StoreView,
} from '@lunchrush/actors';
import { STORE, T0, ctxOf, expectOk, expectRejected, send, setupStore, stock, table } from './helpers.js';

const ctx = ctxOf(storeRef(STORE));
const at = T0;
const configure = (extra: Record<string, unknown> = {}): StoreCommand => ({
  type: 'configure',
  settings: { name: '五一广场店', busyThresholdTickets: 3, ...extra },
  at,
});

function given(...cs: StoreCommand[]): StoreState {
  let s = initialStore(STORE);
  for (const c of cs) {
    const d = decideStore(s, c, ctx);
    if (isRejection(d)) throw new Error(`given ${c.type}: ${d.reject.code}`);
    for (const e of d.events ?? []) s = evolveStore(s, e);
  }
  return s;
}

const added = (tableId: string): StoreCommand => ({ type: 'tableAdded', tableId, at });

const tickets = (type: 'ticketsOpened' | 'ticketsClosed', orderId: string, ...stations: string[]): StoreCommand => ({
  type,
  orderId,
  stations,
  at,
});

const rows: [string, StoreCommand[], StoreCommand, StoreEvent['type'][] | string, Partial<StoreState>?][] = [
  ['configure', [], configure(), ['Configured'], { status: 'closed' }],
  ['open', [configure()], { type: 'open', at }, ['Opened', 'StatusChanged'], { status: 'open', opened: true }],
  ['open before configuring', [], { type: 'open', at }, 'store_not_configured'],
  ['open twice', [configure(), { type: 'open', at }], { type: 'open', at }, []],
  [
    'close',
    [configure(), { type: 'open', at }],
    { type: 'close', at },
    ['Closed', 'StatusChanged'],
    { status: 'closed' },
  ],
  ['close when closed', [configure()], { type: 'close', at }, []],
  [
    'busy by hand',
    [configure(), { type: 'open', at }],
    { type: 'setBusy', busy: true, at },
    ['BusySet', 'StatusChanged'],
    { status: 'busy' },
  ],
  ['busy by hand twice', [configure(), { type: 'setBusy', busy: true, at }], { type: 'setBusy', busy: true, at }, []],
  [
    'tickets count per station',
    [configure(), { type: 'open', at }],
    tickets('ticketsOpened', 'o_1', 'wok', 'cold'),
    ['TicketsOpened'],
    { pending: { wok: 1, cold: 1 } },
  ],
  [
    'the kitchen load makes the store busy',
    [configure(), { type: 'open', at }, tickets('ticketsOpened', 'o_1', 'wok', 'cold')],
    tickets('ticketsOpened', 'o_2', 'wok'),
    ['TicketsOpened', 'StatusChanged'],
    { status: 'busy', pending: { wok: 2, cold: 1 } },
  ],
  [
    'and not busy once tickets are done',
    [
      configure(),
      { type: 'open', at },
      tickets('ticketsOpened', 'o_1', 'wok', 'cold'),
      tickets('ticketsOpened', 'o_2', 'wok'),
    ],
    tickets('ticketsClosed', 'o_1', 'wok', 'cold'),
    ['TicketsClosed', 'StatusChanged'],
    { status: 'open', pending: { wok: 1 } },
  ],
  ['admit when open', [configure(), { type: 'open', at }], { type: 'admit', channel: 'dine_in', at }, []],
  ['admit when closed', [configure()], { type: 'admit', channel: 'dine_in', at }, 'store_closed'],
  ['admit before configuring', [], { type: 'admit', channel: 'dine_in', at }, 'store_not_configured'],
  [
    'admit outside opening hours',
    [configure({ hours: [{ from: '17:00', to: '22:00' }] }), { type: 'open', at }],
    { type: 'admit', channel: 'dine_in', at },
    'store_closed',
  ],
  [
    'admit inside opening hours',
    [configure({ hours: [{ from: '10:00', to: '22:00' }] }), { type: 'open', at }],
    { type: 'admit', channel: 'takeaway', at },
    [],
  ],
  ['a payment timeout under a second', [], configure({ paymentTimeoutMs: 10 }), 'invalid_command'],
  ['a table is listed', [], added(table(2)), ['TableAdded'], { tables: [table(2)] }],
  [
    'tables are listed in order',
    [added(table(3)), added(table(1))],
    added(table(2)),
    ['TableAdded'],
    { tables: [table(1), table(2), table(3)] },
  ],
  ['a table is listed once', [added(table(2))], added(table(2)), [], { tables: [table(2)] }],
  ['a table of another store', [], added(tableId(makeTableCode('002', 1, 1))), 'invalid_table_code'],
  ['a table id that is no table code', [], added('0010001000010'), 'invalid_table_code'],
  [
    'tickets for no station',
    [configure()],
    { type: 'ticketsOpened', orderId: 'o_1', stations: [], at },
    'invalid_command',
  ],
];

describe('store decide/evolve', () => {
  it.each(rows)('%s', (_n, g, when, want, then) => {
    const s0 = given(...g);
    const d = decideStore(s0, when, ctx);
    if (typeof want === 'string') {
      expect(isRejection(d) ? d.reject.code : 'ok').toBe(want);
      return;
    }
    if (isRejection(d)) expect.fail(d.reject.message);
    expect((d.events ?? []).map((e) => e.type)).toEqual(want);
    let s = s0;
    for (const e of d.events ?? []) s = evolveStore(s, e);
    if (then !== undefined) expect(s).toMatchObject(then);
  });

  it('admission answers the payment timeout and the load', () => {
    const s = given(
      configure({ paymentTimeoutMs: 5_000 }),
      { type: 'open', at },
      tickets('ticketsOpened', 'o_1', 'wok'),
    );
    expect(decideStore(s, { type: 'admit', channel: 'dine_in', at }, ctx)).toEqual({
      result: {
        status: 'open',
        paymentTimeoutMs: 5_000,
        pendingTickets: 1,
        quotedWaitMin: 12,
        kitchen: 'normal',
        pausedStations: [],
        stationQuotes: { wok: 12 },
        basePrepMin: 12,
      },
    });
  });

  it('a settings patch changes only what it names: the site, zone and admission stay, and the view shows hours and threshold', () => {
    const site = { location: { lng: 112.98, lat: 28.2 }, address: '长沙市芙蓉区五一大道 1 号' };
    const s0 = given(configure({ hours: [{ from: '10:00', to: '14:00' }], busyThresholdTickets: 25, site }));
    const d = decideStore(
      s0,
      { type: 'updateSettings', patch: { name: '新店名', paymentTimeoutMs: 600_000 }, at },
      ctx,
    );
    if (isRejection(d)) expect.fail(d.reject.message);
    let s = s0;
    for (const e of d.events ?? []) s = evolveStore(s, e);
    expect(s.settings).toMatchObject({
      name: '新店名',
      paymentTimeoutMs: 600_000,
      hours: [{ from: '10:00', to: '14:00' }],
      busyThresholdTickets: 25,
      site,
    });
    expect(decideStore(s, { type: 'get', at }, ctx)).toMatchObject({
      result: { hours: [{ from: '10:00', to: '14:00' }], busyThresholdTickets: 25, paymentTimeoutMs: 600_000 },
    });
    const fresh = given();
    const r = decideStore(fresh, { type: 'updateSettings', patch: { name: 'x' }, at }, ctx);
    expect(isRejection(r) ? r.reject.code : 'ok').toBe('store_not_configured');
  });

  it('get reports closed outside opening hours', () => {
    const s = given(configure({ hours: [{ from: '17:00', to: '22:00' }] }), { type: 'open', at });
    expect(decideStore(s, { type: 'get', at }, ctx)).toMatchObject({
      result: { status: 'closed', withinHours: false },
    });
    expect(decideStore(s, { type: 'get', at: at + 6 * 3_600_000 }, ctx)).toMatchObject({
      result: { status: 'open', withinHours: true },
    });
  });

  it('pushes the status and the load to the staff board', () => {
    const d = decideStore(given(configure()), { type: 'open', at }, ctx);
    expect(!isRejection(d) && d.outputs).toEqual([
      {
        subject: `push.${STORE}.board`,
        id: `store:${STORE}:3`,
        data: { kind: 'store', status: 'open', pending: {}, at },
      },
    ]);
  });
});

describe("the store's table list", () => {
  it('every table set up is listed; setting one up again lists it once', () => {
    const rt = setupStore({ tables: 3 });
    const tables = (): readonly string[] => expectOk(send<StoreView>(rt, storeRef(STORE), { type: 'get', at })).tables;
    expect(tables()).toEqual([table(1), table(2), table(3)]);
    const config = { label: 'A1', areaName: '大厅', seats: 4 };
    expectOk(send(rt, tableRef(STORE, table(1)), { type: 'configure', config, at }));
    expectOk(send(rt, tableRef(STORE, table(1)), { type: 'configure', config: { ...config, seats: 6 }, at }));
    expect(tables()).toEqual([table(1), table(2), table(3)]);
  });

  it('setting a table up again tells the store again: how a table set up before the list is listed', () => {
    const config = { label: 'B7', areaName: '包间', seats: 8 };
    const id = table(7, 2);
    const calls: unknown[] = [];
    const tctx = ctxOf(tableRef(STORE, id), {
      call: <R>(type: string, actorId: string, command: unknown) => {
        calls.push([type, actorId, command]);
        return { ok: true, result: undefined as R };
      },
    });
    let s = initialTable(STORE, id);
    const first = decideTable(s, { type: 'configure', config, at }, tctx);
    if (isRejection(first)) expect.fail(first.reject.message);
    for (const e of first.events ?? []) s = evolveTable(s, e);
    const again = decideTable(s, { type: 'configure', config, at: at + 1 }, tctx);
    expect(isRejection(again) ? again : again.events).toBeUndefined();
    expect(calls).toEqual([
      ['store', 'store', { type: 'tableAdded', tableId: id, at }],
      ['store', 'store', { type: 'tableAdded', tableId: id, at: at + 1 }],
    ]);
  });

  it('a table the store refuses is not set up', () => {
    const tctx = ctxOf(tableRef(STORE, table(1)), {
      call: () => ({ ok: false, code: 'invalid_command', message: 'full' }),
    });
    const d = decideTable(
      initialTable(STORE, table(1)),
      { type: 'configure', config: { label: 'A1', areaName: '大厅', seats: 4 }, at },
      tctx,
    );
    expect(isRejection(d) && d.reject.code).toBe('invalid_command');
  });

  it('a snapshot from before the list reads as a store without tables', () => {
    const { tables: _none, ...old } = given(configure());
    const decode = (raw: unknown): StoreState => storeActor.snapshot!.decode(raw);
    expect(decode(old)).toEqual(given(configure()));
    expect(decode(given(configure(), added(table(1)))).tables).toEqual([table(1)]);
  });
});

const sale = (ref: string, lines: { skuId: string; qty: number }[], channel = 'pos'): StoreCommand =>
  ({ type: 'sell', channel, ref, lines, at }) as StoreCommand;
const levels = (rt: ReturnType<typeof setupStore>, ...skus: string[]) =>
  skus.map((k) => [stock(rt, k).available, stock(rt, k).sold]);

describe('store sell: a channel sale of several SKUs, all or nothing', () => {
  it('sells every SKU under the channel id; lines of one SKU add up', () => {
    const rt = setupStore({ stock: { cuke: 5, cola: 5 } });
    const r = expectOk(
      send<ChannelSale>(
        rt,
        storeRef(STORE),
        sale('s-1', [
          { skuId: 'cuke', qty: 2 },
          { skuId: 'cola', qty: 1 },
          { skuId: 'cuke', qty: 1 },
        ]),
      ),
    );
    expect(r).toMatchObject({
      channel: 'pos',
      ref: 's-1',
      duplicate: false,
      skus: [
        { skuId: 'cuke', requested: 3, available: 2, sold: 3, status: 'sold' },
        { skuId: 'cola', requested: 1, available: 4, sold: 1, status: 'sold' },
      ],
    });
    expect(levels(rt, 'cuke', 'cola')).toEqual([
      [2, 3],
      [4, 1],
    ]);
  });

  it('a short SKU sells nothing and names every short SKU with what is left', () => {
    const rt = setupStore({ stock: { cuke: 1, cola: 5, beer: 0 } });
    const r = expectRejected(
      send(
        rt,
        storeRef(STORE),
        sale('s-1', [
          { skuId: 'cola', qty: 2 },
          { skuId: 'cuke', qty: 2 },
          { skuId: 'beer', qty: 1 },
        ]),
      ),
      'sold_out',
    );
    expect(r.details).toEqual({
      skus: [
        { skuId: 'cuke', requested: 2, available: 1 },
        { skuId: 'beer', requested: 1, available: 0 },
      ],
    });
    expect(r.message).toBe('cuke: 1 left, 2 wanted; beer: 0 left, 1 wanted');
    expect(levels(rt, 'cola', 'cuke', 'beer')).toEqual([
      [5, 0],
      [1, 0],
      [0, 0],
    ]);
    // The id is still free: the same sale with what is there goes through.
    expectOk(
      send(
        rt,
        storeRef(STORE),
        sale('s-1', [
          { skuId: 'cola', qty: 2 },
          { skuId: 'cuke', qty: 1 },
        ]),
      ),
    );
    expect(levels(rt, 'cola', 'cuke')).toEqual([
      [3, 2],
      [0, 1],
    ]);
  });
});

describe('store sell: repeats, conflicts and malformed sales', () => {
  it('a repeat changes nothing and answers duplicate', () => {
    const rt = setupStore({ stock: { cuke: 5, cola: 5 } });
    const lines = [
      { skuId: 'cuke', qty: 2 },
      { skuId: 'cola', qty: 1 },
    ];
    expectOk(send(rt, storeRef(STORE), sale('d-1', lines, 'delivery')));
    const again = expectOk(send<ChannelSale>(rt, storeRef(STORE), sale('d-1', lines, 'delivery')));
    expect(again.duplicate).toBe(true);
    expect(again.skus.map((k) => k.qty)).toEqual([0, 0]);
    expect(levels(rt, 'cuke', 'cola')).toEqual([
      [3, 2],
      [4, 1],
    ]);
  });

  it('an id used another way on one SKU refuses the whole sale as that conflict', () => {
    const rt = setupStore({ stock: { cuke: 5, cola: 5 } });
    expectOk(send(rt, stockRef(STORE, 'cola'), { type: 'reserve', channel: 'pos', ref: 's-9', qty: 1, at }));
    expectRejected(
      send(
        rt,
        storeRef(STORE),
        sale('s-9', [
          { skuId: 'cuke', qty: 1 },
          { skuId: 'cola', qty: 1 },
        ]),
      ),
      'idempotency_conflict',
    );
    expect(levels(rt, 'cuke')).toEqual([[5, 0]]);
    expect(stock(rt, 'cola').reserved).toBe(1);
  });

  it('refuses malformed sales and needs the engine', () => {
    const rt = setupStore();
    expectRejected(send(rt, storeRef(STORE), sale('s-1', [])), 'invalid_command');
    expectRejected(send(rt, storeRef(STORE), sale('bad id!', [{ skuId: 'cuke', qty: 1 }])), 'invalid_command');
    expectRejected(send(rt, storeRef(STORE), sale('s-1', [{ skuId: 'cuke', qty: 0 }])), 'invalid_command');
    const d = decideStore(given(configure()), sale('s-1', [{ skuId: 'cuke', qty: 1 }]), undefined);
    expect(isRejection(d) && d.reject.code).toBe('invalid_command');
  });
});
