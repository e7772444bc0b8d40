import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Engine metrics. The hot path bumps plain numbers; prom-client reads them when
 * scraped, so a command costs no label hashing.
 */
export class EngineMetrics {
  readonly registry = new Registry();
  /** outcome → count, bumped on the hot path. */
  readonly outcomes = new Map<string, number>();
  /** The commonest outcome, counted apart: a plain increment per command. */
  ok = 0;
  /** Actor snapshots written, and checkpoints written. */
  snapshots = 0;
  checkpoints = 0;
  /** Idle actors left to their chain of records instead of a snapshot (see `partition/chain.ts`). */
  chained = 0;
  /** Actors dropped from memory: idle past `passivateAfterMs`, or early to stay within `maxActorsInMemory`. */
  readonly passivated = { idle: 0, memory: 0 };
  /** Actors brought into memory: brand new (no read, the directory has never seen them), or read from a snapshot. */
  readonly loads = { fresh: 0, read: 0 };
  private readonly appendLatency: Histogram;
  private readonly batchSize: Histogram;
  private readonly recovery: Histogram;
  private readonly leaseChanges: Counter;
  private mailboxDepth: () => Map<number, number> = () => new Map();
  private actorCounts: () => { inMemory: number; unsnapshotted: number } = () => ({ inMemory: 0, unsnapshotted: 0 });

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    this.appendLatency = new Histogram({
      name: 'lunchrush_engine_append_seconds',
      help: 'Time from sending an append to JetStream until its ack.',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1],
      registers: [this.registry],
    });
    this.batchSize = new Histogram({
      name: 'lunchrush_engine_group_commit_entries',
      help: 'Log entries per append (group commit batch size).',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096],
      registers: [this.registry],
    });
    this.recovery = new Histogram({
      name: 'lunchrush_engine_partition_recovery_seconds',
      help: 'Time to fence, replay and start serving a partition after acquiring it.',
      labelNames: ['partition'],
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers: [this.registry],
    });
    this.leaseChanges = new Counter({
      name: 'lunchrush_engine_lease_changes_total',
      help: 'Partition ownership changes seen by this process.',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    this.readOnScrape();
    if (opts.defaultMetrics === true) collectDefaultMetrics({ register: this.registry, prefix: 'lunchrush_engine_' });
  }

  /** The counts the hot path keeps as plain numbers, and the gauges, each read when scraped. */
  private readOnScrape(): void {
    const outcomes = this.outcomes;
    const okCount = (): number => this.ok;
    new Counter({
      name: 'lunchrush_engine_commands_total',
      help: 'Commands answered by the engine, by outcome (ok or an error code).',
      labelNames: ['outcome'],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ outcome: 'ok' }, okCount());
        for (const [outcome, n] of outcomes) this.inc({ outcome }, n);
      },
    });
    const written = (): [number, number, number] => [this.snapshots, this.checkpoints, this.chained];
    new Counter({
      name: 'lunchrush_engine_state_writes_total',
      help: 'Actor snapshots and partition checkpoints written (snapshots to the log or their bucket), and idle actors left to their chain of records instead (kind chained: nothing written).',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        this.reset();
        const [s, c, ch] = written();
        this.inc({ kind: 'snapshot' }, s);
        this.inc({ kind: 'checkpoint' }, c);
        this.inc({ kind: 'chained' }, ch);
      },
    });
    const depth = (): Map<number, number> => this.mailboxDepth();
    new Gauge({
      name: 'lunchrush_engine_mailbox_depth',
      help: 'Commands waiting or in flight, per owned partition.',
      labelNames: ['partition'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [p, n] of depth()) this.set({ partition: String(p) }, n);
      },
    });
    const passivated = this.passivated;
    new Counter({
      name: 'lunchrush_engine_passivations_total',
      help: 'Actors dropped from memory: idle long enough, or early (least recently used first) to stay within ENGINE_MAX_ACTORS_IN_MEMORY.',
      labelNames: ['reason'],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ reason: 'idle' }, passivated.idle);
        this.inc({ reason: 'memory' }, passivated.memory);
      },
    });
    const loads = this.loads;
    new Counter({
      name: 'lunchrush_engine_actor_loads_total',
      help: 'Actors brought into memory: `fresh` started from their initial state without a read (the partition has never written them), `read` from their snapshot.',
      labelNames: ['how'],
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc({ how: 'fresh' }, loads.fresh);
        this.inc({ how: 'read' }, loads.read);
      },
    });
    const actors = (): { inMemory: number; unsnapshotted: number } => this.actorCounts();
    new Gauge({
      name: 'lunchrush_engine_actors',
      help: 'Actors in memory on this process, and those among them with events not yet in a snapshot (they cannot be passivated).',
      labelNames: ['kind'],
      registers: [this.registry],
      collect() {
        const n = actors();
        this.set({ kind: 'in_memory' }, n.inMemory);
        this.set({ kind: 'unsnapshotted' }, n.unsnapshotted);
      },
    });
  }

  outcome(o: string, n = 1): void {
    this.outcomes.set(o, (this.outcomes.get(o) ?? 0) + n);
  }

  append(seconds: number, entries: number): void {
    this.appendLatency.observe(seconds);
    this.batchSize.observe(entries);
  }

  recovered(p: number, seconds: number): void {
    this.recovery.observe({ partition: String(p) }, seconds);
  }

  lease(kind: string): void {
    this.leaseChanges.inc({ kind });
  }

  trackMailboxes(fn: () => Map<number, number>): void {
    this.mailboxDepth = fn;
  }

  trackActors(fn: () => { inMemory: number; unsnapshotted: number }): void {
    this.actorCounts = fn;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
