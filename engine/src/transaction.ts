import type { ActorRef, ActorType, CallOutcome, DecideContext, Decision, Rejection } from './decider.js';
import { TAG_RE, isRejection } from './decider.js';
import { ErrorCode } from './errors.js';
import type { LogEntry } from './record.js';
import { actorKey, isValidId } from './partitioning.js';

/** What a transaction reads: the current (possibly not yet durable) state of loaded actors. */
export interface TxHost {
  actorType(name: string): ActorType | undefined;
  /** The current state, or `undefined` when the actor is not in memory yet. */
  stateOf(key: string): { readonly state: unknown } | undefined;
  /**
   * Called with every `ctx.call` command before it is decided (never parsed there: see
   * `ActorType.parse`). `MemoryRuntime` throws when the callee's `parse` would refuse or change it.
   */
  checkCall?(type: ActorType, command: unknown): void;
  /** Called with every decision that hands its folded state over (`Decision.folded`) and is used: `MemoryRuntime` checks it. */
  checkFolded?(type: ActorType, from: unknown, events: readonly unknown[] | undefined, to: unknown): void;
}

/**
 * A command from outside with what its actor type's `parse` made of it: the partition keeps this
 * on the job, so a command that runs again after its actors loaded is not parsed twice.
 */
export interface TxCommand {
  command: unknown;
  /** `command` is what `parse` gave (or the type has no `parse`). */
  parsed?: boolean;
  /** The caller's request id (`SendOptions.req`): carried on every JetStream output of the transaction. */
  readonly req?: string | undefined;
}

/** Thrown (internally) when a decision touches actors that are not loaded; the caller loads them and runs it again. */
export class NeedsLoad extends Error {
  constructor(readonly refs: ActorRef[]) {
    super('actors not loaded');
  }

  /**
   * Without a stack: every new order is one of these (the table's submit calls an order actor that
   * is not in memory yet), and capturing the stack through the deciders was 3% of the engine's CPU
   * in a lunch rush. Nobody reads it: the partition catches it, loads and runs the command again.
   */
  static of(refs: ActorRef[]): NeedsLoad {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new NeedsLoad(refs);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

export interface Staged {
  readonly ref: ActorRef;
  readonly key: string;
  readonly entry: LogEntry;
  /** State after this entry's events. */
  readonly post: unknown;
  /** The decision's tags (`Decision.tags`), for the record's header. */
  readonly tags: readonly string[] | undefined;
  /** Its core NATS outputs (not in the record): [subject, id, data]. */
  readonly transient: [string, string, unknown][] | undefined;
}

/** The core NATS outputs of a decision: published once its record is durable, never written into it. */
function transientOf(d: Decision): [string, string, unknown][] | undefined {
  if (d.outputs === undefined) return undefined;
  let out: [string, string, unknown][] | undefined;
  for (const o of d.outputs) if (o.jetstream !== true) (out ??= []).push([o.subject, o.id, o.data]);
  return out;
}

/** A refusal: `code` from the engine's registry (`rejected`, `invalid`, …), `reason` the domain's own code. */
export interface Refusal {
  readonly ok: false;
  readonly code: string;
  readonly reason: string;
  readonly message: string;
  readonly details?: unknown;
}

export type TxOutcome = { readonly ok: true; readonly result: unknown; readonly staged: Staged[] } | Refusal;

const MAX_CALL_DEPTH = 8;

export function fold(type: ActorType, state: unknown, events: readonly unknown[] | undefined): unknown {
  if (events === undefined) return state;
  let s = state;
  for (const e of events) s = type.evolve(s, e);
  return s;
}

/** Builds the log entry of one decision; `undefined` when it changes nothing durable. */
function entryOf(
  ref: ActorRef,
  d: Decision,
  commandId: string | undefined,
  timer: [string, number] | undefined,
  req: string | undefined,
): LogEntry | undefined {
  const e: LogEntry = { a: [ref.type, ref.store, ref.id] };
  let durable = false;
  if (d.events !== undefined && d.events.length > 0) {
    e.ev = d.events as unknown[];
    durable = true;
  }
  if (d.timers !== undefined && d.timers.length > 0) {
    e.tm = d.timers.map((t) => [t.key, t.at, t.command]);
    durable = true;
  }
  if (d.cancelTimers !== undefined && d.cancelTimers.length > 0) {
    e.tc = [...d.cancelTimers];
    durable = true;
  }
  if (d.outputs !== undefined && d.outputs.length > 0) {
    // Only JetStream outputs go into the record (published again after a crash until known out);
    // core NATS outputs are published from memory once the record is durable (`transientOf`).
    // With the request id when there is one (the consumer logs it), in the record so a republish after
    // a crash carries it too.
    for (const o of d.outputs)
      if (o.jetstream === true)
        (e.out ??= []).push(req === undefined ? [o.subject, o.id, o.data, 1] : [o.subject, o.id, o.data, 1, req]);
    durable = true;
  }
  if (timer !== undefined) {
    e.tf = timer;
    durable = true;
  }
  if (!durable) return undefined;
  if (commandId !== undefined) {
    e.c = commandId;
    if (d.result !== undefined) e.r = d.result;
  }
  return e;
}

function rejectionOutcome(r: Rejection): TxOutcome {
  return {
    ok: false,
    code: r.reject.kind === 'invalid' ? ErrorCode.Invalid : ErrorCode.Rejected,
    reason: r.reject.code,
    message: r.reject.message,
    details: r.reject.details,
  };
}

/** The context handed to `decide`: a class, not a closure, so a command allocates as little as possible. */
class Ctx implements DecideContext {
  constructor(
    private readonly tx: Tx,
    readonly self: ActorRef,
    readonly commandId: string | undefined,
    readonly timer: string | undefined,
    private readonly depth: number,
  ) {}

  call<R>(calleeType: string, calleeId: string, calleeCmd: unknown): CallOutcome<R> {
    if (this.depth >= MAX_CALL_DEPTH) {
      return { ok: false, code: ErrorCode.Invalid, message: `call depth over ${MAX_CALL_DEPTH}` };
    }
    const t = this.tx.host.actorType(calleeType);
    if (t === undefined)
      return { ok: false, code: ErrorCode.UnknownActorType, message: `unknown actor type ${calleeType}` };
    if (!isValidId(calleeId))
      return { ok: false, code: ErrorCode.Invalid, message: `invalid actor id ${String(calleeId)}` };
    this.tx.host.checkCall?.(t, calleeCmd);
    const target = { store: this.self.store, type: calleeType, id: calleeId };
    const out = this.tx.decideOn(target, t, calleeCmd, undefined, undefined, this.depth + 1);
    if (out.ok) return { ok: true, result: out.result as R };
    return out.details === undefined
      ? { ok: false, code: out.reason, message: out.message }
      : { ok: false, code: out.reason, message: out.message, details: out.details };
  }
}

/** One transaction: decisions staged over the host's state, in call order. */
class Tx {
  readonly staged: Staged[] = [];

  constructor(
    readonly host: TxHost,
    private readonly req: string | undefined,
  ) {}

  /** The latest staged state of `key`, else the host's; undefined when not loaded. */
  private current(key: string): { readonly state: unknown } | undefined {
    for (let i = this.staged.length - 1; i >= 0; i--) {
      const s = this.staged[i]!;
      if (s.key === key) return { state: s.post };
    }
    return this.host.stateOf(key);
  }

  decideOn(
    target: ActorRef,
    type: ActorType,
    cmd: unknown,
    cmdId: string | undefined,
    tmr: [string, number] | undefined,
    depth: number,
    key: string = actorKey(target.store, target.type, target.id),
  ): TxOutcome {
    const cur = this.current(key);
    if (cur === undefined) throw NeedsLoad.of([target]);
    const mark = this.staged.length;
    const d = type.decide(cur.state, cmd, new Ctx(this, target, cmdId, tmr?.[0], depth));
    if (isRejection(d)) {
      // A rejected decision leaves nothing behind, nor does anything it called before rejecting.
      this.staged.length = mark;
      return rejectionOutcome(d);
    }
    // Read again: the decision may have called this very actor.
    const now = this.current(key)!.state;
    let post: unknown;
    if (d.folded !== undefined && d.folded.from === now) {
      // Folded by the decider already (to answer with the new state): not twice.
      this.host.checkFolded?.(type, now, d.events, d.folded.to);
      post = d.folded.to;
    } else {
      post = fold(type, now, d.events);
    }
    const entry = entryOf(target, d, cmdId, tmr, this.req);
    if (d.tags !== undefined)
      for (const t of d.tags) if (!TAG_RE.test(t)) throw new Error(`${target.type} decided an invalid tag: ${t}`);
    if (entry !== undefined)
      this.staged.push({ ref: target, key, entry, post, tags: d.tags, transient: transientOf(d) });
    return { ok: true, result: d.result, staged: this.staged };
  }
}

/**
 * Runs one command against in-memory state, synchronously. Calls to other actors
 * of the same store are decided in the same transaction; nothing is applied to
 * the host: the caller commits `staged` (or throws it away on rejection).
 */
export function runTransaction(
  host: TxHost,
  ref: ActorRef,
  input: TxCommand,
  commandId: string | undefined,
  timer: [string, number] | undefined,
  /** `ref`'s key when the caller has it (one string built and hashed per command, not two). */
  key: string = actorKey(ref.store, ref.type, ref.id),
): TxOutcome {
  const type = host.actorType(ref.type);
  if (type === undefined) {
    return {
      ok: false,
      code: ErrorCode.UnknownActorType,
      reason: ErrorCode.UnknownActorType,
      message: `unknown actor type ${ref.type}`,
    };
  }
  let out: TxOutcome | undefined;
  if (input.parsed !== true && type.parse !== undefined) {
    const p = type.parse(input.command);
    if (p.ok) input.command = p.value;
    else out = rejectionOutcome(p.rejection);
  }
  input.parsed = true;
  const tx = new Tx(host, input.req);
  out ??= tx.decideOn(ref, type, input.command, commandId, timer, 0, key);
  if (!out.ok) {
    // A timer that fires into a rejection is still spent: record it so it never fires again.
    if (timer !== undefined) {
      const cur = host.stateOf(key);
      return {
        ok: true,
        result: undefined,
        staged: [
          {
            ref,
            key,
            entry: { a: [ref.type, ref.store, ref.id], tf: timer },
            post: cur?.state,
            tags: undefined,
            transient: undefined,
          },
        ],
      };
    }
    return out;
  }
  return { ok: true, result: out.result, staged: tx.staged };
}
