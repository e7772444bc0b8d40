import { describe, expect, it } from 'vitest';
import { isRejection } from '@lunchrush/engine';
import {
  decideStore,
  evolveStore,
  initialStore,
  storeRef,
  type StoreCommand,
  type StoreEvent,
  type StoreState,
} from '@lunchrush/actors';
import { STORE, T0, ctxOf } from './helpers.js';

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
      result: { status: 'open', paymentTimeoutMs: 5_000, pendingTickets: 1 },
    });
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
