/**
 * The contract between the engine and a domain actor type.
 *
 * An actor type is a pure decider: `decide(state, command, ctx)` returns a
 * decision (events, a result for the caller, timers, side outputs) or a
 * rejection; `evolve(state, event)` folds one event into the state. Neither may
 * do I/O, read clocks or draw random numbers: time and ids arrive inside the
 * command. The engine alone persists events, so replay after a crash is exact.
 *
 * States must be treated as immutable: `evolve` returns a new state object (or
 * the same one when nothing changed) and never mutates its input. The engine
 * keeps references to earlier states to know what is durable.
 */
import { isDeepStrictEqual } from 'node:util';

/** Where an actor lives: every actor of a store lives in that store's partition. */
export interface ActorRef {
  readonly store: string;
  readonly type: string;
  readonly id: string;
}

/** A rejection is a terminal, expected "no": the command changed nothing. */
export interface Rejection {
  readonly reject: {
    /** A code from the domain's registry, e.g. `sold_out`, `invalid_transition`. */
    readonly code: string;
    readonly message: string;
    /** `invalid` for malformed commands, `rejected` for business refusals. */
    readonly kind?: 'rejected' | 'invalid';
    readonly details?: unknown;
  };
}

/** A durable timer: at `at` (ms since epoch) `command` is delivered to the actor that set it. */
export interface TimerSpec<C = unknown> {
  /** Unique per actor; setting a timer with an existing key replaces it. */
  readonly key: string;
  readonly at: number;
  readonly command: C;
}

/**
 * A message the decision emits to another subject, published only after the
 * events that caused it are durable. `subject` is relative to the engine's
 * namespace: `kitchen.001.hot` goes out as `<ns>.kitchen.001.hot` (`lr.` by
 * default), so test namespaces never cross. `jetstream: true` publishes it to a
 * JetStream stream with `id` as the de-duplication message id; otherwise it goes
 * out on core NATS (push subjects for WebSockets). `id` must be stable across
 * retries: consumers de-duplicate by it.
 */
export interface SideOutput {
  readonly subject: string;
  readonly id: string;
  readonly data: unknown;
  readonly jetstream?: boolean;
}

export interface Decision<E = unknown, R = unknown, C = unknown> {
  readonly events?: readonly E[];
  /** Sent back to the caller once the events are durable. */
  readonly result?: R;
  readonly timers?: readonly TimerSpec<C>[];
  readonly cancelTimers?: readonly string[];
  readonly outputs?: readonly SideOutput[];
  /**
   * Labels a reader of the log sees without reading the record: they travel in its `Lr-Tags`
   * header (space-separated), so a projection follows the log with a headers-only consumer and
   * never receives the payloads. Printable ASCII without spaces, at most 256 characters each. Only
   * a decision that also writes something durable (events, timers, outputs) has its tags written.
   */
  readonly tags?: readonly string[];
  /**
   * The state `events` fold to from `from`, when the decider folded them already (to answer with the
   * new state): the engine then takes `to` instead of folding them again, as long as `from` is still
   * the actor's state (the same object) once the decision is made. It must be exactly what `evolve`
   * gives; `MemoryRuntime` checks that it is.
   */
  readonly folded?: { readonly from: unknown; readonly to: unknown };
}

/** What a tag may hold (see `Decision.tags`). */
export const TAG_RE = /^[!-~]{1,256}$/;

export type CallOutcome<R = unknown> =
  | { readonly ok: true; readonly result: R }
  | { readonly ok: false; readonly code: string; readonly message: string; readonly details?: unknown };

/**
 * What a decider may ask of the engine while deciding. `call` runs a command on
 * another actor of the same store synchronously, in memory: its events join the
 * same atomic append as the caller's, and they are discarded with the caller's
 * when the caller rejects. This is how an order reserves every line's stock all
 * or nothing.
 */
export interface DecideContext {
  readonly self: ActorRef;
  /** The command id when the caller gave one (idempotency key); `undefined` for calls and timers. */
  readonly commandId: string | undefined;
  /** Set when the command is a timer firing: the timer's key. */
  readonly timer: string | undefined;
  call<R = unknown>(type: string, id: string, command: unknown): CallOutcome<R>;
}

export interface SnapshotCodec<S> {
  encode(state: S): unknown;
  decode(raw: unknown): S;
}

export interface ActorType<S = any, C = any, E = any, R = any> {
  /** Lowercase name used in subjects and keys: `[a-z][a-z0-9-]*`. */
  readonly name: string;
  initial(ref: ActorRef): S;
  decide(state: S, command: C, ctx: DecideContext): Decision<E, R, C> | Rejection;
  evolve(state: S, event: E): S;
  /** Defaults to msgpack of the state itself. */
  readonly snapshot?: SnapshotCodec<S>;
  /**
   * Checks a command that comes from outside the actor module (a client's, or a timer's read back
   * from the log) and gives it as `decide` takes it, or refuses it (a rejection of kind `invalid`).
   * The engine calls it once per command, before `decide`, and not for commands one actor sends
   * another with `ctx.call`: actors of one module build those typed and trust each other, so a
   * command is validated once, at the edge. `MemoryRuntime` checks in domain tests that every
   * `ctx.call` command would pass it unchanged. Without it, `decide` gets commands as they come.
   */
  parse?(command: unknown): ParseOutcome<C>;
}

/** What `parse` gives: the command as `decide` takes it, or the rejection to answer with. */
export type ParseOutcome<C> =
  { readonly ok: true; readonly value: C } | { readonly ok: false; readonly rejection: Rejection };

/**
 * Whether `command` is already what `type`'s parse makes of it (parsing it gives it back unchanged).
 * The engine checks a command sent as parsed (`SendOptions.parsed`) with it under test, or with
 * `ENGINE_CHECK_PARSED=1`: a sender that builds one without a default its schema fills in fails its
 * tests, not the chain.
 */
export function inParsedForm(type: ActorType, command: unknown): boolean {
  if (type.parse === undefined) return true;
  const p = type.parse(command);
  return p.ok && isDeepStrictEqual(p.value, command);
}

export function isRejection(d: Decision | Rejection): d is Rejection {
  return (d as Rejection).reject !== undefined;
}

export function reject(
  code: string,
  message: string,
  details?: unknown,
  kind: 'rejected' | 'invalid' = 'rejected',
): Rejection {
  return { reject: details === undefined ? { code, message, kind } : { code, message, kind, details } };
}

/** Identity helper that keeps the generic parameters of an actor type. */
export function defineActor<S, C, E, R = unknown>(t: ActorType<S, C, E, R>): ActorType<S, C, E, R> {
  return t;
}
