/**
 * Alarm events on core NATS `<ns>.alarms.<store>` (msgpack, header `Nats-Msg-Id`).
 * The staff board subscribes (through the gateway) and shows them; a board that
 * missed one resyncs with the status request (`<ns>.printers.<store>.status`).
 * They are not on `push.<store>.board`: that subject carries the order actor's
 * BoardPush union, which the printer daemon does not own.
 */
import { encode } from '@lunchrush/engine/codec';
import { headers, type NatsConnection } from '@nats-io/transport-node';
import type { StatusFlag } from './escpos.js';

export type PrinterAlarm =
  | {
      /** A printer's state changed: `error` stops printing, `warning` (paper near end) does not. */
      readonly kind: 'printer';
      readonly store: string;
      readonly printer: string;
      readonly name?: string;
      readonly level: 'ok' | 'warning' | 'error';
      readonly flags: readonly StatusFlag[];
      /** Tickets waiting for this printer. */
      readonly held: number;
      /** Since when the printer has been in this level (ms since the epoch). */
      readonly since: number;
      readonly detail?: string;
      readonly at: number;
    }
  | {
      /** A station's tickets moved to its backup printer, or back. */
      readonly kind: 'failover';
      readonly store: string;
      readonly station: string;
      readonly from: string;
      readonly to: string;
      readonly back: boolean;
      readonly at: number;
    }
  | {
      /** A station has no printer in the configuration: its tickets are held. */
      readonly kind: 'unrouted';
      readonly store: string;
      readonly station: string;
      readonly held: number;
      readonly at: number;
    }
  | {
      /** A stale ticket went to the kitchen display only (stalePolicy `kds-only`). */
      readonly kind: 'kds_only';
      readonly store: string;
      readonly station: string;
      readonly ticketId: string;
      readonly lateMinutes: number;
      readonly at: number;
    }
  | {
      /** A configuration written to the bucket was refused; the previous one stays in force. */
      readonly kind: 'config_invalid';
      readonly store: string;
      readonly message: string;
      readonly at: number;
    };

export type PrinterAlarmKind = PrinterAlarm['kind'];

/** Publishes alarms: to the daemon's own listeners first, then on `<ns>.alarms.<store>` while connected. */
export class AlarmPublisher {
  private counter = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly subject: (store: string) => string,
    private readonly local: (a: PrinterAlarm) => void,
    private readonly stopping: () => boolean,
  ) {}

  publish(a: PrinterAlarm): void {
    this.local(a);
    if (this.stopping() || this.nc.isClosed()) return;
    const h = headers();
    h.set('Nats-Msg-Id', `alarm:${a.store}:${process.pid}:${++this.counter}`);
    this.nc.publish(this.subject(a.store), encode(a), { headers: h });
  }
}
