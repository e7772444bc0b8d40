/**
 * Tickets waiting to print, one ordered queue per store and station. Stream
 * tickets are ordered by kitchen stream sequence; on-demand reprints after every
 * stream ticket of their station. A ticket leaves its queue when it is done
 * with, and only then is its delivery acked.
 */
import type { KitchenTicket } from '@lunchrush/actors/wire';
import type { JsMsg } from '@nats-io/jetstream';

/** On-demand reprints sort after every stream ticket of their station. */
const DEMAND_ORDER_BASE = 2 ** 48;

export interface Entry {
  /** Kitchen stream sequence; negative for on-demand reprints. */
  readonly seq: number;
  /** Print order within the station. */
  readonly order: number;
  readonly ticket: KitchenTicket;
  /** The delivery to ack; absent for tickets found by the start-up scan until their redelivery arrives. */
  msg: JsMsg | undefined;
  readonly demand: boolean;
  /** The request that made the ticket (the gateway's request id, via the engine's `Lr-Req` header). */
  readonly req: string | undefined;
}

export interface StationQueue {
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

export class StationQueues {
  private readonly queues = new Map<string, StationQueue>();
  /** Stream sequences printed before their (re)delivery arrived: ack on arrival. */
  private readonly doneWithoutHandle = new Set<number>();
  private demandCounter = 0;

  /** The queue of a store's station, made on first use. */
  queue(store: string, station: string): StationQueue {
    const key = `${store}/${station}`;
    let q = this.queues.get(key);
    if (q === undefined) {
      q = { store, station, entries: [], bySeq: new Map(), busy: false, routedTo: undefined, unroutedAlarmed: false };
      this.queues.set(key, q);
    }
    return q;
  }

  all(): IterableIterator<StationQueue> {
    return this.queues.values();
  }

  /** Queues a stream ticket in sequence order. */
  add(q: StationQueue, seq: number, ticket: KitchenTicket, msg: JsMsg | undefined, req: string | undefined): void {
    insertSorted(q, { seq, order: seq, ticket, msg, demand: false, req });
  }

  /** Queues a reprint asked for by staff, after every stream ticket of its station. */
  addDemand(q: StationQueue, ticket: KitchenTicket): void {
    const n = ++this.demandCounter;
    insertSorted(q, { seq: -n, order: DEMAND_ORDER_BASE + n, ticket, msg: undefined, demand: true, req: undefined });
  }

  /** True (once) when `seq` was printed before any delivery of it arrived here: ack the one that just did. */
  takeDoneWithoutHandle(seq: number): boolean {
    return this.doneWithoutHandle.delete(seq);
  }

  /** The ticket is done with (printed, or not to be printed): out of its queue, and acked. */
  finish(q: StationQueue, entry: Entry): void {
    const i = q.entries.indexOf(entry);
    if (i >= 0) q.entries.splice(i, 1);
    q.bySeq.delete(entry.seq);
    if (entry.demand) return;
    if (entry.msg !== undefined) entry.msg.ack();
    else this.doneWithoutHandle.add(entry.seq);
  }

  /** Keeps held deliveries from being redelivered while their printer is down. */
  keepAlive(): void {
    for (const q of this.queues.values()) for (const e of q.entries) e.msg?.working();
  }

  /** Tickets waiting across all stations. */
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
