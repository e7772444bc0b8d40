import { isDeepStrictEqual } from 'node:util';
import type { ActorRef, ActorType } from './decider.js';
import type { LogEntry } from './record.js';
import { actorKey } from './partitioning.js';
import { fold, runTransaction, type Refusal, type TxHost } from './transaction.js';

export type MemoryOutcome<R = unknown> = { readonly ok: true; readonly result: R } | Refusal;

interface PendingTimer {
  readonly ref: ActorRef;
  readonly key: string;
  readonly at: number;
  readonly command: unknown;
}

/**
 * The engine's decision semantics without any I/O: same transactions, same log
 * entries, same idempotency and timers, all in one process's memory. For domain
 * tests (`actors/`) and for checking replay; the live engine adds persistence,
 * partitions and leases around exactly this.
 */
export class MemoryRuntime implements TxHost {
  private readonly types = new Map<string, ActorType>();
  private readonly states = new Map<string, unknown>();
  private readonly seen = new Map<string, unknown>();
  private readonly pendingTimers = new Map<string, PendingTimer>();
  /** Every entry appended, in order. */
  readonly log: LogEntry[] = [];
  /** Side outputs emitted, in order: [subject, id, data]. */
  readonly outputs: { subject: string; id: string; data: unknown; jetstream: boolean }[] = [];

  /**
   * `checkCalls` (default on): every `ctx.call` command must pass its callee's `parse` unchanged
   * (no default filled in, nothing trimmed or dropped), or the call throws. The engine does not
   * parse commands between actors, so a domain test catches here what production would trust.
   * Likewise a decision's folded state (`Decision.folded`) must be exactly what its events fold to.
   */
  constructor(
    types: readonly ActorType[],
    private readonly opts: { checkCalls?: boolean } = {},
  ) {
    for (const t of types) this.types.set(t.name, t);
  }

  checkCall(type: ActorType, command: unknown): void {
    if (this.opts.checkCalls === false || type.parse === undefined) return;
    const p = type.parse(command);
    if (!p.ok) {
      throw new Error(
        `ctx.call to ${type.name} with a command its parse refuses (${p.rejection.reject.message}): ${JSON.stringify(command)}`,
      );
    }
    if (!isDeepStrictEqual(p.value, command)) {
      throw new Error(
        `ctx.call to ${type.name} with a command its parse changes: ${JSON.stringify(command)} parses as ${JSON.stringify(p.value)}`,
      );
    }
  }

  /** With `checkCalls` on: a decision's folded state must be exactly what its events fold to. */
  checkFolded(type: ActorType, from: unknown, events: readonly unknown[] | undefined, to: unknown): void {
    if (this.opts.checkCalls === false) return;
    const folded = fold(type, from, events);
    if (!isDeepStrictEqual(folded, to))
      throw new Error(`${type.name} handed over a folded state that its events do not fold to`);
  }

  actorType(name: string): ActorType | undefined {
    return this.types.get(name);
  }

  stateOf(key: string): { state: unknown } {
    if (this.states.has(key)) return { state: this.states.get(key) };
    const [type, store, ...rest] = key.split('.');
    const t = this.types.get(type!);
    if (t === undefined) throw new Error(`unknown actor type ${type}`);
    return { state: t.initial({ type: type!, store: store!, id: rest.join('.') }) };
  }

  state<S = unknown>(ref: ActorRef): S {
    return this.stateOf(actorKey(ref.store, ref.type, ref.id)).state as S;
  }

  send<R = unknown>(ref: ActorRef, command: unknown, opts: { id?: string } = {}): MemoryOutcome<R> {
    return this.run<R>(ref, command, opts.id, undefined);
  }

  /** Timers not fired yet, earliest first. */
  timers(): PendingTimer[] {
    return [...this.pendingTimers.values()].sort((a, b) => a.at - b.at);
  }

  /** Fires, in time order, every timer due at or before `now`. Returns how many fired. */
  fireDueTimers(now: number): number {
    let n = 0;
    for (;;) {
      const due = this.timers().find((t) => t.at <= now);
      if (due === undefined) return n;
      // No command id: the recorded firing (`tf`) is what makes a timer fire once.
      this.run(due.ref, due.command, undefined, [due.key, due.at]);
      n++;
    }
  }

  private run<R>(
    ref: ActorRef,
    command: unknown,
    id: string | undefined,
    timer: [string, number] | undefined,
  ): MemoryOutcome<R> {
    if (id !== undefined) {
      const dedupKey = `${actorKey(ref.store, ref.type, ref.id)}\u0000${id}`;
      if (this.seen.has(dedupKey)) return { ok: true, result: this.seen.get(dedupKey) as R };
    }
    const out = runTransaction(this, ref, { command }, id, timer);
    if (!out.ok) return out;
    for (const s of out.staged) {
      this.states.set(s.key, s.post);
      this.log.push(s.entry);
      this.applyTimers(s.ref, s.key, s.entry);
      for (const [subject, oid, data, js] of s.entry.out ?? [])
        this.outputs.push({ subject, id: oid, data, jetstream: js === 1 });
      for (const [subject, oid, data] of s.transient ?? [])
        this.outputs.push({ subject, id: oid, data, jetstream: false });
      if (s.entry.c !== undefined) this.seen.set(`${s.key}\u0000${s.entry.c}`, s.entry.r);
    }
    return { ok: true, result: out.result as R };
  }

  private applyTimers(ref: ActorRef, key: string, e: LogEntry): void {
    if (e.tf !== undefined) {
      const t = this.pendingTimers.get(`${key}\u0000${e.tf[0]}`);
      if (t !== undefined && t.at === e.tf[1]) this.pendingTimers.delete(`${key}\u0000${e.tf[0]}`);
    }
    for (const k of e.tc ?? []) this.pendingTimers.delete(`${key}\u0000${k}`);
    for (const [k, at, command] of e.tm ?? []) this.pendingTimers.set(`${key}\u0000${k}`, { ref, key: k, at, command });
  }
}

/** Folds log entries into states, starting from `from` (e.g. snapshots) or each type's initial state. */
export function replay(
  types: readonly ActorType[],
  entries: readonly LogEntry[],
  from: ReadonlyMap<string, unknown> = new Map(),
): Map<string, unknown> {
  const byName = new Map(types.map((t) => [t.name, t]));
  const states = new Map(from);
  for (const e of entries) {
    const [type, store, id] = e.a;
    const t = byName.get(type);
    if (t === undefined) throw new Error(`unknown actor type ${type}`);
    const key = actorKey(store, type, id);
    const s: unknown = states.has(key) ? states.get(key) : t.initial({ type, store, id });
    states.set(key, fold(t, s, e.ev));
  }
  return states;
}
