import { connect, type NatsConnection } from '@nats-io/transport-node';
import { nuid } from '@nats-io/nuid';
import { decode, encode } from './codec.js';
import { EngineError, ErrorCode, ensureError, isRetryableCode } from './errors.js';
import { DEFAULT_NATS_URL, DEFAULT_NAMESPACE } from './config.js';
import { DEFAULT_PARTITIONS, isValidId, names, partitionOf, type Names } from './partitioning.js';
import type { WireResult } from './partition.js';
import type { WireRequest } from './engine.js';
import { NoResponders, RequestTimeout, RequestWindow } from './request-window.js';

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
   * a command twice.
   */
  id?: string;
  /** Overall deadline including retries. */
  timeout?: number;
  /** Retry retryable errors (overloaded, partition moving, timeout) until the deadline. Default true. */
  retry?: boolean;
}

export interface EngineClientOptions {
  namespace?: string;
  partitions?: number;
  /** Commands issued in the same tick to the same partition travel in one NATS request, up to this many. */
  maxCommandsPerRequest?: number;
  defaultTimeoutMs?: number;
  attemptTimeoutMs?: number;
  maxInFlight?: number;
}

interface Pending {
  item: [string, string, string, string, unknown];
  resolve: (v: unknown) => void;
  reject: (e: EngineError) => void;
  deadline: number;
  retry: boolean;
  attempt: number;
}

/**
 * How gateways, tests and the bench talk to the engine. Commands to the same
 * partition issued in the same event-loop turn are coalesced into one request
 * (the engine answers them in one reply), which is what lets one client push
 * tens of thousands of commands a second through NATS request/reply.
 */
export class EngineClient {
  private readonly names: Names;
  private readonly partitions: number;
  private readonly maxPerRequest: number;
  private readonly defaultTimeout: number;
  private readonly attemptTimeout: number;
  private readonly maxInFlight: number;
  private inFlight = 0;
  private readonly queues = new Map<number, Pending[]>();
  private flushScheduled = false;
  private readonly window: RequestWindow;

  constructor(
    readonly nc: NatsConnection,
    opts: EngineClientOptions = {},
  ) {
    this.window = new RequestWindow(nc);
    this.names = names(opts.namespace ?? DEFAULT_NAMESPACE);
    this.partitions = opts.partitions ?? DEFAULT_PARTITIONS;
    this.maxPerRequest = opts.maxCommandsPerRequest ?? DEFAULT_MAX_COMMANDS_PER_REQUEST;
    this.defaultTimeout = opts.defaultTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.attemptTimeout = opts.attemptTimeoutMs ?? DEFAULT_ATTEMPT_TIMEOUT_MS;
    this.maxInFlight = opts.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
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
    this.window.close();
    if (this.owned) await this.nc.drain();
  }

  /** Sends one command and resolves with the decision's result once its events are durable. */
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
    const id = opts.id ?? nuid.next();
    this.inFlight++;
    return new Promise<R>((resolve, reject) => {
      this.enqueue(partitionOf(store, this.partitions), {
        item: [store, actorType, actorId, id, command],
        resolve: (v) => {
          this.inFlight--;
          resolve(v as R);
        },
        reject: (e) => {
          this.inFlight--;
          reject(e);
        },
        deadline: performance.now() + (opts.timeout ?? this.defaultTimeout),
        retry: opts.retry ?? true,
        attempt: 0,
      });
    });
  }

  private enqueue(p: number, x: Pending): void {
    let q = this.queues.get(p);
    if (q === undefined) this.queues.set(p, (q = []));
    q.push(x);
    if (q.length >= this.maxPerRequest) {
      this.queues.delete(p);
      this.dispatch(p, q);
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        const qs = [...this.queues];
        this.queues.clear();
        for (const [qp, batch] of qs) this.dispatch(qp, batch);
      });
    }
  }

  private dispatch(p: number, batch: Pending[]): void {
    const t = performance.now();
    let earliest = Infinity;
    for (const x of batch) if (x.deadline < earliest) earliest = x.deadline;
    const timeout = Math.max(1, Math.min(this.attemptTimeout, earliest - t));
    const req: WireRequest = { c: batch.map((x) => x.item) };
    this.window
      .request(this.names.cmdSubject(p), encode(req), timeout)
      .then((msg) => {
        let results: WireResult[];
        try {
          const r = decode<WireResult[] | { e: WireResult }>(msg.data);
          // A whole-request refusal (the engine shed the request without reading it).
          results = Array.isArray(r) ? r : batch.map(() => r.e);
        } catch (err) {
          for (const x of batch)
            this.settle(p, x, [1, ErrorCode.Internal, `undecodable reply: ${ensureError(err).message}`]);
          return;
        }
        for (let i = 0; i < batch.length; i++) {
          this.settle(p, batch[i]!, results[i] ?? [1, ErrorCode.Internal, 'reply is missing a result']);
        }
      })
      .catch((err: unknown) => {
        const r: WireResult =
          err instanceof NoResponders
            ? [1, ErrorCode.PartitionMoving, `no engine serves partition ${p} right now`]
            : err instanceof RequestTimeout
              ? [1, ErrorCode.Timeout, 'no reply within the deadline']
              : [1, ErrorCode.PartitionMoving, ensureError(err).message];
        for (const x of batch) this.settle(p, x, r);
      });
  }

  private settle(p: number, x: Pending, r: WireResult): void {
    if (r[0] === 0) {
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
        setTimeout(() => this.enqueue(p, x), wait);
        return;
      }
    }
    x.reject(new EngineError(code, message, { retryable, reason, details }));
  }
}
