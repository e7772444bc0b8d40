import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { pino, type Logger } from 'pino';
import { decode, encode } from './codec.js';
import { inParsedForm, type ActorType } from './decider.js';
import { ensureError, ErrorCode } from './errors.js';
import { parseConfig, type EngineConfig } from './config.js';
import { ensureInfrastructure, openBuckets, type OutputStream } from './infrastructure.js';
import { LeaseManager } from './lease.js';
import { EngineMetrics } from './metrics.js';
import { actorKey, isValidId, isValidTypeName, names, partitionOf, type Names } from './partitioning.js';
import { LoggedSink } from './command-log.js';
import { REQUEST_ID_RE } from './names.js';
import { DirectoryBuilder } from './partition/directory-build.js';
import { Partition, type GroupCommit, type PartitionEnv, type ReplySink, type WireResult } from './partition/index.js';
import { RequestReplies, respond, type ReplyEnv } from './replies.js';
import { replyLimit, RequestWindow } from './request-window.js';

/** How often the engine's connection pings its NATS server (see `start`). */
const NATS_PING_INTERVAL_MS = 2_000;

export { ensureInfrastructure } from './infrastructure.js';
export type { OutputStream } from './infrastructure.js';

/**
 * A request on `<ns>.cmd.<p>`: `{ c: [[store, type, id, commandId | null, command, req?], …] }`; `req`
 * is the caller's request id (`SendOptions.req`), logged with the command and carried on its outputs.
 */
export interface WireRequest {
  c: [string, string, string, string | null, unknown, string?][];
  /**
   * 1: the caller takes the answers in parts, `{ s: [slot…], r: [result…] }`, each sent as soon as
   * its commands are durable (a request spanning partitions then waits for no partition but its own).
   * An answer that is complete in one go is still the plain array.
   */
  m?: 1;
}

/**
 * An engine in the caller's own process, as `EngineClient` sees it (option `local`): a node runs the
 * gateway and the partitions it owns in one process, and a command for one of them is handed to the
 * partition here, with no NATS request and no encoding either way. `Engine` implements it.
 */
export interface LocalEngine {
  readonly cfg: { readonly namespace: string; readonly partitions: number };
  /** Whether partition `p` lives in this process now (recovering, serving or handing over). */
  hosts(p: number): boolean;
  /**
   * Admits one command exactly as a request on NATS would be (the same checks, the same shedding,
   * the same `submit`): its answer goes to `sink.deliver(slot, …)` once its events are durable. The
   * command object is handed over as it is, so the caller must not change it afterwards; results
   * may share objects with the engine (a `Preencoded` reply, a read of an actor's state): the
   * caller decodes a `Preencoded` one and must not change the others (`EngineClient` does so,
   * deep-freezing them under test). `parsed`: the command is already what its actor type's `parse`
   * gives (`SendOptions.parsed`), and is decided without parsing it again.
   */
  submitLocal(
    store: string,
    type: string,
    id: string,
    cmdId: string | null,
    command: unknown,
    sink: ReplySink,
    slot: number,
    req?: string,
    parsed?: boolean,
  ): void;
}

const LAG_SAMPLE_MS = 20;

/** See `inParsedForm`: under test (vitest sets VITEST) or when asked. */
const CHECK_PARSED = process.env.VITEST !== undefined || process.env.ENGINE_CHECK_PARSED === '1';
/** A whole-request refusal: `{ e: [1, code, message] }` applies to every command of the request. */
const SHED_RESULT: WireResult = [1, ErrorCode.Overloaded, 'engine saturated: event loop lagging'];
const SHED_REPLY = encode({ e: SHED_RESULT });

export interface EngineOptions {
  /** Streams that JetStream side outputs go to; created when missing. */
  outputStreams?: readonly OutputStream[];
  config?: Partial<EngineConfig>;
  /** Read from `process.env` when not given in `config`. */
  env?: NodeJS.ProcessEnv;
  logger?: Logger;
  /** Add Node process metrics (CPU, heap, event-loop lag) to the registry. */
  processMetrics?: boolean;
}

/**
 * An engine process: owns partitions through leases and serves the actors of
 * the stores hashed to them. Start as many as you like; they share the
 * partitions and take over each other's when one dies.
 */
export class Engine implements LocalEngine {
  readonly cfg: EngineConfig;
  readonly names: Names;
  readonly log: Logger;
  readonly metrics: EngineMetrics;
  private readonly types = new Map<string, ActorType>();
  private readonly partitions = new Map<number, Partition>();
  private readonly subs = new Map<number, Subscription>();
  private procSub: Subscription | undefined;
  private nc!: NatsConnection;
  private js!: JetStreamClient;
  private jsm!: JetStreamManager;
  private leases!: LeaseManager;
  private window!: RequestWindow;
  private stopping = false;
  private readonly load = { pending: 0 };
  /** Event-loop lag in ms, sampled every LAG_SAMPLE_MS and smoothed. */
  private lagMs = 0;
  private lagTimer: NodeJS.Timeout | undefined;
  private trimTimer: NodeJS.Timeout | undefined;
  private readonly outputStreams: readonly OutputStream[];
  private replyEnv!: ReplyEnv;
  /** Each command logged with its request id and outcome (`LoggedSink`): only at `debug`. */
  private readonly logCommands: boolean;

  constructor(types: readonly ActorType[], opts: EngineOptions = {}) {
    this.outputStreams = opts.outputStreams ?? [];
    this.cfg = parseConfig(opts.env ?? process.env, opts.config);
    this.names = names(this.cfg.namespace);
    this.log = opts.logger ?? pino({ level: this.cfg.logLevel, base: { proc: this.cfg.processId } });
    this.logCommands = this.log.isLevelEnabled('debug');
    this.metrics = new EngineMetrics({ defaultMetrics: opts.processMetrics === true });
    this.metrics.trackMailboxes(() => new Map([...this.partitions].map(([p, x]) => [p, x.depth])));
    this.metrics.trackActors(() => {
      let inMemory = 0;
      let unsnapshotted = 0;
      for (const s of this.stats().values()) {
        inMemory += s.actors;
        unsnapshotted += s.unsnapshotted;
      }
      return { inMemory, unsnapshotted };
    });
    for (const t of types) {
      if (!isValidTypeName(t.name))
        throw new Error(`actor type name ${JSON.stringify(t.name)} must match [a-z][a-z0-9-]*`);
      if (this.types.has(t.name)) throw new Error(`actor type ${t.name} registered twice`);
      this.types.set(t.name, t);
    }
  }

  static async start(types: readonly ActorType[], opts: EngineOptions = {}): Promise<Engine> {
    const e = new Engine(types, opts);
    await e.start();
    return e;
  }

  async start(): Promise<void> {
    const cfg = this.cfg;
    this.nc = await connect({
      servers: cfg.natsUrl.split(','),
      name: cfg.processId,
      noAsyncTraces: true,
      maxReconnectAttempts: -1,
      // A cluster member that hangs without closing its sockets (frozen, or cut off by the network)
      // is only noticed by pings: nats.js's default (2 min, 2 missed) kept a node stuck on a frozen
      // member for minutes in the cluster fault test; this reconnects to another within ~6 s.
      pingInterval: NATS_PING_INTERVAL_MS,
      maxPingOut: 2,
    });
    this.js = jetstream(this.nc);
    this.replyEnv = {
      maxBytes: replyLimit(this.nc),
      log: this.log,
      defer: (r) => {
        this.toReply.push(r);
        this.scheduleTick();
      },
    };
    this.jsm = await jetstreamManager(this.nc);
    this.window = new RequestWindow(this.nc);
    await ensureInfrastructure(this.jsm, this.names, cfg.replicas, this.outputStreams, cfg.appendDedupWindowMs, (m) =>
      this.log.warn(m),
    );
    const {
      leases: leaseKv,
      snapshots,
      checkpoints,
      leaderReads,
    } = await openBuckets(new Kvm(this.js), this.names, cfg.replicas);
    const env: PartitionEnv = {
      cfg,
      names: this.names,
      nc: this.nc,
      js: this.js,
      jsm: this.jsm,
      window: this.window,
      snapshots,
      snapshotsDirect: !leaderReads && (await snapshots.status()).streamInfo.config.allow_direct === true,
      checkpoints,
      types: this.types,
      log: this.log,
      metrics: this.metrics,
      leaseValid: (p) => this.leases.isValid(p),
      load: this.load,
      abandon: (p, reason) => void this.leases.abandon(p, reason),
      maxRecordBytes: this.replyEnv.maxBytes - 512,
      directories: new DirectoryBuilder(snapshots, cfg.partitions, this.log),
      requestFlush: (commit) => {
        this.toFlush.push(commit);
        this.scheduleTick();
      },
    };
    this.leases = new LeaseManager(
      leaseKv,
      {
        processId: cfg.processId,
        partitions: cfg.partitions,
        ttlMs: cfg.leaseTtlMs,
        maxOwned: cfg.maxOwnedPartitions,
        standby: cfg.standby,
        log: this.log,
        onChange: (kind) => this.metrics.lease(kind),
      },
      {
        acquired: (p, epoch) => void this.serve(p, epoch, env),
        lost: (p, reason) => this.drop(p, reason),
        drain: async (p) => {
          this.unsubscribe(p);
          await this.partitions.get(p)?.drainForHandover();
        },
      },
    );
    this.sampleLag();
    if (cfg.maxActorsInMemory > 0) {
      this.trimTimer = setInterval(() => this.trimActors(), cfg.checkpointIntervalMs);
      this.trimTimer.unref();
    }
    // Before any lease: a client that learns from the lease bucket that we own a partition finds us here.
    this.procSub = this.nc.subscribe(this.names.procSubject(cfg.processId), {
      callback: (err, msg) => (err ? undefined : this.onRequest(undefined, undefined, msg)),
    });
    await this.leases.start();
    this.log.info(
      { namespace: cfg.namespace, partitions: cfg.partitions, nats: cfg.natsUrl, types: [...this.types.keys()] },
      'engine started',
    );
  }

  /** Samples the event loop's lag every LAG_SAMPLE_MS into `lagMs`, which sheds requests past `shedLagMs`. */
  private sampleLag(): void {
    let expected = performance.now() + LAG_SAMPLE_MS;
    this.lagTimer = setInterval(() => {
      const t = performance.now();
      // Smoothed (about half a second): a GC pause or a burst of CPU steal must not shed a whole
      // wave of requests, whose retries would keep the process overloaded after the spike.
      this.lagMs = 0.96 * this.lagMs + 0.04 * Math.max(0, t - expected);
      expected = t + LAG_SAMPLE_MS;
    }, LAG_SAMPLE_MS);
    this.lagTimer.unref();
  }

  /**
   * Keeps the actors in memory within `maxActorsInMemory`: past it, down to 90% of it (so trimming
   * is not a trickle every tick), the least recently used of those that can go are passivated, in
   * every partition at once. Actors with events not yet in a snapshot stay until it is written.
   */
  private trimActors(): void {
    const max = this.cfg.maxActorsInMemory;
    let total = 0;
    for (const part of this.partitions.values()) total += part.actorCount;
    if (total <= max) return;
    const lastUsed: number[] = [];
    for (const part of this.partitions.values()) part.passivationCandidates(lastUsed);
    const need = Math.min(lastUsed.length, total - Math.floor(max * 0.9));
    if (need <= 0) return;
    const cutoff = Float64Array.from(lastUsed).sort()[need - 1]!;
    for (const part of this.partitions.values()) this.metrics.passivated.memory += part.passivateUsedBefore(cutoff);
  }

  /** Whether an actor is in memory on this process now (diagnostics and tests). */
  isActive(store: string, type: string, id: string): boolean {
    return this.partitions.get(partitionOf(store, this.cfg.partitions))?.isActive(actorKey(store, type, id)) ?? false;
  }

  /** Partitions this process serves right now. */
  ownedPartitions(): number[] {
    return [...this.partitions.entries()]
      .filter(([, x]) => x.state === 'serving')
      .map(([p]) => p)
      .sort((a, b) => a - b);
  }

  /** What each owned partition holds right now (actors in memory, commands pending, timers). */
  stats(): Map<number, ReturnType<Partition['stats']>> {
    return new Map([...this.partitions].map(([p, x]) => [p, x.stats()]));
  }

  get connection(): NatsConnection {
    return this.nc;
  }

  private async serve(p: number, epoch: number, env: PartitionEnv): Promise<void> {
    this.partitions.get(p)?.fail('re-acquired');
    const part = new Partition(p, epoch, env);
    this.partitions.set(p, part);
    try {
      await part.recover();
    } catch (err) {
      if (part.state === 'dead') return; // dropped meanwhile (lease lost): nothing more to do
      this.log.error({ partition: p, err: ensureError(err) }, 'recovery failed; giving the partition up');
      part.fail('recovery failed');
      if (this.partitions.get(p) === part) this.partitions.delete(p);
      void this.leases.abandon(p, 'recovery failed');
      return;
    }
    if (this.partitions.get(p) !== part || part.state !== 'serving') return;
    this.subs.set(
      p,
      this.nc.subscribe(this.names.cmdSubject(p), {
        callback: (err, msg) => (err ? undefined : this.onRequest(p, part, msg)),
      }),
    );
  }

  private unsubscribe(p: number): void {
    this.subs.get(p)?.unsubscribe();
    this.subs.delete(p);
  }

  private drop(p: number, reason: string): void {
    this.unsubscribe(p);
    const part = this.partitions.get(p);
    if (part === undefined) return;
    this.partitions.delete(p);
    part.fail(reason);
    // A hand-over or a stop is routine; anything else (expired, stolen, fenced) is worth a warning.
    const routine = reason === 'released' || reason === 'engine stopped';
    this.log[routine ? 'debug' : 'warn']({ partition: p, reason }, 'partition dropped');
  }

  private toFlush: GroupCommit[] = [];
  private toReply: RequestReplies[] = [];
  private tickScheduled = false;

  /**
   * Appends and replies that became ready in one event-loop turn leave in one later turn, together:
   * nats.js writes its buffer to the socket once per turn that published, and every `setImmediate`
   * callback is a turn of its own, so a tick per request could be a socket write per reply. (Socket
   * writes are 6–18% of the engine's busy time; most follow a socket read, so this moved little.)
   */
  private scheduleTick(): void {
    if (this.tickScheduled) return;
    this.tickScheduled = true;
    setImmediate(this.flushTick);
  }
  private readonly flushTick = (): void => {
    this.tickScheduled = false;
    const commits = this.toFlush;
    this.toFlush = [];
    for (const c of commits) c.flushNow();
    const replies = this.toReply;
    this.toReply = [];
    for (const r of replies) r.sendReady();
  };

  /**
   * A request on a partition's subject (`part` set: every command must belong to it) or on this
   * process's subject (`part` undefined: each command goes to its partition if this process serves it).
   */
  private onRequest(p: number | undefined, part: Partition | undefined, msg: Msg): void {
    if (this.lagMs > this.cfg.shedLagMs) {
      // Saturated: refuse the whole request before decoding it, so overload costs almost nothing
      // and the event loop stays free for lease renewals and appends.
      this.metrics.outcome('shed');
      respond(this.replyEnv, msg, SHED_REPLY);
      return;
    }
    let req: WireRequest;
    try {
      req = decode<WireRequest>(msg.data);
      if (!Array.isArray(req?.c)) throw new Error('request must be { c: [...] }');
    } catch (err) {
      respond(this.replyEnv, msg, encode([[1, ErrorCode.Invalid, `undecodable request: ${ensureError(err).message}`]]));
      return;
    }
    const n = req.c.length;
    if (n === 0) {
      respond(this.replyEnv, msg, encode([]));
      return;
    }
    const sink = new RequestReplies(this.replyEnv, msg, n, req.m === 1);
    for (let i = 0; i < n; i++) {
      const item = req.c[i];
      if (!Array.isArray(item) || item.length < 5) {
        sink.deliver(i, [1, ErrorCode.Invalid, 'each command is [store, type, id, commandId, command]']);
        continue;
      }
      const [store, type, id, cmdId, command, requestId] = item;
      this.admit(p, part, store, type, id, cmdId, command, sink, i, requestId, false);
    }
  }

  hosts(p: number): boolean {
    return this.partitions.has(p);
  }

  submitLocal(
    store: string,
    type: string,
    id: string,
    cmdId: string | null,
    command: unknown,
    sink: ReplySink,
    slot: number,
    req?: string,
    parsed = false,
  ): void {
    // The same bound as a request: a saturated node refuses at once rather than queue without end.
    if (this.lagMs > this.cfg.shedLagMs) {
      this.metrics.outcome('shed');
      sink.deliver(slot, SHED_RESULT);
      return;
    }
    this.admit(undefined, undefined, store, type, id, cmdId, command, sink, slot, req, parsed);
  }

  /** One command, from a request or from this process: checked, then submitted to its partition. */
  private admit(
    p: number | undefined,
    part: Partition | undefined,
    store: string,
    type: string,
    id: string,
    cmdId: string | null,
    command: unknown,
    sink: ReplySink,
    slot: number,
    req: string | undefined,
    parsed: boolean,
  ): void {
    if (req !== undefined && (typeof req !== 'string' || !REQUEST_ID_RE.test(req))) {
      sink.deliver(slot, [1, ErrorCode.Invalid, 'a request id is 1–128 printable ASCII characters without spaces']);
      return;
    }
    if (this.logCommands) {
      sink = new LoggedSink(this.log, sink, slot, { req, store, actor: `${type}/${id}`, cmd: cmdId });
      slot = 0;
    }
    if (!isValidId(store) || !isValidId(id)) {
      sink.deliver(slot, [1, ErrorCode.Invalid, 'store and actor ids must match [A-Za-z0-9_-]{1,64}']);
      return;
    }
    const actorType = this.types.get(type);
    if (actorType === undefined) {
      sink.deliver(slot, [1, ErrorCode.UnknownActorType, `unknown actor type ${String(type)}`]);
      return;
    }
    if (parsed && CHECK_PARSED && !inParsedForm(actorType, command)) {
      sink.deliver(slot, [1, ErrorCode.Invalid, `sent as parsed, but ${type}'s parse refuses or changes it`]);
      return;
    }
    if (cmdId !== null && (typeof cmdId !== 'string' || cmdId.length === 0 || cmdId.length > 128)) {
      sink.deliver(slot, [1, ErrorCode.Invalid, 'command id must be a string of 1–128 characters']);
      return;
    }
    const q = partitionOf(store, this.cfg.partitions);
    if (p !== undefined && q !== p) {
      sink.deliver(slot, [
        1,
        ErrorCode.Invalid,
        `store ${store} is not in partition ${p}: client and engine disagree on the partition count`,
      ]);
      return;
    }
    const target = part ?? this.partitions.get(q);
    if (target === undefined) {
      sink.deliver(slot, [1, ErrorCode.PartitionMoving, `partition ${q} is not served by ${this.cfg.processId}`]);
      return;
    }
    target.mailbox.submit({
      ref: { store, type, id },
      key: actorKey(store, type, id),
      command,
      parsed,
      cmdId: cmdId ?? undefined,
      timer: undefined,
      sink,
      slot,
      req,
    });
  }

  /** Hands every partition over gracefully, then disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await this.leases?.stop();
    this.procSub?.unsubscribe();
    for (const [p] of this.partitions) this.drop(p, 'engine stopped');
    if (this.lagTimer !== undefined) clearInterval(this.lagTimer);
    if (this.trimTimer !== undefined) clearInterval(this.trimTimer);
    this.window?.close();
    await this.nc?.drain().catch(() => undefined);
    this.log.info('engine stopped');
  }
}
