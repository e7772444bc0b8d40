import { Kvm } from '@nats-io/kv';
import { connect, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { nuid } from '@nats-io/nuid';
import { decode, encode, Preencoded } from './codec.js';
import { EngineError, ErrorCode, ensureError, isRetryableCode } from './errors.js';
import { DEFAULT_NATS_URL, DEFAULT_NAMESPACE } from './config.js';
import { DEFAULT_PARTITIONS, isValidId, names, partitionOf, type Names } from './partitioning.js';
import type { ReplySink, WireResult } from './partition/index.js';
import type { LocalEngine, WireRequest } from './engine.js';
import { NoResponders, replyLimit, RequestTimeout, RequestWindow } from './request-window.js';

export const DEFAULT_SEND_TIMEOUT_MS = 5_000;
export const DEFAULT_MAX_COMMANDS_PER_REQUEST = 256;
/** Commands in flight from one client; past it `send` refuses at once (overloaded, retryable). */
export const DEFAULT_MAX_IN_FLIGHT = 20_000;
/** One request waits at most this long before it is retried (a paused owner must not eat the whole deadline). */
export const DEFAULT_ATTEMPT_TIMEOUT_MS = 2_000;
const BACKOFF_FIRST_MS = 10;
const BACKOFF_MAX_MS = 500;

export interface SendOptions {
  /**
   * Idempotency key. Repeating a command with the same id returns its first
   * outcome. When absent the client makes one, so its own retries never apply
   * a command twice. `null`: no id at all, for a command the actor itself
   * recognises when repeated (an order placed under an id derived from the
   * request): its retries reach the actor, and the engine neither remembers
   * nor logs its result.
   */
  id?: string | null;
  /** Overall deadline including retries. */
  timeout?: number;
  /** Retry retryable errors (overloaded, partition moving, timeout) until the deadline. Default true. */
  retry?: boolean;
  /**
   * The request this command serves (a gateway's `X-Request-Id`; printable ASCII without spaces, at
   * most 128): the engine logs it with the command at `debug` and puts it on every JetStream side
   * output the command makes (header `Lr-Req`, `REQUEST_ID_HEADER`), so a kitchen ticket's printer
   * logs it too. Travels as one more element of the command's envelope, only when given.
   */
  req?: string;
  /**
   * `command` is already what its actor type's `parse` makes of it: built by this process from input
   * it validated, in the schema's output form (every default filled in; the actors' handles type it,
   * `ActorHandle.sendParsed`). A partition in this process decides it without parsing it again (the
   * actor's zod parse of a table submit was ~2% of a node's CPU in a lunch rush); sent over NATS to
   * another process it is parsed there as always.
   */
  parsed?: boolean;
}

export interface EngineClientOptions {
  namespace?: string;
  partitions?: number;
  /** Commands issued in the same tick to the same partition travel in one NATS request, up to this many. */
  maxCommandsPerRequest?: number;
  defaultTimeoutMs?: number;
  attemptTimeoutMs?: number;
  maxInFlight?: number;
  /**
   * Send each tick's commands for all partitions an engine process owns in one request to that
   * process (owners learnt by watching the lease bucket) instead of one request per partition.
   * Default true; the per-partition subject stays the fallback whenever the owner is unknown.
   */
  routeByProcess?: boolean;
  /**
   * An engine in this process (a node: gateway and partitions together). A command whose partition
   * it hosts is handed to that partition directly, with no NATS request and no encoding of the
   * command; every other command goes over NATS to its owner as usual. Its namespace and partition
   * count must be the client's.
   */
  local?: LocalEngine;
}

/** Commands sent, by the way they went: handed to a partition in this process, or over NATS. */
export interface RouteCounts {
  local: number;
  remote: number;
}

interface Pending {
  p: number;
  item: [string, string, string, string | null, unknown] | [string, string, string, string | null, unknown, string];
  resolve: (v: unknown) => void;
  reject: (e: EngineError) => void;
  deadline: number;
  retry: boolean;
  attempt: number;
  /** `SendOptions.parsed`: not sent over NATS, only told to a local partition. */
  parsed: boolean;
}

/**
 * How gateways, tests and the bench talk to the engine. Commands to the same
 * partition issued in the same event-loop turn are coalesced into one request
 * (the engine answers them in one reply), which is what lets one client push
 * tens of thousands of commands a second through NATS request/reply.
 */
export class EngineClient {
  private readonly names: Names;
  /** Subjects of requests to one engine process (the others go to a partition's subject). */
  private readonly procPrefix: string;
  private readonly partitions: number;
  private readonly maxPerRequest: number;
  private readonly defaultTimeout: number;
  private readonly attemptTimeout: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  /** Route (a subject) → commands waiting for this tick's request. */
  private readonly queues = new Map<string, Pending[]>();
  private flushScheduled = false;
  private readonly window: RequestWindow;
  /** Owner process of each partition, from the lease bucket; undefined: use the partition's subject. */
  private readonly owners: (string | undefined)[];
  private watcher: { stop(): void } | undefined;
  private closed = false;
  private readonly local: LocalEngine | undefined;
  /** Local calls not answered yet, for the deadline sweep (a partition answers every command; this is the bound). */
  private readonly localOpen = new Set<LocalCall>();
  private localSweep: NodeJS.Timeout | undefined;
  /** Commands sent so far, each attempt counted, by route (diagnostics, metrics and tests). */
  readonly routed: RouteCounts = { local: 0, remote: 0 };

  constructor(
    readonly nc: NatsConnection,
    opts: EngineClientOptions = {},
  ) {
    this.window = new RequestWindow(nc);
    this.names = names(opts.namespace ?? DEFAULT_NAMESPACE);
    this.procPrefix = this.names.procSubject('');
    this.partitions = opts.partitions ?? DEFAULT_PARTITIONS;
    this.maxPerRequest = opts.maxCommandsPerRequest ?? DEFAULT_MAX_COMMANDS_PER_REQUEST;
    this.defaultTimeout = opts.defaultTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.attemptTimeout = opts.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
    this.owners = new Array<string | undefined>(this.partitions).fill(undefined);
    this.local = opts.local;
    if (this.local !== undefined) {
      const { namespace, partitions } = this.local.cfg;
      if (namespace !== this.names.ns || partitions !== this.partitions)
        throw new Error(
          `the local engine serves namespace ${namespace} with ${partitions} partitions, the client ${this.names.ns} with ${this.partitions}`,
        );
    }
    if (opts.routeByProcess ?? true) void this.watchOwners();
  }

  /** Follows `p.<n>` in the lease bucket; retried while the bucket does not exist yet. */
  private async watchOwners(): Promise<void> {
    const decoder = new TextDecoder();
    for (let attempt = 0; !this.closed && !this.nc.isClosed(); attempt++) {
      try {
        const kv = await new Kvm(this.nc).open(this.names.leases);
        const it = await kv.watch({ key: 'p.>' });
        if (this.closed) return it.stop();
        this.watcher = it;
        for await (const e of it) {
          const p = Number(e.key.slice(2));
          if (!Number.isInteger(p) || p < 0 || p >= this.partitions) continue;
          let owner: string | undefined;
          if (e.operation === 'PUT') {
            try {
              owner = (JSON.parse(decoder.decode(e.value)) as { owner?: string }).owner;
            } catch {
              owner = undefined;
            }
          }
          this.owners[p] = owner !== undefined && isValidId(owner) ? this.names.procSubject(owner) : undefined;
        }
        return;
      } catch {
        // No bucket yet (no engine has started) or the watch broke: partition subjects meanwhile.
        this.owners.fill(undefined);
        if (this.closed) return;
        await new Promise((r) => setTimeout(r, Math.min(5_000, 250 * 2 ** attempt)).unref());
      }
    }
  }

  /** Connects its own NATS connection (closed by `close()`). */
  static async connect(
    url = process.env.NATS_URL ?? DEFAULT_NATS_URL,
    opts: EngineClientOptions = {},
  ): Promise<EngineClient> {
    const nc = await connect({ servers: url.split(','), noAsyncTraces: true, maxReconnectAttempts: -1 });
    const c = new EngineClient(nc, opts);
    c.owned = true;
    return c;
  }

  private owned = false;

  async close(): Promise<void> {
    this.closed = true;
    if (this.localSweep !== undefined) clearInterval(this.localSweep);
    this.watcher?.stop();
    this.window.close();
    if (this.owned) await this.nc.drain();
  }

  /**
   * Sends one command and resolves with the decision's result once its events are durable. With a
   * `local` engine hosting the store's partition, `command` is handed to it as it is: do not change
   * it after sending. The result is the caller's own either way (a copy, never the engine's object).
   */
  send<R = unknown>(
    store: string,
    actorType: string,
    actorId: string,
    command: unknown,
    opts: SendOptions = {},
  ): Promise<R> {
    if (!isValidId(store) || !isValidId(actorId)) {
      return Promise.reject(new EngineError(ErrorCode.Invalid, 'store and actor ids must match [A-Za-z0-9_-]{1,64}'));
    }
    if (this.inFlight >= this.maxInFlight) {
      return Promise.reject(
        new EngineError(ErrorCode.Overloaded, `more than ${this.maxInFlight} commands in flight from this client`),
      );
    }
    const id = opts.id === undefined ? nuid.next() : opts.id;
    this.inFlight++;
    return new Promise<R>((resolve, reject) => {
      this.enqueue({
        p: partitionOf(store, this.partitions),
        item:
          opts.req === undefined
            ? [store, actorType, actorId, id, command]
            : [store, actorType, actorId, id, command, opts.req],
        resolve: resolve as (v: unknown) => void,
        reject,
        deadline: performance.now() + (opts.timeout ?? this.defaultTimeout),
        retry: opts.retry ?? true,
        attempt: 0,
        parsed: opts.parsed === true,
      });
    });
  }

  private enqueue(x: Pending): void {
    if (this.local?.hosts(x.p) === true) {
      this.submitLocal(x);
      return;
    }
    const route = this.owners[x.p] ?? this.names.cmdSubject(x.p);
    let q = this.queues.get(route);
    if (q === undefined) this.queues.set(route, (q = []));
    q.push(x);
    if (q.length >= this.maxPerRequest) {
      this.queues.delete(route);
      this.dispatch(route, q);
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        const qs = [...this.queues];
        this.queues.clear();
        for (const [r, batch] of qs) this.dispatch(r, batch);
      });
    }
  }

  /**
   * At once, not per tick: the partition decides now and its appends already leave together once
   * per event-loop turn (group commit), so batching here would only add a turn of latency.
   */
  private submitLocal(x: Pending): void {
    this.routed.local++;
    const call = new LocalCall(this, x);
    this.localOpen.add(call);
    if (this.localSweep === undefined) {
      this.localSweep = setInterval(() => this.sweepLocal(), LOCAL_SWEEP_MS);
      this.localSweep.unref();
    }
    const [store, type, id, cmdId, command, req] = x.item;
    this.local!.submitLocal(store, type, id, cmdId, command, call, 0, req, x.parsed);
  }

  /** Called once per local call, by the partition or by the deadline sweep. */
  answerLocal(call: LocalCall, r: WireResult): void {
    this.localOpen.delete(call);
    this.settle(call.x, ownCopy(r));
  }

  private sweepLocal(): void {
    const t = performance.now();
    for (const call of this.localOpen)
      if (call.x.deadline <= t) call.deliver(0, [1, ErrorCode.Timeout, 'no answer within the deadline']);
  }

  private dispatch(route: string, batch: Pending[]): void {
    const t = performance.now();
    this.routed.remote += batch.length;
    let earliest = Infinity;
    for (const x of batch) if (x.deadline < earliest) earliest = x.deadline;
    const timeout = Math.max(1, Math.min(this.attemptTimeout, earliest - t));
    const viaProcess = route.startsWith(this.procPrefix);
    // Answers in parts: a request to a process spans partitions, and each partition's answers come as
    // they are ready; and answers that together pass the server's max_payload come in several parts.
    const req: WireRequest = { c: batch.map((x) => x.item), m: 1 };
    const data = encode(req);
    if (data.length > replyLimit(this.nc)) {
      if (batch.length > 1) {
        const half = Math.ceil(batch.length / 2);
        this.dispatch(route, batch.slice(0, half));
        this.dispatch(route, batch.slice(half));
      } else {
        this.settle(batch[0]!, [1, ErrorCode.Invalid, `the command (${data.length} bytes) passes max_payload`]);
      }
      return;
    }
    const settled = new Uint8Array(batch.length);
    let open = batch.length;
    const answer = (i: number, r: WireResult): void => {
      if (settled[i] === 1) return;
      settled[i] = 1;
      open--;
      const x = batch[i]!;
      // The process no longer serves that partition: ask its subject until the lease bucket says who does.
      if (viaProcess && r[0] === 1 && r[1] === ErrorCode.PartitionMoving) this.forgetRoute(x.p, route);
      this.settle(x, r);
    };
    const onReply = (msg: Msg): boolean => {
      let reply: WireResult[] | { e: WireResult } | { s: number[]; r: WireResult[] };
      try {
        reply = decode<typeof reply>(msg.data);
      } catch (err) {
        for (let i = 0; i < batch.length; i++)
          answer(i, [1, ErrorCode.Internal, `undecodable reply: ${ensureError(err).message}`]);
        return true;
      }
      if (Array.isArray(reply)) {
        for (let i = 0; i < batch.length; i++)
          answer(i, reply[i] ?? [1, ErrorCode.Internal, 'reply is missing a result']);
      } else if ('e' in reply) {
        // A whole-request refusal (the engine shed the request without reading it).
        for (let i = 0; i < batch.length; i++) answer(i, reply.e);
      } else {
        for (let k = 0; k < reply.s.length; k++) {
          const i = reply.s[k]!;
          if (i >= 0 && i < batch.length) answer(i, reply.r[k] ?? [1, ErrorCode.Internal, 'reply is missing a result']);
        }
      }
      return open === 0;
    };
    this.window.request(route, data, timeout, undefined, onReply).catch((err: unknown) => {
      if (viaProcess && err instanceof NoResponders) {
        // The owner the lease bucket named is gone: its partitions' subjects find whoever took over.
        for (let p = 0; p < this.partitions; p++) this.forgetRoute(p, route);
        for (let i = 0; i < batch.length; i++) if (settled[i] === 0) this.enqueue(batch[i]!);
        return;
      }
      const r: WireResult =
        err instanceof NoResponders
          ? [1, ErrorCode.PartitionMoving, `no engine serves partition ${batch[0]!.p} right now`]
          : err instanceof RequestTimeout
            ? [1, ErrorCode.Timeout, 'no reply within the deadline']
            : [1, ErrorCode.PartitionMoving, ensureError(err).message];
      for (let i = 0; i < batch.length; i++) answer(i, r);
    });
  }

  private forgetRoute(p: number, route: string): void {
    if (this.owners[p] === route) this.owners[p] = undefined;
  }

  /** The one place a command's promise settles (and leaves the in-flight count), or goes round again. */
  private settle(x: Pending, r: WireResult): void {
    if (r[0] === 0) {
      this.inFlight--;
      x.resolve(r[1]);
      return;
    }
    const [, code, message, reason, details] = r;
    const retryable = isRetryableCode(code);
    const t = performance.now();
    if (retryable && x.retry) {
      const wait = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** x.attempt) * (0.5 + Math.random() / 2);
      if (t + wait < x.deadline) {
        x.attempt++;
        setTimeout(() => this.enqueue(x), wait);
        return;
      }
    }
    this.inFlight--;
    x.reject(EngineError.answered(code, message, { retryable, reason, details }));
  }
}

const LOCAL_SWEEP_MS = 100;

/** The answer to one command handed to a partition in this process: taken once, late ones ignored. */
class LocalCall implements ReplySink {
  private done = false;

  constructor(
    private readonly client: EngineClient,
    readonly x: Pending,
  ) {}

  deliver(_slot: number, r: WireResult): void {
    if (this.done) return;
    this.done = true;
    this.client.answerLocal(this, r);
  }
}

/**
 * What a caller in the engine's process gets. A reply of a durable command the engine remembers is
 * already msgpack (the bytes its record and the id window hold): the value those bytes were made
 * from when the partition kept it (a first answer), else decoded, as the wire would. Any other success is handed over as the decider made it, uncopied: actors' results and
 * states are immutable values (evolve makes new ones), so the caller shares them and must not
 * change them (copying every answer through the codec was 6% of a node's CPU in a lunch rush).
 * Under test every such answer is deep-frozen, so a caller that changes one fails loudly. A
 * refusal is copied as the wire would make it (`wireCopy`: an `undefined` reason or detail arrives
 * as `null`), so a caller sees the same refusal from a partition here as from one over NATS.
 */
function ownCopy(r: WireResult): WireResult {
  if (r[0] === 1) return wireCopy(r) as WireResult;
  const v = r[1];
  if (v instanceof Preencoded) {
    if (v.value === undefined) return [0, decode(v.bytes)];
    if (FREEZE_SHARED && v.value !== null && typeof v.value === 'object') deepFreeze(v.value);
    return [0, v.value];
  }
  if (v === undefined) return [0, null];
  if (FREEZE_SHARED && v !== null && typeof v === 'object') deepFreeze(v);
  return r;
}

/**
 * `decode(encode(v))` for the plain values a refusal is made of, without the codec (the round trip
 * was 5% of a node's CPU refusing a flash sale's storm of late attempts): `undefined` becomes `null`
 * (in an object, an array and its holes, as msgpack writes it), every object and array is a new one.
 * Anything else (a Date, a Map, bytes, a class's instance) still goes through the codec.
 */
export function wireCopy(v: unknown): unknown {
  if (v === undefined) return null;
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = wireCopy(v[i]);
    return out;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return decode(encode(v));
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) out[k] = wireCopy((v as Record<string, unknown>)[k]);
  return out;
}

/** Deep-freeze shared answers under test (vitest sets VITEST) or when asked (`ENGINE_FREEZE_RESULTS=1`). */
const FREEZE_SHARED = process.env.VITEST !== undefined || process.env.ENGINE_FREEZE_RESULTS === '1';

function deepFreeze(v: object): void {
  if (Object.isFrozen(v)) return;
  Object.freeze(v);
  for (const x of Object.values(v)) if (x !== null && typeof x === 'object') deepFreeze(x as object);
}
