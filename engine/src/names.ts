/**
 * The names of every NATS and JetStream resource of one engine namespace: the
 * wire contract other processes read (`@lunchrush/engine/names`). Built here
 * only, so a reader of the log, an output stream's consumer and the engine agree
 * by construction instead of by copying a template string.
 */

/** The namespace when none is configured (`ENGINE_NAMESPACE`). */
export const DEFAULT_NAMESPACE = 'lr';

/** Names of every NATS/JetStream resource of one engine namespace. */
export interface Names {
  readonly ns: string;
  /** The event stream (`<NS>_EVENTS`): one record per append, written by the engine only. */
  readonly stream: string;
  readonly leases: string;
  readonly snapshots: string;
  readonly checkpoints: string;
  cmdSubject(p: number): string;
  /** Where one engine process takes commands for any partition it serves. */
  procSubject(processId: string): string;
  /** A partition's records in the event stream: `<ns>.ev.<p>`. */
  eventSubject(p: number): string;
  eventWildcard: string;
  /** The JetStream stream of an output stream named `name` (an `OutputStream`): `<NS>_<NAME>`. */
  outputStream(name: string): string;
  /** A subject relative to the namespace (side outputs, `OutputStream` subjects) made absolute: `<ns>.<relative>`. */
  subject(relative: string): string;
}

export function names(ns: string): Names {
  return {
    ns,
    stream: `${ns.toUpperCase()}_EVENTS`,
    leases: `${ns}_leases`,
    snapshots: `${ns}_snapshots`,
    checkpoints: `${ns}_checkpoints`,
    cmdSubject: (p) => `${ns}.cmd.${p}`,
    procSubject: (id) => `${ns}.proc.${id}`,
    eventSubject: (p) => `${ns}.ev.${p}`,
    eventWildcard: `${ns}.ev.>`,
    outputStream: (name) => `${ns.toUpperCase()}_${name.toUpperCase()}`,
    subject: (relative) => `${ns}.${relative}`,
  };
}

/** The partition of an event subject `<ns>.ev.<p>` (-1 when its last token is not a partition number). */
export function partitionOfSubject(subject: string): number {
  const i = subject.lastIndexOf('.');
  const p = Number(subject.slice(i + 1));
  return Number.isInteger(p) && p >= 0 ? p : -1;
}

/**
 * The header naming the request a side output came from: the `req` a caller sent with the command
 * (`SendOptions.req`, a gateway's `X-Request-Id`), on every JetStream output its decision made, so a
 * consumer (the printer daemon) logs the same id as the gateway and the engine did.
 */
export const REQUEST_ID_HEADER = 'Lr-Req';

/** What a request id may be (printable ASCII without spaces, so it fits a header and a log line as it is). */
export const REQUEST_ID_RE = /^[\x21-\x7e]{1,128}$/;
