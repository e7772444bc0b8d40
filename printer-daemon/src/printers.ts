/**
 * One worker per configured printer: its connection, its health as the last
 * status said, and its loop (take the oldest ticket routed to it, print it, or
 * probe and wait while there is none or the printer is failing). Health changes
 * raise `printer` alarms, and a printer that starts failing schedules the wake-up
 * at which its stations' backups may take over.
 */
import type { Logger } from 'pino';
import type { PrinterAlarm } from './alarms.js';
import type { DaemonConfig } from './config.js';
import { ensureError } from './errors.js';
import { UNREACHABLE, type PrinterStatus, type StatusFlag } from './escpos.js';
import { PrinterConnection } from './printer-connection.js';
import { Signal } from './signal.js';
import type { PrinterConfig } from './store-config.js';

export interface Health {
  level: 'unknown' | 'ok' | 'warning' | 'error';
  flags: readonly StatusFlag[];
  since: number;
  detail: string | undefined;
}

export interface Worker {
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

export const workerKey = (store: string, printer: string): string => `${store}/${printer}`;

export interface PrintersOptions {
  readonly config: DaemonConfig;
  readonly log: Logger;
  readonly alarm: (a: PrinterAlarm) => void;
  readonly stopping: () => boolean;
  /** How long a store's printer fails before its stations move to their backups. */
  readonly failoverAfterMs: (store: string) => number;
  /** Tickets waiting for this printer (for its alarms). */
  readonly heldFor: (w: Worker) => number;
  /** One attempt at the next ticket routed to `w`: undefined when there is none, else whether it is done with. */
  readonly printNext: (w: Worker) => Promise<boolean | undefined>;
}

export class Printers {
  private readonly workers = new Map<string, Worker>();
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly o: PrintersOptions) {}

  get(store: string, id: string): Worker | undefined {
    return this.workers.get(workerKey(store, id));
  }

  all(): IterableIterator<Worker> {
    return this.workers.values();
  }

  /** Starts, updates and stops a store's workers to match its printers (none: the store has no configuration). */
  reconcile(store: string, wanted: Readonly<Record<string, PrinterConfig>>): void {
    for (const [id, pc] of Object.entries(wanted)) {
      const w = this.get(store, id);
      if (w === undefined) {
        this.start(store, id, pc);
        continue;
      }
      if (w.cfg.host !== pc.host || w.cfg.port !== pc.port) {
        w.conn.close();
        w.conn = this.connection(pc);
        w.failingSince = null;
      }
      w.cfg = pc;
      w.kick.notify();
    }
    for (const w of [...this.workers.values()]) {
      if (w.store === store && !(w.id in wanted)) {
        this.halt(w);
        this.workers.delete(w.key);
        void w.done.then(() => w.conn.close());
      }
    }
  }

  /** Stops every worker after the ticket it is printing, and closes the connections. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    const done: Promise<void>[] = [];
    for (const w of this.workers.values()) {
      this.halt(w);
      done.push(w.done);
    }
    await Promise.all(done);
    for (const w of this.workers.values()) w.conn.close();
  }

  wakeStore(store: string): void {
    for (const w of this.workers.values()) if (w.store === store) w.wake.notify();
  }

  kickStore(store: string): void {
    for (const w of this.workers.values()) if (w.store === store) w.kick.notify();
  }

  /** Records what a status said (or that the printer did not answer), with an alarm when the level or flags change. */
  setHealth(w: Worker, status: PrinterStatus, detail?: string): void {
    const now = Date.now();
    w.lastCheckAt = now;
    const level = !status.ready ? 'error' : status.flags.includes('paper_near_end') ? 'warning' : 'ok';
    if (level === 'error') {
      if (w.failingSince === null) {
        w.failingSince = now;
        this.wakeWhenFailoverDue(w.store);
      }
    } else if (w.failingSince !== null) {
      w.failingSince = null;
      this.wakeStore(w.store);
    }
    const same = w.health.level === level && w.health.flags.join() === status.flags.join();
    if (same) return;
    w.health = { level, flags: status.flags, since: now, detail };
    this.o.log[level === 'error' ? 'warn' : 'info'](
      { printer: w.key, level, flags: status.flags, detail },
      'printer status',
    );
    this.o.alarm({
      kind: 'printer',
      store: w.store,
      printer: w.id,
      ...(w.cfg.name === undefined ? {} : { name: w.cfg.name }),
      level,
      flags: status.flags,
      held: this.o.heldFor(w),
      since: now,
      ...(detail === undefined ? {} : { detail }),
      at: now,
    });
  }

  /** Wakes the store's workers when failover becomes due, so the backup takes over then. */
  private wakeWhenFailoverDue(store: string): void {
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        this.kickStore(store);
        this.wakeStore(store);
      },
      this.o.failoverAfterMs(store) + 1,
    );
    timer.unref();
    this.timers.add(timer);
  }

  private connection(pc: PrinterConfig): PrinterConnection {
    return new PrinterConnection(pc.host, pc.port, {
      connectTimeoutMs: this.o.config.connectTimeoutMs,
      statusTimeoutMs: this.o.config.statusTimeoutMs,
    });
  }

  private start(store: string, id: string, pc: PrinterConfig): void {
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
    w.done = this.run(w).catch((e: unknown) =>
      this.o.log.error({ err: ensureError(e), printer: w.key }, 'printer worker crashed'),
    );
  }

  private halt(w: Worker): void {
    w.stopped = true;
    w.kick.notify();
    w.wake.notify();
  }

  private async run(w: Worker): Promise<void> {
    const { idleProbeMs, retryMs } = this.o.config;
    while (!w.stopped && !this.o.stopping()) {
      let done: boolean | undefined = false;
      try {
        done = await this.o.printNext(w);
      } catch (e) {
        this.o.log.error({ err: ensureError(e), printer: w.key }, 'print attempt failed');
      }
      if (done === undefined) {
        if (w.failingSince !== null || Date.now() - w.lastCheckAt >= idleProbeMs) await this.probe(w);
        if (w.stopped) break;
        await Signal.any([w.wake, w.kick], w.failingSince !== null ? retryMs : idleProbeMs);
      } else if (done) {
        this.wakeStore(w.store);
      } else {
        // Tickets arriving meanwhile must not turn this into a busy loop on a dead printer.
        await w.kick.wait(retryMs);
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
}
