import type { ActorRef } from '../decider.js';
import type { LogEntry } from '../record.js';
import { TimerIndex, type PendingTimer } from '../timers.js';
import type { Partition } from './index.js';

const TIMER_TICK_MS = 25;

/**
 * A partition's durable timers at work: the index of pending ones (`../timers.ts`), kept by the
 * records that set, cancel and fire them, and a tick that submits each due timer's command to the
 * mailbox like any other command.
 */
export class PartitionTimers {
  readonly index = new TimerIndex();
  /** Changes with every change of the index: a checkpoint is written when it moved. */
  version = 0;
  private tick: NodeJS.Timeout | undefined;

  constructor(private readonly part: Partition) {}

  start(): void {
    this.tick = setInterval(() => this.fireDue(), TIMER_TICK_MS);
  }

  stop(): void {
    if (this.tick !== undefined) clearInterval(this.tick);
    this.tick = undefined;
  }

  /** Applies what entry `e` of actor `key` did to its timers; true when it did anything. */
  apply(ref: ActorRef, key: string, e: LogEntry): boolean {
    let changed = false;
    if (e.tf !== undefined) {
      this.index.fired(key, e.tf[0], e.tf[1]);
      changed = true;
    }
    for (const k of e.tc ?? []) {
      this.index.cancel(key, k);
      changed = true;
    }
    for (const [k, at, command] of e.tm ?? []) {
      this.index.set(ref, key, k, at, command);
      changed = true;
    }
    return changed;
  }

  private fireDue(): void {
    if (this.part.state !== 'serving') return;
    for (const t of this.index.due(Date.now())) {
      t.firing = true;
      this.fire(t);
    }
  }

  private fire(t: PendingTimer): void {
    this.part.mailbox.submit(
      {
        ref: t.ref,
        key: t.actorKey,
        command: t.command,
        // No command id: the firing recorded in the log (`tf`) is what makes a timer fire once;
        // an id would let a re-armed timer with the same key and time be answered as a duplicate.
        cmdId: undefined,
        timer: [t.key, t.at],
        sink: {
          deliver: (_slot, r) => {
            // A durable firing removed the timer; anything else (a decider fault, a hand-over) tries again later.
            if (r[0] === 1) this.index.retryAt(t, Date.now() + 1000);
          },
        },
        slot: 0,
      },
      true,
    );
  }
}
