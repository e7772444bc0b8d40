/**
 * Tables that turn over, as in a restaurant at lunch: a party sits down (each diner scans the
 * table's QR code), orders a few rounds, leaves (a waiter closes the table and marks it cleaned)
 * and the next party scans again. Without it a bench of thousands of orders over a few hundred
 * tables builds table sessions of hundreds of orders no restaurant has, and measures the cost
 * of those instead of the order path.
 *
 * A table is shared by the arrivals of its diners and taken alone by its turnover: an arrival
 * waits while its table turns over (the wait is part of its latency, which runs from the
 * scheduled time), and a turnover starts once the arrivals in flight at that table are answered,
 * so no order meets a closed table. A party places at most its orders: the orders in flight
 * count, so an arrival past them waits for the next party, in turn. Without that, under
 * overload every arrival already on its way joined the session (the open loop does not wait for
 * answers) and parties placed 30–100 orders, a session no restaurant has, whose view every
 * change pushes whole.
 */
import type { DemoStore } from '@lunchrush/actors/demo';
import { pool, type Api } from './api.js';

export interface Diner {
  /** Changes at every new party: the scan answers a session token that names the table. */
  token: string;
  readonly login: string;
  readonly store: string;
  readonly tableId: string;
}

interface Seat {
  readonly store: string;
  readonly tableId: string;
  readonly diners: Diner[];
  /** Orders this party placed, and how many it places before it leaves. */
  orders: number;
  leaveAfter: number;
  inFlight: number;
  /** Arrivals waiting for a place in this party's orders (or the next party's), first come first served. */
  readonly waiting: (() => void)[];
  /** Set while the table turns over; arrivals at this table wait for it. */
  turning: Promise<void> | null;
  drained: (() => void) | null;
}

export interface TurnoverOptions {
  /** Orders a party places before it leaves: uniform in [min, max]. */
  readonly ordersPerParty: readonly [number, number];
}

export class Tables {
  private readonly seats: Seat[];
  private readonly byDiner = new Map<Diner, Seat>();
  private turnovers = 0;
  /** Called with each turnover's duration and outcome (`ok` or the failing call's code). */
  onTurnover: ((ms: number, code: string) => void) | undefined;

  private constructor(
    private readonly api: Api,
    readonly diners: readonly Diner[],
    private readonly opts: TurnoverOptions,
  ) {
    const seats = new Map<string, Seat>();
    for (const d of diners) {
      let s = seats.get(d.tableId);
      if (s === undefined) {
        s = {
          store: d.store,
          tableId: d.tableId,
          diners: [],
          orders: 0,
          leaveAfter: this.partyOrders(),
          inFlight: 0,
          waiting: [],
          turning: null,
          drained: null,
        };
        seats.set(d.tableId, s);
      }
      s.diners.push(d);
      this.byDiner.set(d, s);
    }
    this.seats = [...seats.values()];
  }

  /** Logs `n` diners in and seats them round-robin over the stores' tables. */
  static async seat(
    api: Api,
    stores: readonly DemoStore[],
    n: number,
    log: (m: string) => void,
    opts: TurnoverOptions,
  ): Promise<Tables> {
    const seats = stores.flatMap((s) => s.tables.map((t) => ({ store: s.storeId, tableId: t.tableId })));
    const wanted = Array.from({ length: n }, (_, i) => seats[i % seats.length]!);
    log(`logging in and seating ${n} diners`);
    const tag = Math.random().toString(36).slice(2, 8);
    // A table left mid-turnover (an earlier run on the same stack ended between its close and its
    // cleaning) is cleaned first; one left seated is closed and cleaned, so every party starts afresh.
    const byTable = new Map<string, string>();
    for (const w of wanted) byTable.set(w.tableId, w.store);
    await pool([...byTable], 32, async ([tableId, store]) => {
      await api.tableAction(store, tableId, 'close', { force: true });
      await api.tableAction(store, tableId, 'cleaned');
    });
    const diners = await pool(wanted, 32, async (seat, i): Promise<Diner> => {
      const login = `bench${tag}d${i}`;
      const d = await api.login(login);
      return { token: await api.scan(d.token, seat.tableId), login, ...seat };
    });
    return new Tables(api, diners, opts);
  }

  /** Waits for the turnovers under way (a scenario ends with none half done). */
  async settle(): Promise<void> {
    for (const s of this.seats) if (s.turning !== null) await s.turning;
  }

  /** Parties that left so far. */
  get turned(): number {
    return this.turnovers;
  }

  /**
   * Runs `order` for diner `i` (round-robin) at its table: waits while the table turns over or
   * while the party's remaining orders are all in flight, counts the order when `order` says one
   * was placed, and turns the table over when the party has placed its last order.
   */
  async withDiner<T>(i: number, order: (d: Diner) => Promise<{ placed: boolean; value: T }>): Promise<T> {
    const d = this.diners[i % this.diners.length]!;
    const seat = this.byDiner.get(d)!;
    if (seat.waiting.length === 0 && hasRoom(seat)) seat.inFlight++;
    else await new Promise<void>((r) => seat.waiting.push(r)); // admitted with its place counted
    let out: { placed: boolean; value: T };
    try {
      out = await order(d);
    } finally {
      seat.inFlight--;
      if (seat.inFlight === 0) seat.drained?.();
    }
    if (out.placed && ++seat.orders >= seat.leaveAfter && seat.turning === null) {
      seat.turning = this.turnOver(seat).finally(() => {
        seat.turning = null;
        admit(seat);
      });
    }
    admit(seat); // a refused order gave its place back
    return out.value;
  }

  private async turnOver(seat: Seat): Promise<void> {
    if (seat.inFlight > 0) await new Promise<void>((r) => (seat.drained = r));
    seat.drained = null;
    const t0 = performance.now();
    let code = 'ok';
    try {
      const closed = await this.api.tableAction(seat.store, seat.tableId, 'close', { force: true });
      if (closed.code !== 'ok') code = `close ${closed.code}`;
      const cleaned = await this.api.tableAction(seat.store, seat.tableId, 'cleaned');
      if (code === 'ok' && cleaned.code !== 'ok') code = `cleaned ${cleaned.code}`;
      for (const d of seat.diners) d.token = await this.api.scan(d.token, seat.tableId);
      this.turnovers++;
    } catch (e) {
      code = `scan ${(e as Error).message.slice(0, 40)}`;
    }
    // A new party even when the turnover failed (its code is reported): the arrivals waiting for one go on.
    seat.orders = 0;
    seat.leaveAfter = this.partyOrders();
    this.onTurnover?.(performance.now() - t0, code);
  }

  private partyOrders(): number {
    const [min, max] = this.opts.ordersPerParty;
    if (!Number.isFinite(max)) return Infinity;
    return min + Math.floor(Math.random() * (max - min + 1));
  }
}

/** Whether the party at `seat` may place one more order now (none turning over, not all its orders under way). */
function hasRoom(seat: Seat): boolean {
  return seat.turning === null && seat.orders + seat.inFlight < seat.leaveAfter;
}

/** Lets waiting arrivals in, oldest first, while the party has room: each with its place counted. */
function admit(seat: Seat): void {
  while (seat.waiting.length > 0 && hasRoom(seat)) {
    seat.inFlight++;
    seat.waiting.shift()!();
  }
}
