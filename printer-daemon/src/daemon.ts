/**
 * The printer daemon: kitchen stream → per-station ordered queues → one worker
 * per printer → ESC/POS over TCP, each ticket acked only once its printer took
 * it without error, and recorded so that a crash never prints it silently twice.
 *
 *   consumer (durable, explicit ack) ─▶ station queue (by stream sequence) ─▶ printer worker
 *                                         ▲ config (KV watch) picks the printer,   │ DLE EOT before/after,
 *                                         │ or its backup after failoverAfterMs    │ GS r to know it was processed
 *   job records (KV): printing → printed ◀───────────────────────────────────────────┘ then ack
 */
import { EventEmitter } from 'node:events';
import type { KitchenTicket } from '@lunchrush/actors';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type ConsumerConfig,
  type ConsumerInfo,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import { Kvm, type KV, type KvEntry } from '@nats-io/kv';
import { connect, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { pino, type Logger } from 'pino';
import type { PrinterAlarm } from './alarms.js';
import { decode, encode } from './codec.js';
import { namesOf, type DaemonConfig, type Names } from './config.js';
import { ErrorCode, PrinterDaemonError, ensureError } from './errors.js';
import { UNREACHABLE, type PrinterStatus, type StatusFlag } from './escpos.js';
import { JobStore, type JobRecord, type StoredJob } from './job-store.js';
import { PrinterConnection, PrinterNotReadyError } from './printer-connection.js';
import { renderTicket } from './render.js';
import { Signal } from './signal.js';
import { parseStoreConfig, routeOf, storeConfigKey, type PrinterConfig, type StoreConfig } from './store-config.js';

/** On-demand reprints sort after every stream ticket of their station. */
const DEMAND_ORDER_BASE = 2 ** 48;
const PRINTED_WRITE_ATTEMPTS = 20;

export interface DaemonOptions {
  /** Use this connection (not closed by stop()); default: connect to `config.natsUrl`. */
  readonly nc?: NatsConnection;
  readonly log?: Logger;
}

export interface PrintedEvent {
  readonly store: string;
  readonly station: string;
  readonly ticketId: string;
  readonly printer: string;
  readonly reprint: 'unknown' | 'demand' | undefined;
  readonly late: boolean;
  readonly seq: number;
}

interface Entry {
  /** Kitchen stream sequence; negative for on-demand reprints. */
  readonly seq: number;
  /** Print order within the station. */
  readonly order: number;
  readonly ticket: KitchenTicket;
  /** The delivery to ack; absent for tickets found by the start-up scan until their redelivery arrives. */
  msg: JsMsg | undefined;
  readonly demand: boolean;
}

interface StationQueue {
  readonly store: string;
  readonly station: string;
  readonly entries: Entry[];
  /** The same entries by stream sequence (a held backlog can be thousands long). */
  readonly bySeq: Map<number, Entry>;
  /** A ticket of this station is being printed: the next waits, so the station's order holds across printers. */
  busy: boolean;
  /** The printer its tickets went to last (failover alarms on change). */
  routedTo: string | undefined;
  unroutedAlarmed: boolean;
}

interface Health {
  level: 'unknown' | 'ok' | 'warning' | 'error';
  flags: readonly StatusFlag[];
  since: number;
  detail: string | undefined;
}

interface Worker {
  readonly key: string;
  readonly store: string;
  readonly id: string;
  cfg: PrinterConfig;
  conn: PrinterConnection;
  health: Health;
  /** When it started failing (null: healthy or never tried). Failover counts from here. */
  failingSince: number | null;
  lastCheckAt: number;
  /** New work for this printer. */
  readonly wake: Signal;
  /** Configuration change, failover due, stop: interrupts even a retry pause. */
  readonly kick: Signal;
  stopped: boolean;
  done: Promise<void>;
}

interface ActiveRoute {
  readonly printer: string;
  readonly copies: number;
  readonly label: string | undefined;
  readonly failoverFrom: string | undefined;
}

const workerKey = (store: string, printer: string): string => `${store}/${printer}`;

export class PrinterDaemon extends EventEmitter {
  readonly names: Names;
  private nc!: NatsConnection;
  private ownsConnection = false;
  private js!: JetStreamClient;
  private jsm!: JetStreamManager;
  private jobs!: JobStore;
  private configKv!: KV;
  private messages: ConsumerMessages | undefined;
  private readonly subs: Subscription[] = [];
  private readonly stores = new Map<string, StoreConfig>();
  private readonly queues = new Map<string, StationQueue>();
  private readonly workers = new Map<string, Worker>();
  /** Stream sequences printed before their (re)delivery arrived: ack on arrival. */
  private readonly doneWithoutHandle = new Set<number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly tasks: Promise<unknown>[] = [];
  private demandCounter = 0;
  private alarmCounter = 0;
  private stopping = false;
  readonly log: Logger;

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
    this.js = jetstream(this.nc);
    this.jsm = await jetstreamManager(this.nc);
    this.jobs = await JobStore.open(this.js, this.names.jobBucket, cfg.jobTtlMs, cfg.replicas);
    this.configKv = await new Kvm(this.js).create(this.names.configBucket, { history: 5, replicas: cfg.replicas });
    await this.loadConfig();
    this.serveRequests();
    const info = await this.ensureConsumer();
    await this.recoverPending(info);
    await this.startConsuming();
    const heartbeat = setInterval(() => this.heartbeat(), Math.max(1_000, Math.floor(cfg.ackWaitMs / 3)));
    heartbeat.unref();
    this.timers.add(heartbeat);
    this.log.info(
      { stream: this.names.stream, consumer: cfg.consumer, stores: [...this.stores.keys()] },
      'printer daemon started',
    );
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    await this.messages?.close().catch(() => undefined);
    for (const s of this.subs) s.unsubscribe();
    const done: Promise<void>[] = [];
    for (const w of this.workers.values()) {
      w.stopped = true;
      w.kick.notify();
      w.wake.notify();
      done.push(w.done);
    }
    await Promise.all(done);
    for (const w of this.workers.values()) w.conn.close();
    await Promise.allSettled(this.tasks);
    if (this.ownsConnection) await this.nc.drain().catch(() => undefined);
    this.log.info('printer daemon stopped');
  }

  // ------------------------------------------------------------------ consuming

  private async ensureConsumer(): Promise<ConsumerInfo> {
    const cfg = this.config;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.jsm.streams.info(this.names.stream);
        break;
      } catch (e) {
        if (this.stopping) throw new PrinterDaemonError(ErrorCode.ShuttingDown, 'stopping', { cause: e });
        // The engine creates the kitchen stream; a daemon started first waits for it.
        if (attempt === 0) this.log.warn({ stream: this.names.stream }, 'kitchen stream not there yet, waiting');
        await new Promise((r) => setTimeout(r, cfg.retryMs));
      }
    }
    try {
      return await this.jsm.consumers.info(this.names.stream, cfg.consumer);
    } catch {
      const c: Partial<ConsumerConfig> = {
        durable_name: cfg.consumer,
        ack_policy: AckPolicy.Explicit,
        ack_wait: cfg.ackWaitMs * 1_000_000,
        // A held ticket must never be dropped by the server, however long its printer is down.
        max_deliver: -1,
        max_ack_pending: cfg.maxAckPending,
        filter_subject: this.names.kitchenSubject(cfg.store),
        ...(cfg.startLookbackMs > 0
          ? {
              deliver_policy: DeliverPolicy.StartTime,
              opt_start_time: new Date(Date.now() - cfg.startLookbackMs).toISOString(),
            }
          : { deliver_policy: DeliverPolicy.All }),
      };
      try {
        return await this.jsm.consumers.add(this.names.stream, c);
      } catch (e) {
        // Another daemon instance created it at the same moment.
        return await this.jsm.consumers.info(this.names.stream, cfg.consumer).catch(() => {
          throw e;
        });
      }
    }
  }

  /**
   * Tickets delivered to an earlier process and never acked are redelivered only
   * when their ack wait expires, after newer ones: read them from the stream now so
   * each station still prints in stream order after a restart.
   */
  private async recoverPending(info: ConsumerInfo): Promise<void> {
    const from = info.ack_floor.stream_seq + 1;
    const to = info.delivered.stream_seq;
    let found = 0;
    for (let seq = from; seq <= to; seq++) {
      const m = await this.jsm.streams.getMessage(this.names.stream, { seq }).catch(() => null);
      if (m === null) continue;
      if (this.config.store !== '' && !m.subject.startsWith(`${this.config.namespace}.kitchen.${this.config.store}.`))
        continue;
      const ticket = this.decodeTicket(m.data, seq);
      if (ticket !== undefined && (await this.accept(seq, ticket, undefined))) found++;
    }
    if (to >= from) this.log.info({ from, to, held: found }, 'recovered unacknowledged tickets');
  }

  private async startConsuming(): Promise<void> {
    const consumer = await this.js.consumers.get(this.names.stream, this.config.consumer);
    const messages = await consumer.consume({ max_messages: 256 });
    this.messages = messages;
    this.tasks.push(
      (async () => {
        for await (const m of messages) {
          try {
            const ticket = this.decodeTicket(m.data, m.seq);
            if (ticket === undefined) {
              // No reason: nats-server 2.9 ignores a `+TERM <reason>` and would redeliver it for ever.
              m.term();
              continue;
            }
            await this.accept(m.seq, ticket, m);
          } catch (e) {
            // The message stays unacked and comes back after the ack wait.
            this.log.error({ err: ensureError(e), seq: m.seq }, 'could not take a ticket');
          }
        }
      })(),
    );
  }

  private decodeTicket(data: Uint8Array, seq: number): KitchenTicket | undefined {
    try {
      const t = decode<KitchenTicket>(data);
      if (typeof t?.ticketId === 'string' && typeof t.store === 'string' && typeof t.station === 'string') return t;
    } catch {
      // fall through
    }
    this.log.error({ seq }, 'kitchen message is not a ticket');
    return undefined;
  }

  /** Queues a ticket unless it is already queued or already printed. True if newly queued. */
  private async accept(seq: number, ticket: KitchenTicket, msg: JsMsg | undefined): Promise<boolean> {
    const q = this.queue(ticket.store, ticket.station);
    const existing = q.bySeq.get(seq);
    if (existing !== undefined) {
      if (msg !== undefined) existing.msg = msg; // a redelivery: ack through the newest handle
      return false;
    }
    if (this.doneWithoutHandle.delete(seq)) {
      msg?.ack();
      return false;
    }
    const job = await this.jobs.get(ticket.store, ticket.ticketId);
    if (job !== null && job.record.state !== 'printing') {
      msg?.ack(); // printed (or skipped) before a crash took the ack with it
      return false;
    }
    insertSorted(q, { seq, order: seq, ticket, msg, demand: false });
    if (this.activeRoute(q) === undefined) this.alarmUnrouted(q);
    this.wakeStore(ticket.store);
    return true;
  }

  /** Keeps held deliveries from being redelivered while their printer is down. */
  private heartbeat(): void {
    for (const q of this.queues.values()) for (const e of q.entries) e.msg?.working();
  }

  private queue(store: string, station: string): StationQueue {
    const key = `${store}/${station}`;
    let q = this.queues.get(key);
    if (q === undefined) {
      q = { store, station, entries: [], bySeq: new Map(), busy: false, routedTo: undefined, unroutedAlarmed: false };
      this.queues.set(key, q);
    }
    return q;
  }

  // ------------------------------------------------------------------ configuration

  private async loadConfig(): Promise<void> {
    const prefix = this.config.store === '' ? 'store.>' : storeConfigKey(this.config.store);
    for await (const k of await this.configKv.keys(prefix)) {
      const e = await this.configKv.get(k);
      if (e !== null) this.applyConfigEntry(e);
    }
    // The watch repeats the current values (applied again, harmlessly), then every change.
    const watch = await this.configKv.watch({ key: prefix });
    this.tasks.push(
      (async () => {
        for await (const e of watch) {
          if (this.stopping) break;
          this.applyConfigEntry(e);
        }
      })(),
    );
    this.subs.push({ unsubscribe: () => watch.stop() } as unknown as Subscription);
  }

  private applyConfigEntry(e: KvEntry): void {
    const store = e.key.slice('store.'.length);
    if (e.operation !== 'PUT') {
      this.log.warn({ store }, 'store printer configuration deleted: its tickets are held');
      this.stores.delete(store);
      this.reconcileWorkers(store);
      return;
    }
    let cfg: StoreConfig;
    try {
      cfg = parseStoreConfig(JSON.parse(new TextDecoder().decode(e.value)));
      if (cfg.store !== store) throw new Error(`key ${e.key} holds the configuration of store ${cfg.store}`);
    } catch (err) {
      const message = ensureError(err).message;
      this.log.error({ store, message }, 'refused a store printer configuration');
      this.alarm({ kind: 'config_invalid', store, message, at: Date.now() });
      return;
    }
    this.stores.set(store, cfg);
    this.reconcileWorkers(store);
    this.log.info({ store, printers: Object.keys(cfg.printers), stations: Object.keys(cfg.stations) }, 'configuration');
  }

  private reconcileWorkers(store: string): void {
    const cfg = this.stores.get(store);
    const wanted = cfg?.printers ?? {};
    for (const [id, pc] of Object.entries(wanted)) {
      const key = workerKey(store, id);
      const w = this.workers.get(key);
      if (w === undefined) {
        this.startWorker(store, id, pc);
      } else {
        if (w.cfg.host !== pc.host || w.cfg.port !== pc.port) {
          w.conn.close();
          w.conn = this.connection(pc);
          w.failingSince = null;
        }
        w.cfg = pc;
        w.kick.notify();
      }
    }
    for (const w of [...this.workers.values()]) {
      if (w.store === store && !(w.id in wanted)) {
        w.stopped = true;
        w.kick.notify();
        w.wake.notify();
        this.workers.delete(w.key);
        void w.done.then(() => w.conn.close());
      }
    }
    for (const q of this.queues.values()) {
      if (q.store === store) q.unroutedAlarmed = false;
      if (q.store === store && q.entries.length > 0 && this.activeRoute(q) === undefined) this.alarmUnrouted(q);
    }
    this.wakeStore(store);
  }

  private connection(pc: PrinterConfig): PrinterConnection {
    return new PrinterConnection(pc.host, pc.port, {
      connectTimeoutMs: this.config.connectTimeoutMs,
      statusTimeoutMs: this.config.statusTimeoutMs,
    });
  }

  private startWorker(store: string, id: string, pc: PrinterConfig): void {
    const w: Worker = {
      key: workerKey(store, id),
      store,
      id,
      cfg: pc,
      conn: this.connection(pc),
      health: { level: 'unknown', flags: [], since: Date.now(), detail: undefined },
      failingSince: null,
      lastCheckAt: 0,
      wake: new Signal(),
      kick: new Signal(),
      stopped: false,
      done: Promise.resolve(),
    };
    this.workers.set(w.key, w);
    w.done = this.runWorker(w).catch((e: unknown) =>
      this.log.error({ err: ensureError(e), printer: w.key }, 'printer worker crashed'),
    );
  }

  // ------------------------------------------------------------------ routing

  /** Where a station's tickets print now: its printer, or the backup once the printer has failed long enough. */
  private activeRoute(q: StationQueue): ActiveRoute | undefined {
    const cfg = this.stores.get(q.store);
    if (cfg === undefined) return undefined;
    const route = routeOf(cfg, q.station);
    if (route === undefined) return undefined;
    const base = { copies: route.copies, label: route.label };
    const primary = this.workers.get(workerKey(q.store, route.printer));
    if (route.backup !== undefined && primary?.failingSince != null) {
      const backup = this.workers.get(workerKey(q.store, route.backup));
      if (
        backup !== undefined &&
        backup.failingSince === null &&
        Date.now() - primary.failingSince >= cfg.failoverAfterMs
      ) {
        return { ...base, printer: route.backup, failoverFrom: route.printer };
      }
    }
    return { ...base, printer: route.printer, failoverFrom: undefined };
  }

  /** The oldest ticket this printer may print now: heads of the stations routed to it, lowest order first. */
  private pick(w: Worker): { q: StationQueue; entry: Entry; route: ActiveRoute } | undefined {
    let best: { q: StationQueue; entry: Entry; route: ActiveRoute } | undefined;
    for (const q of this.queues.values()) {
      if (q.store !== w.store || q.busy) continue;
      const head = q.entries[0];
      if (head === undefined) continue;
      const route = this.activeRoute(q);
      if (route?.printer !== w.id) continue;
      if (best === undefined || head.order < best.entry.order) best = { q, entry: head, route };
    }
    if (best !== undefined && best.q.routedTo !== best.route.printer) {
      const from = best.q.routedTo;
      best.q.routedTo = best.route.printer;
      if (from !== undefined) {
        this.alarm({
          kind: 'failover',
          store: w.store,
          station: best.q.station,
          from,
          to: best.route.printer,
          back: best.route.failoverFrom === undefined,
          at: Date.now(),
        });
      }
    }
    return best;
  }

  private heldFor(w: Worker): number {
    let n = 0;
    for (const q of this.queues.values()) {
      if (q.store === w.store && q.entries.length > 0 && this.activeRoute(q)?.printer === w.id) n += q.entries.length;
    }
    return n;
  }

  private wakeStore(store: string): void {
    for (const w of this.workers.values()) if (w.store === store) w.wake.notify();
  }

  private kickStore(store: string): void {
    for (const w of this.workers.values()) if (w.store === store) w.kick.notify();
  }

  // ------------------------------------------------------------------ printing

  private async runWorker(w: Worker): Promise<void> {
    while (!w.stopped && !this.stopping) {
      const next = this.pick(w);
      if (next === undefined) {
        if (w.failingSince !== null || Date.now() - w.lastCheckAt >= this.config.idleProbeMs) await this.probe(w);
        if (w.stopped) break;
        const pause = w.failingSince !== null ? this.config.retryMs : this.config.idleProbeMs;
        await Signal.any([w.wake, w.kick], pause);
        continue;
      }
      next.q.busy = true;
      let ok = false;
      try {
        ok = await this.printEntry(w, next.q, next.entry, next.route);
      } catch (e) {
        this.log.error(
          { err: ensureError(e), printer: w.key, ticket: next.entry.ticket.ticketId },
          'print attempt failed',
        );
      } finally {
        next.q.busy = false;
      }
      if (ok) {
        this.wakeStore(w.store);
      } else {
        // Tickets arriving meanwhile must not turn this into a busy loop on a dead printer.
        await w.kick.wait(this.config.retryMs);
      }
    }
  }

  private async probe(w: Worker): Promise<void> {
    try {
      this.setHealth(w, await w.conn.status());
    } catch (e) {
      this.setHealth(w, UNREACHABLE, ensureError(e).message);
    }
  }

  /** One attempt at one ticket. True when it is done with (printed, or skipped as already printed / KDS only). */
  private async printEntry(w: Worker, q: StationQueue, entry: Entry, route: ActiveRoute): Promise<boolean> {
    const t = entry.ticket;
    const cfg = this.stores.get(q.store);
    if (cfg === undefined) return false;
    let stored: StoredJob | null = null;
    if (!entry.demand) {
      stored = await this.jobs.get(t.store, t.ticketId);
      if (stored !== null && stored.record.state !== 'printing') {
        this.finish(q, entry);
        return true;
      }
    }
    const now = Date.now();
    const ageMs = now - t.at;
    const late = !entry.demand && ageMs > cfg.staleAfterMs;
    const lateMinutes = Math.max(1, Math.round(ageMs / 60_000));
    const record = (
      state: JobRecord['state'],
      printer: string | null,
      attempts: number,
      reprinted: boolean,
    ): JobRecord => ({
      ticketId: t.ticketId,
      store: t.store,
      station: t.station,
      seq: entry.seq,
      state,
      printer,
      attempts,
      reprinted,
      late,
      at: Date.now(),
    });

    if (late && cfg.stalePolicy === 'kds-only') {
      await this.jobs.write(record('skipped', null, stored?.record.attempts ?? 0, false), stored?.revision ?? null);
      this.finish(q, entry);
      this.alarm({ kind: 'kds_only', store: t.store, station: t.station, ticketId: t.ticketId, lateMinutes, at: now });
      return true;
    }

    // Status before: a printer that cannot print is never sent a ticket.
    try {
      const before = await w.conn.status();
      this.setHealth(w, before);
      if (!before.ready) return false;
    } catch (e) {
      this.setHealth(w, UNREACHABLE, ensureError(e).message);
      return false;
    }

    const unknown = stored?.record.state === 'printing';
    const reprint = entry.demand ? 'demand' : unknown ? 'unknown' : undefined;
    let revision: number | null = null;
    if (!entry.demand) {
      revision = await this.jobs.write(
        record('printing', w.id, (stored?.record.attempts ?? 0) + 1, unknown),
        stored?.revision ?? null,
      );
    }
    const bytes = renderTicket(t, {
      widthMm: w.cfg.widthMm,
      encoding: w.cfg.encoding,
      copies: route.copies,
      ...(route.label === undefined ? {} : { stationLabel: route.label }),
      ...(cfg.name === undefined ? {} : { storeName: cfg.name }),
      tzOffsetMin: cfg.tzOffsetMin,
      printedAt: now,
      ...(reprint === undefined ? {} : { reprint }),
      ...(late ? { lateMinutes } : {}),
      ...(route.failoverFrom === undefined ? {} : { failoverFrom: route.failoverFrom }),
    });
    try {
      await w.conn.send(bytes);
      await w.conn.waitProcessed(this.config.printTimeoutMs, this.config.pollMs);
      const after = await w.conn.status();
      this.setHealth(w, after);
      if (!after.ready) throw new PrinterNotReadyError(after);
    } catch (e) {
      // Outcome unknown: the record stays "printing", so the next attempt carries a REPRINT banner.
      await w.conn.clearBuffers().catch(() => undefined);
      // A late answer to this ticket's GS r must not confirm the next one: start on a fresh connection.
      w.conn.reset('ticket abandoned');
      if (e instanceof PrinterNotReadyError) this.setHealth(w, e.status);
      else this.setHealth(w, UNREACHABLE, ensureError(e).message);
      this.log.warn({ printer: w.key, ticket: t.ticketId, err: ensureError(e).message }, 'ticket not confirmed');
      return false;
    }
    if (revision !== null)
      await this.recordPrinted(record('printed', w.id, (stored?.record.attempts ?? 0) + 1, unknown), revision);
    this.finish(q, entry);
    const ev: PrintedEvent = {
      store: t.store,
      station: t.station,
      ticketId: t.ticketId,
      printer: w.id,
      reprint,
      late,
      seq: entry.seq,
    };
    this.emit('printed', ev);
    this.log.debug(ev, 'printed');
    return true;
  }

  /** The paper is out of the printer: keep trying to say so, or a NATS blip would cause a reprint. */
  private async recordPrinted(r: JobRecord, revision: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.jobs.write(r, revision);
        return;
      } catch (e) {
        if (attempt >= PRINTED_WRITE_ATTEMPTS || this.stopping) throw e;
        await new Promise((res) => setTimeout(res, this.config.retryMs));
      }
    }
  }

  private finish(q: StationQueue, entry: Entry): void {
    const i = q.entries.indexOf(entry);
    if (i >= 0) q.entries.splice(i, 1);
    q.bySeq.delete(entry.seq);
    if (entry.demand) return;
    if (entry.msg !== undefined) entry.msg.ack();
    else this.doneWithoutHandle.add(entry.seq);
  }

  private setHealth(w: Worker, status: PrinterStatus, detail?: string): void {
    const now = Date.now();
    w.lastCheckAt = now;
    const level = !status.ready ? 'error' : status.flags.includes('paper_near_end') ? 'warning' : 'ok';
    if (level === 'error') {
      if (w.failingSince === null) {
        w.failingSince = now;
        const cfg = this.stores.get(w.store);
        // Wake the store's workers when failover becomes due, so the backup takes over then.
        const timer = setTimeout(
          () => {
            this.timers.delete(timer);
            this.kickStore(w.store);
            this.wakeStore(w.store);
          },
          (cfg?.failoverAfterMs ?? 0) + 1,
        );
        timer.unref();
        this.timers.add(timer);
      }
    } else if (w.failingSince !== null) {
      w.failingSince = null;
      this.wakeStore(w.store);
    }
    const same = w.health.level === level && w.health.flags.join() === status.flags.join();
    if (same) return;
    w.health = { level, flags: status.flags, since: now, detail };
    this.log[level === 'error' ? 'warn' : 'info'](
      { printer: w.key, level, flags: status.flags, detail },
      'printer status',
    );
    this.alarm({
      kind: 'printer',
      store: w.store,
      printer: w.id,
      ...(w.cfg.name === undefined ? {} : { name: w.cfg.name }),
      level,
      flags: status.flags,
      held: this.heldFor(w),
      since: now,
      ...(detail === undefined ? {} : { detail }),
      at: now,
    });
  }

  private alarmUnrouted(q: StationQueue): void {
    if (q.unroutedAlarmed) return;
    q.unroutedAlarmed = true;
    this.alarm({ kind: 'unrouted', store: q.store, station: q.station, held: q.entries.length, at: Date.now() });
  }

  private alarm(a: PrinterAlarm): void {
    this.emit('alarm', a);
    if (this.stopping || this.nc.isClosed()) return;
    const h = headers();
    h.set('Nats-Msg-Id', `alarm:${a.store}:${process.pid}:${++this.alarmCounter}`);
    this.nc.publish(this.names.alarmSubject(a.store), encode(a), { headers: h });
  }

  // ------------------------------------------------------------------ staff requests

  private serveRequests(): void {
    const store = this.config.store === '' ? '*' : this.config.store;
    const reprint = this.nc.subscribe(this.names.reprintSubject(store), {
      callback: (err, m) => {
        if (err === null) void this.onReprint(m);
      },
    });
    const status = this.nc.subscribe(this.names.statusSubject(store), {
      callback: (err, m) => {
        if (err === null) this.onStatus(m);
      },
    });
    this.subs.push(reprint, status);
  }

  /** `<ns>.printers.<store>.reprint` with `{ ticketId }` (JSON or msgpack): prints it again under a REPRINT banner. */
  private async onReprint(m: Msg): Promise<void> {
    const store = m.subject.split('.')[2] ?? '';
    const json = m.data[0] === 0x7b;
    const reply = (body: unknown): void => {
      m.respond(json ? new TextEncoder().encode(JSON.stringify(body)) : encode(body));
    };
    try {
      const req = (json ? JSON.parse(new TextDecoder().decode(m.data)) : decode(m.data)) as { ticketId?: unknown };
      if (typeof req?.ticketId !== 'string') {
        throw new PrinterDaemonError(ErrorCode.InvalidRequest, 'expected { ticketId: string }');
      }
      const job = await this.jobs.get(store, req.ticketId);
      const stored =
        job === null
          ? null
          : await this.jsm.streams.getMessage(this.names.stream, { seq: job.record.seq }).catch(() => null);
      const ticket = stored === null ? undefined : this.decodeTicket(stored.data, stored.seq);
      if (ticket === undefined || ticket.ticketId !== req.ticketId) {
        throw new PrinterDaemonError(ErrorCode.UnknownTicket, `no ticket ${req.ticketId} in store ${store}`);
      }
      const q = this.queue(store, ticket.station);
      const n = ++this.demandCounter;
      insertSorted(q, { seq: -n, order: DEMAND_ORDER_BASE + n, ticket, msg: undefined, demand: true });
      this.wakeStore(store);
      reply({
        ok: true,
        ticketId: ticket.ticketId,
        station: ticket.station,
        printer: this.activeRoute(q)?.printer ?? null,
        waiting: q.entries.length,
      });
    } catch (e) {
      const err = ensureError(e);
      reply({ ok: false, code: err instanceof PrinterDaemonError ? err.code : 'internal', message: err.message });
    }
  }

  /** `<ns>.printers.<store>.status`: every printer's state and what each station is waiting on. */
  private onStatus(m: Msg): void {
    const store = m.subject.split('.')[2] ?? '';
    m.respond(encode(this.status(store)));
  }

  /** A store's printers and stations as the staff board shows them. */
  status(store: string): {
    store: string;
    configured: boolean;
    printers: {
      id: string;
      name?: string;
      host: string;
      port: number;
      level: Health['level'];
      flags: readonly StatusFlag[];
      since: number;
      held: number;
    }[];
    stations: { station: string; printer: string | null; failoverFrom: string | null; held: number }[];
  } {
    const printers = [...this.workers.values()]
      .filter((w) => w.store === store)
      .map((w) => ({
        id: w.id,
        ...(w.cfg.name === undefined ? {} : { name: w.cfg.name }),
        host: w.cfg.host,
        port: w.cfg.port,
        level: w.health.level,
        flags: w.health.flags,
        since: w.health.since,
        held: this.heldFor(w),
      }));
    const stations = [...this.queues.values()]
      .filter((q) => q.store === store)
      .map((q) => {
        const r = this.activeRoute(q);
        return {
          station: q.station,
          printer: r?.printer ?? null,
          failoverFrom: r?.failoverFrom ?? null,
          held: q.entries.length,
        };
      });
    return { store, configured: this.stores.has(store), printers, stations };
  }

  /** Tickets waiting across all stations (for tests and the bench). */
  held(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.entries.length;
    return n;
  }
}

/** Stream tickets arrive mostly in order: the scan from the end is short. */
function insertSorted(q: StationQueue, e: Entry): void {
  const entries = q.entries;
  let i = entries.length;
  while (i > 0 && (entries[i - 1]?.order ?? 0) > e.order) i--;
  entries.splice(i, 0, e);
  q.bySeq.set(e.seq, e);
}
