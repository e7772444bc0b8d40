/**
 * Which printer a station's tickets go to now, and which ticket a printer takes
 * next. A station prints on its configured printer, or on its backup once the
 * printer has failed for `failoverAfterMs` (and back when it recovers, with a
 * `failover` alarm each way); a printer takes the oldest head among the
 * stations routed to it that are not already printing.
 */
import type { PrinterAlarm } from './alarms.js';
import type { Printers, Worker } from './printers.js';
import type { Entry, StationQueue, StationQueues } from './station-queues.js';
import { routeOf } from './store-config.js';
import type { StoreConfigs } from './store-configs.js';

export interface ActiveRoute {
  readonly printer: string;
  readonly copies: number;
  readonly label: string | undefined;
  readonly failoverFrom: string | undefined;
}

export interface Pick {
  readonly q: StationQueue;
  readonly entry: Entry;
  readonly route: ActiveRoute;
}

export class Router {
  constructor(
    private readonly configs: StoreConfigs,
    private readonly printers: Printers,
    private readonly queues: StationQueues,
    private readonly alarm: (a: PrinterAlarm) => void,
  ) {}

  /** Where a station's tickets print now: its printer, or the backup once the printer has failed long enough. */
  activeRoute(q: StationQueue): ActiveRoute | undefined {
    const cfg = this.configs.get(q.store);
    if (cfg === undefined) return undefined;
    const route = routeOf(cfg, q.station);
    if (route === undefined) return undefined;
    const base = { copies: route.copies, label: route.label };
    const primary = this.printers.get(q.store, route.printer);
    if (route.backup !== undefined && primary?.failingSince != null) {
      const backup = this.printers.get(q.store, route.backup);
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
  pick(w: Worker): Pick | undefined {
    let best: Pick | undefined;
    for (const q of this.queues.all()) {
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

  /** Tickets waiting for this printer. */
  heldFor(w: Worker): number {
    let n = 0;
    for (const q of this.queues.all()) {
      if (q.store === w.store && q.entries.length > 0 && this.activeRoute(q)?.printer === w.id) n += q.entries.length;
    }
    return n;
  }

  /** An `unrouted` alarm for a station with tickets and no printer, once until the configuration changes. */
  alarmIfUnrouted(q: StationQueue): void {
    if (q.unroutedAlarmed || this.activeRoute(q) !== undefined) return;
    q.unroutedAlarmed = true;
    this.alarm({ kind: 'unrouted', store: q.store, station: q.station, held: q.entries.length, at: Date.now() });
  }
}
