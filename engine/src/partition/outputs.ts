import { encode, Preencoded } from '../codec.js';
import { ensureError } from '../errors.js';
import type { LogEntry } from '../record.js';
import { jsPublish, msgIdHeaders } from '../request-window.js';
import { pause, type PartitionEnv } from './env.js';
import type { Partition } from './index.js';

type Output = NonNullable<LogEntry['out']>[number];

/**
 * Side outputs, published once their record is durable. JetStream ones wait in an outbox, in record
 * order, retried until accepted (their `Nats-Msg-Id` makes a repeat harmless); `seq` says up to which
 * record they are all out, which the checkpoint keeps so recovery publishes the rest again. Core
 * NATS ones are published at once, at most once.
 */
export class Outputs {
  private readonly outbox: { seq: number; outs: Output[] }[] = [];
  /** Every output of the records up to here is published. */
  seq = 0;
  private pumping = false;

  constructor(
    private readonly part: Partition,
    private readonly env: PartitionEnv,
  ) {}

  /** The record `seq` is durable and holds `outs` (maybe none). */
  committed(seq: number, outs: Output[]): void {
    if (outs.length > 0) {
      this.outbox.push({ seq, outs });
      void this.pump();
    } else if (this.outbox.length === 0) {
      this.seq = seq;
    }
  }

  /** Recovery: record `seq`, replayed, holds outputs not known to be out. */
  replayed(seq: number, outs: Output[]): void {
    this.outbox.push({ seq, outs });
  }

  /** Recovery done: outputs up to `published` are out (the checkpoint says), the log ends at `last`. */
  recovered(published: number, last: number): void {
    this.seq = this.outbox.length > 0 ? Math.min(published, last) : last;
  }

  /** Publishes what waits, while the lease holds (a hand-over). */
  async drain(): Promise<void> {
    while (this.outbox.length > 0 && this.env.leaseValid(this.part.p)) await this.pump();
  }

  async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (this.outbox.length > 0 && this.part.state !== 'dead') {
        const item = this.outbox[0]!;
        await Promise.all(item.outs.map((o) => this.publish(o)));
        this.seq = item.seq;
        this.outbox.shift();
      }
      if (this.outbox.length === 0 && this.part.lastSeq > this.seq) this.seq = this.part.lastSeq;
    } finally {
      this.pumping = false;
    }
  }

  /**
   * A core NATS output, at most once: `id` in `Nats-Msg-Id` as for JetStream ones (the header as
   * bytes made in one string: nats.js's `headers()` was ~5% of what a lunch rush allocated).
   */
  publishCore(subject: string, id: string, payload: unknown): void {
    this.env.nc.publish(this.env.names.subject(subject), payload as Uint8Array, { headers: msgIdHeaders(id) });
  }

  private async publish([subject, id, data, js, req]: Output): Promise<void> {
    const full = this.env.names.subject(subject);
    // Packed when decided; an output read back from the log in recovery is a plain value.
    const payload = data instanceof Preencoded ? data.bytes : encode(data);
    if (js !== 1) {
      // A core output in a record written before 7 Dec (they are no longer written into records).
      this.publishCore(subject, id, payload);
      return;
    }
    for (let attempt = 0; this.part.state !== 'dead'; attempt++) {
      try {
        await jsPublish(this.env.window, full, payload, { msgID: id, req, timeoutMs: this.env.cfg.appendTimeoutMs });
        return;
      } catch (err) {
        if (attempt % 20 === 0) {
          this.env.log.error(
            { subject: full, id, err: ensureError(err).message, attempt },
            'side output not accepted yet; retrying',
          );
        }
        await pause(Math.min(1000, 20 * 2 ** attempt));
      }
    }
  }
}
