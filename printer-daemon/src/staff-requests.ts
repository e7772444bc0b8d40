/**
 * What staff ask the daemon over NATS request/reply: a reprint of a ticket
 * (`<ns>.printers.<store>.reprint`, `{ ticketId }` in JSON or msgpack, answered
 * in the same encoding), a test page on a station's printer (`<ns>.printers.<store>.test`,
 * `{ station }`, the same encodings) and every printer's and station's state
 * (`<ns>.printers.<store>.status`, msgpack), which a staff board that missed an
 * alarm resyncs from.
 */
import { decode, encode } from '@lunchrush/engine/codec';
import type { KitchenTicket, PrinterStatusAnswer } from '@lunchrush/actors/wire';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Names } from './config.js';
import { ErrorCode, PrinterDaemonError, ensureError } from './errors.js';
import type { JobStore } from './job-store.js';
import { decodeTicket } from './kitchen-feed.js';
import type { Printers } from './printers.js';
import type { Router } from './routing.js';
import type { StationQueues } from './station-queues.js';
import type { StoreConfigs } from './store-configs.js';

/** A store's printers and stations as the staff board shows them: the wire contract's status answer. */
export type StoreStatus = PrinterStatusAnswer;

export interface StaffRequestsOptions {
  readonly nc: NatsConnection;
  readonly jsm: JetStreamManager;
  readonly names: Names;
  /** Only this store's requests; empty = every store. */
  readonly store: string;
  readonly log: Logger;
  readonly jobs: JobStore;
  readonly configs: StoreConfigs;
  readonly queues: StationQueues;
  readonly printers: Printers;
  readonly router: Router;
}

export class StaffRequests {
  private readonly subs: Subscription[] = [];

  constructor(private readonly o: StaffRequestsOptions) {}

  serve(): void {
    const { nc, names } = this.o;
    const store = this.o.store === '' ? '*' : this.o.store;
    const reprint = nc.subscribe(names.reprintSubject(store), {
      callback: (err, m) => {
        if (err === null) void this.onReprint(m);
      },
    });
    const status = nc.subscribe(names.statusSubject(store), {
      callback: (err, m) => {
        if (err === null) m.respond(encode(this.status(storeOf(m))));
      },
    });
    const test = nc.subscribe(names.testSubject(store), {
      callback: (err, m) => {
        if (err === null) this.onTest(m);
      },
    });
    this.subs.push(reprint, status, test);
  }

  stop(): void {
    for (const s of this.subs) s.unsubscribe();
  }

  /** A store's printers and stations as the staff board shows them. */
  status(store: string): StoreStatus {
    const { printers: pool, queues, router } = this.o;
    const printers = [...pool.all()]
      .filter((w) => w.store === store)
      .map((w) => ({
        id: w.id,
        ...(w.cfg.name === undefined ? {} : { name: w.cfg.name }),
        host: w.cfg.host,
        port: w.cfg.port,
        level: w.health.level,
        flags: w.health.flags,
        since: w.health.since,
        held: router.heldFor(w),
      }));
    const stations = [...queues.all()]
      .filter((q) => q.store === store)
      .map((q) => {
        const r = router.activeRoute(q);
        return {
          station: q.station,
          printer: r?.printer ?? null,
          failoverFrom: r?.failoverFrom ?? null,
          held: q.entries.length,
        };
      });
    return { store, configured: this.o.configs.has(store), printers, stations };
  }

  /** Prints a test page on a configured station's printer, at the end of its queue (never recorded as a job). */
  private onTest(m: Msg): void {
    const store = storeOf(m);
    let reply: (b: unknown) => void = (b) => m.respond(encode(b));
    try {
      const x = exchange(m);
      reply = x.reply;
      const station = (x.body as { station?: unknown } | null)?.station;
      if (typeof station !== 'string')
        throw new PrinterDaemonError(ErrorCode.InvalidRequest, 'expected { station: string }');
      const cfg = this.o.configs.get(store);
      if (cfg === undefined || !Object.hasOwn(cfg.stations, station))
        throw new PrinterDaemonError(ErrorCode.InvalidRequest, `store ${store} has no station ${station}`);
      const q = this.o.queues.queue(store, station);
      const ticket = testTicket(store, station, Date.now());
      this.o.queues.addDemand(q, ticket);
      this.o.printers.wakeStore(store);
      reply({ ok: true, ticketId: ticket.ticketId, station, printer: this.o.router.activeRoute(q)?.printer ?? null });
    } catch (e) {
      const err = ensureError(e);
      reply({ ok: false, code: err instanceof PrinterDaemonError ? err.code : 'internal', message: err.message });
    }
  }

  /** Prints a ticket again under a REPRINT banner, at the end of its station's queue; its record is not changed. */
  private async onReprint(m: Msg): Promise<void> {
    const store = storeOf(m);
    const json = m.data[0] === 0x7b;
    const reply = (body: unknown): void => {
      m.respond(json ? new TextEncoder().encode(JSON.stringify(body)) : encode(body));
    };
    try {
      const req = (json ? JSON.parse(new TextDecoder().decode(m.data)) : decode(m.data)) as { ticketId?: unknown };
      if (typeof req?.ticketId !== 'string') {
        throw new PrinterDaemonError(ErrorCode.InvalidRequest, 'expected { ticketId: string }');
      }
      const job = await this.o.jobs.get(store, req.ticketId);
      const stored =
        job === null
          ? null
          : await this.o.jsm.streams.getMessage(this.o.names.stream, { seq: job.record.seq }).catch(() => null);
      const ticket = stored === null ? undefined : decodeTicket(stored.data, stored.seq, this.o.log);
      if (ticket === undefined || ticket.ticketId !== req.ticketId) {
        throw new PrinterDaemonError(ErrorCode.UnknownTicket, `no ticket ${req.ticketId} in store ${store}`);
      }
      const q = this.o.queues.queue(store, ticket.station);
      this.o.queues.addDemand(q, ticket);
      this.o.printers.wakeStore(store);
      reply({
        ok: true,
        ticketId: ticket.ticketId,
        station: ticket.station,
        printer: this.o.router.activeRoute(q)?.printer ?? null,
        waiting: q.entries.length,
      });
    } catch (e) {
      const err = ensureError(e);
      reply({ ok: false, code: err instanceof PrinterDaemonError ? err.code : 'internal', message: err.message });
    }
  }
}

/** A request's body (JSON when it starts with `{`, else msgpack) and a reply in the same encoding. */
function exchange(m: Msg): { body: unknown; reply: (b: unknown) => void } {
  const json = m.data[0] === 0x7b;
  return {
    body: json ? JSON.parse(new TextDecoder().decode(m.data)) : decode(m.data),
    reply: (b) => m.respond(json ? new TextEncoder().encode(JSON.stringify(b)) : encode(b)),
  };
}

/** The test page: one line, as a ticket, so it goes the way a station's tickets go (its printer, or its failover). */
export function testTicket(store: string, station: string, at: number): KitchenTicket {
  return {
    kind: 'new',
    ticketId: `test-${station}-${at}`,
    orderId: `o_${store}_test`,
    store,
    station,
    channel: 'dine_in',
    pickupNo: 'TEST',
    lines: [{ lineNo: 1, name: '打印测试 TEST PAGE', spec: '', qty: 1, options: [] }],
    placedAt: at,
    at,
  };
}

/** `<ns>.printers.<store>.…` → the store. */
const storeOf = (m: Msg): string => m.subject.split('.')[2] ?? '';
