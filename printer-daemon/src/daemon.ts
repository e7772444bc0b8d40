/**
 * The printer daemon: kitchen stream → per-station ordered queues → one worker
 * per printer → ESC/POS over TCP, each ticket acked only once its printer took
 * it without error, and recorded so that a crash never prints it silently twice.
 *
 *   consumer (durable, explicit ack) ─▶ station queue (by stream sequence) ─▶ printer worker
 *                                         ▲ config (KV watch) picks the printer,   │ DLE EOT before/after,
 *                                         │ or its backup after failoverAfterMs    │ GS r to know it was processed
 *   job records (KV): printing → printed ◀───────────────────────────────────────────┘ then ack
 *
 * This file puts the parts together and runs their lifecycle; each part is its own file:
 * kitchen-feed (consuming), station-queues, store-configs (the KV watch), routing,
 * printers (workers and health), print-ticket (one attempt, exactly once), staff-requests
 * (reprint and status), alarms.
 */
import { EventEmitter } from 'node:events';
import type { KitchenTicket } from '@lunchrush/actors/wire';
import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino, type Logger } from 'pino';
import { AlarmPublisher, type PrinterAlarm } from './alarms.js';
import { namesOf, type DaemonConfig, type Names } from './config.js';
import { ensureError } from './errors.js';
import { JobStore } from './job-store.js';
import { KitchenFeed } from './kitchen-feed.js';
import { TicketPrinter, type PrintedEvent } from './print-ticket.js';
import { Printers, type Worker } from './printers.js';
import { Router } from './routing.js';
import { StaffRequests, type StoreStatus } from './staff-requests.js';
import { StationQueues } from './station-queues.js';
import { StoreConfigs } from './store-configs.js';

export type { PrintedEvent } from './print-ticket.js';
export type { StoreStatus } from './staff-requests.js';

export interface DaemonOptions {
  /** Use this connection (not closed by stop()); default: connect to `config.natsUrl`. */
  readonly nc?: NatsConnection;
  readonly log?: Logger;
}

/** The parts, made once connected. */
interface Parts {
  readonly jobs: JobStore;
  readonly configs: StoreConfigs;
  readonly printers: Printers;
  readonly router: Router;
  readonly printer: TicketPrinter;
  readonly feed: KitchenFeed;
  readonly staff: StaffRequests;
}

/** Emits `printed` (`PrintedEvent`) for every ticket on paper and `alarm` (`PrinterAlarm`) for every alarm. */
export class PrinterDaemon extends EventEmitter {
  readonly names: Names;
  readonly log: Logger;
  private readonly queues = new StationQueues();
  private nc!: NatsConnection;
  private ownsConnection = false;
  private parts!: Parts;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping = false;

  private constructor(
    readonly config: DaemonConfig,
    opts: DaemonOptions,
  ) {
    super();
    this.names = namesOf(config.namespace);
    this.log = opts.log ?? pino({ level: config.logLevel, base: { svc: 'printer-daemon' } });
    if (opts.nc !== undefined) this.nc = opts.nc;
  }

  /** Connects, loads the configuration, reconciles with the consumer's pending tickets and starts printing. */
  static async start(config: DaemonConfig, opts: DaemonOptions = {}): Promise<PrinterDaemon> {
    const d = new PrinterDaemon(config, opts);
    await d.init();
    return d;
  }

  private async init(): Promise<void> {
    const cfg = this.config;
    if (this.nc === undefined) {
      this.nc = await connect({ servers: cfg.natsUrl.split(','), noAsyncTraces: true, maxReconnectAttempts: -1 });
      this.ownsConnection = true;
    }
    this.parts = await this.assemble();
    const { configs, staff, feed } = this.parts;
    await configs.start();
    staff.serve();
    await feed.start();
    this.heartbeat = setInterval(() => this.queues.keepAlive(), Math.max(1_000, Math.floor(cfg.ackWaitMs / 3)));
    this.heartbeat.unref();
    this.log.info(
      { stream: this.names.stream, consumer: cfg.consumer, stores: configs.stores() },
      'printer daemon started',
    );
  }

  /** Makes the parts and wires each to the others it needs. */
  private async assemble(): Promise<Parts> {
    const cfg = this.config;
    const log = this.log;
    const js = jetstream(this.nc);
    const jsm = await jetstreamManager(this.nc);
    const stopping = (): boolean => this.stopping;
    const alarms = new AlarmPublisher(this.nc, this.names.alarmSubject, (a) => this.emit('alarm', a), stopping);
    const alarm = (a: PrinterAlarm): void => alarms.publish(a);
    const jobs = await JobStore.open(js, this.names.jobBucket, cfg.jobTtlMs, cfg.replicas);
    const kv = await new Kvm(js).create(this.names.configBucket, { history: 5, replicas: cfg.replicas });
    const configs = new StoreConfigs({ kv, store: cfg.store, log, alarm, onChange: (s) => this.onConfigChange(s) });
    const printers: Printers = new Printers({
      config: cfg,
      log,
      alarm,
      stopping,
      failoverAfterMs: (store) => configs.get(store)?.failoverAfterMs ?? 0,
      heldFor: (w) => router.heldFor(w),
      printNext: (w) => this.printNext(w),
    });
    const router = new Router(configs, printers, this.queues, alarm);
    const queues = this.queues;
    const printed = (ev: PrintedEvent): boolean => this.emit('printed', ev);
    const printer = new TicketPrinter({ config: cfg, log, jobs, configs, queues, printers, alarm, stopping, printed });
    const accept = (seq: number, t: KitchenTicket, msg: JsMsg | undefined, req: string | undefined): Promise<boolean> =>
      this.accept(seq, t, msg, req);
    const feed = new KitchenFeed({ js, jsm, names: this.names, config: cfg, log, stopping, accept });
    const staff = new StaffRequests({
      nc: this.nc,
      jsm,
      names: this.names,
      store: cfg.store,
      log,
      jobs,
      configs,
      queues,
      printers,
      router,
    });
    return { jobs, configs, printers, router, printer, feed, staff };
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.heartbeat);
    const { feed, staff, configs, printers } = this.parts;
    await feed.stop();
    staff.stop();
    await configs.stop();
    await printers.stop();
    if (this.ownsConnection) await this.nc.drain().catch(() => undefined);
    this.log.info('printer daemon stopped');
  }

  /** Queues a ticket unless it is already queued or already printed. True if newly queued. */
  private async accept(
    seq: number,
    ticket: KitchenTicket,
    msg: JsMsg | undefined,
    req: string | undefined,
  ): Promise<boolean> {
    const q = this.queues.queue(ticket.store, ticket.station);
    const existing = q.bySeq.get(seq);
    if (existing !== undefined) {
      if (msg !== undefined) existing.msg = msg; // a redelivery: ack through the newest handle
      return false;
    }
    if (this.queues.takeDoneWithoutHandle(seq)) {
      msg?.ack();
      return false;
    }
    const job = await this.parts.jobs.get(ticket.store, ticket.ticketId);
    if (job !== null && job.record.state !== 'printing') {
      msg?.ack(); // printed (or skipped) before a crash took the ack with it
      return false;
    }
    this.queues.add(q, seq, ticket, msg, req);
    this.parts.router.alarmIfUnrouted(q);
    this.parts.printers.wakeStore(ticket.store);
    return true;
  }

  /** A store's configuration changed: its workers follow, and stations left without a printer say so again. */
  private onConfigChange(store: string): void {
    const { configs, printers, router } = this.parts;
    printers.reconcile(store, configs.get(store)?.printers ?? {});
    for (const q of this.queues.all()) {
      if (q.store !== store) continue;
      q.unroutedAlarmed = false;
      if (q.entries.length > 0) router.alarmIfUnrouted(q);
    }
    printers.wakeStore(store);
  }

  /** A worker's turn: the oldest ticket routed to it, one attempt (undefined: nothing to print). */
  private async printNext(w: Worker): Promise<boolean | undefined> {
    const next = this.parts.router.pick(w);
    if (next === undefined) return undefined;
    next.q.busy = true;
    try {
      return await this.parts.printer.print(w, next.q, next.entry, next.route);
    } catch (e) {
      this.log.error(
        { err: ensureError(e), printer: w.key, ticket: next.entry.ticket.ticketId },
        'print attempt failed',
      );
      return false;
    } finally {
      next.q.busy = false;
    }
  }

  /** A store's printers and stations as the staff board shows them. */
  status(store: string): StoreStatus {
    return this.parts.staff.status(store);
  }

  /** Tickets waiting across all stations (for tests and the bench). */
  held(): number {
    return this.queues.held();
  }
}
