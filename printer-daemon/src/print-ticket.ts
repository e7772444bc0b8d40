/**
 * One attempt at printing one ticket, exactly once per printer (README 5): a
 * ticket recorded `printed` or `skipped` is done; otherwise status before (a
 * printer that cannot print is never sent a ticket), `printing` written
 * (compare-and-set), the bytes, the printer's `GS r` answer and status after,
 * then `printed`, then the ack. A record still `printing` from an earlier
 * attempt means its outcome is unknown: the ticket prints under REPRINT.
 */
import type { Logger } from 'pino';
import type { PrinterAlarm } from './alarms.js';
import type { DaemonConfig } from './config.js';
import { ensureError } from './errors.js';
import { UNREACHABLE } from './escpos.js';
import type { JobRecord, JobStore, StoredJob } from './job-store.js';
import { PrinterNotReadyError } from './printer-connection.js';
import type { Printers, Worker } from './printers.js';
import { renderTicket, type RenderOptions } from './render.js';
import type { ActiveRoute } from './routing.js';
import type { Entry, StationQueue, StationQueues } from './station-queues.js';
import type { StoreConfig } from './store-config.js';
import type { StoreConfigs } from './store-configs.js';

const PRINTED_WRITE_ATTEMPTS = 20;

export interface PrintedEvent {
  readonly store: string;
  readonly station: string;
  readonly ticketId: string;
  readonly printer: string;
  readonly reprint: 'unknown' | 'demand' | undefined;
  readonly late: boolean;
  readonly seq: number;
}

export interface TicketPrinterOptions {
  readonly config: DaemonConfig;
  readonly log: Logger;
  readonly jobs: JobStore;
  readonly configs: StoreConfigs;
  readonly queues: StationQueues;
  readonly printers: Printers;
  readonly alarm: (a: PrinterAlarm) => void;
  readonly stopping: () => boolean;
  readonly printed: (ev: PrintedEvent) => void;
}

export class TicketPrinter {
  constructor(private readonly o: TicketPrinterOptions) {}

  /** One attempt at one ticket. True when it is done with (printed, or skipped as already printed / KDS only). */
  async print(w: Worker, q: StationQueue, entry: Entry, route: ActiveRoute): Promise<boolean> {
    const t = entry.ticket;
    const cfg = this.o.configs.get(q.store);
    if (cfg === undefined) return false;
    let stored: StoredJob | null = null;
    if (!entry.demand) {
      stored = await this.o.jobs.get(t.store, t.ticketId);
      if (stored !== null && stored.record.state !== 'printing') {
        this.o.queues.finish(q, entry);
        return true;
      }
    }
    const now = Date.now();
    const ageMs = now - t.at;
    const late = !entry.demand && ageMs > cfg.staleAfterMs;
    const lateMinutes = Math.max(1, Math.round(ageMs / 60_000));
    if (late && cfg.stalePolicy === 'kds-only') {
      await this.o.jobs.write(
        jobRecord(entry, late, 'skipped', null, stored?.record.attempts ?? 0, false),
        stored?.revision ?? null,
      );
      this.o.queues.finish(q, entry);
      this.o.alarm({
        kind: 'kds_only',
        store: t.store,
        station: t.station,
        ticketId: t.ticketId,
        lateMinutes,
        at: now,
      });
      return true;
    }
    if (!(await this.ready(w))) return false;

    const unknown = stored?.record.state === 'printing';
    const reprint = entry.demand ? 'demand' : unknown ? 'unknown' : undefined;
    const attempts = (stored?.record.attempts ?? 0) + 1;
    const revision = entry.demand
      ? null
      : await this.o.jobs.write(jobRecord(entry, late, 'printing', w.id, attempts, unknown), stored?.revision ?? null);
    const options = renderOptions(w, route, cfg, { now, reprint, lateMinutes: late ? lateMinutes : undefined });
    if (!(await this.sendAndConfirm(w, renderTicket(t, options), t.ticketId))) return false;
    if (revision !== null)
      await this.recordPrinted(jobRecord(entry, late, 'printed', w.id, attempts, unknown), revision);
    this.o.queues.finish(q, entry);
    const ev: PrintedEvent = {
      store: t.store,
      station: t.station,
      ticketId: t.ticketId,
      printer: w.id,
      reprint,
      late,
      seq: entry.seq,
    };
    this.o.printed(ev);
    // One line a ticket, with the request that made it: a ticket can be followed from the
    // balancer's access log through the gateway and the engine to the paper.
    this.o.log.info({ ...ev, req: entry.req }, 'printed');
    return true;
  }

  /** Status before: a printer that cannot print is never sent a ticket. */
  private async ready(w: Worker): Promise<boolean> {
    try {
      const before = await w.conn.status();
      this.o.printers.setHealth(w, before);
      return before.ready;
    } catch (e) {
      this.o.printers.setHealth(w, UNREACHABLE, ensureError(e).message);
      return false;
    }
  }

  /** The bytes, then the printer's word that it processed them and is still ready. False: outcome unknown. */
  private async sendAndConfirm(w: Worker, bytes: Uint8Array, ticketId: string): Promise<boolean> {
    const { printTimeoutMs, pollMs } = this.o.config;
    try {
      await w.conn.send(bytes);
      await w.conn.waitProcessed(printTimeoutMs, pollMs);
      const after = await w.conn.status();
      this.o.printers.setHealth(w, after);
      if (!after.ready) throw new PrinterNotReadyError(after);
      return true;
    } catch (e) {
      // Outcome unknown: the record stays "printing", so the next attempt carries a REPRINT banner.
      await w.conn.clearBuffers().catch(() => undefined);
      // A late answer to this ticket's GS r must not confirm the next one: start on a fresh connection.
      w.conn.reset('ticket abandoned');
      if (e instanceof PrinterNotReadyError) this.o.printers.setHealth(w, e.status);
      else this.o.printers.setHealth(w, UNREACHABLE, ensureError(e).message);
      this.o.log.warn({ printer: w.key, ticket: ticketId, err: ensureError(e).message }, 'ticket not confirmed');
      return false;
    }
  }

  /** The paper is out of the printer: keep trying to say so, or a NATS blip would cause a reprint. */
  private async recordPrinted(r: JobRecord, revision: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.o.jobs.write(r, revision);
        return;
      } catch (e) {
        if (attempt >= PRINTED_WRITE_ATTEMPTS || this.o.stopping()) throw e;
        await new Promise((res) => setTimeout(res, this.o.config.retryMs));
      }
    }
  }
}

function jobRecord(
  entry: Entry,
  late: boolean,
  state: JobRecord['state'],
  printer: string | null,
  attempts: number,
  reprinted: boolean,
): JobRecord {
  const t = entry.ticket;
  return {
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
  };
}

function renderOptions(
  w: Worker,
  route: ActiveRoute,
  cfg: StoreConfig,
  o: { now: number; reprint: RenderOptions['reprint']; lateMinutes: number | undefined },
): RenderOptions {
  return {
    widthMm: w.cfg.widthMm,
    encoding: w.cfg.encoding,
    copies: route.copies,
    ...(route.label === undefined ? {} : { stationLabel: route.label }),
    ...(cfg.name === undefined ? {} : { storeName: cfg.name }),
    tzOffsetMin: cfg.tzOffsetMin,
    printedAt: o.now,
    ...(o.reprint === undefined ? {} : { reprint: o.reprint }),
    ...(o.lateMinutes === undefined ? {} : { lateMinutes: o.lateMinutes }),
    ...(route.failoverFrom === undefined ? {} : { failoverFrom: route.failoverFrom }),
  };
}
