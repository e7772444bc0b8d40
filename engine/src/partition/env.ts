import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { ActorRef, ActorType } from '../decider.js';
import type { EngineConfig } from '../config.js';
import type { EngineMetrics } from '../metrics.js';
import type { Names } from '../partitioning.js';
import type { RequestWindow } from '../request-window.js';
import type { TxCommand } from '../transaction.js';
import type { DirectoryBuilder } from './directory-build.js';
import type { GroupCommit } from './group-commit.js';

/** On the wire: `[0, result]` or `[1, code, message, reason?, details?]`. */
export type WireResult = [0, unknown] | [1, string, string, string?, unknown?];
/** Where answers go: one per request, answering each command by its slot (no closure per command). */
export interface ReplySink {
  deliver(slot: number, r: WireResult): void;
}

/** One command handed to a partition. */
export interface Job extends TxCommand {
  readonly ref: ActorRef;
  readonly key: string;
  /** As it came; replaced by its actor type's `parse` of it on the first run (`parsed`). */
  command: unknown;
  readonly cmdId: string | undefined;
  readonly timer: [string, number] | undefined;
  readonly sink: ReplySink;
  readonly slot: number;
}

/** What the engine shares with each partition it owns. */
export interface PartitionEnv {
  readonly cfg: EngineConfig;
  readonly names: Names;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Appends and JetStream side outputs go through this (see request-window.ts). */
  readonly window: RequestWindow;
  readonly snapshots: KV;
  /** The snapshot bucket answers direct gets (every bucket this engine creates does). */
  readonly snapshotsDirect: boolean;
  readonly checkpoints: KV;
  readonly types: ReadonlyMap<string, ActorType>;
  readonly log: Logger;
  readonly metrics: EngineMetrics;
  leaseValid(p: number): boolean;
  /** Commands waiting or in flight across every partition of the process (shared, mutable). */
  readonly load: { pending: number };
  /** Called when the partition cannot go on (fenced, lease gone): the engine drops it. */
  abandon(p: number, reason: string): void;
  /** The largest record an append may carry (the server's max_payload less room for headers). */
  readonly maxRecordBytes: number;
  /**
   * Runs `flushNow` of every partition's group commit that asked, in one later turn: their appends
   * then leave in one socket write instead of one write (and one microtask drain) per partition.
   */
  requestFlush(commit: GroupCommit): void;
  /** Completes the actor directories of partitions recovered without one (`directory-build.ts`). */
  readonly directories: DirectoryBuilder;
}

/** Monotonic milliseconds: every age and interval in a partition is measured with this. */
export const now = (): number => performance.now();

/** Waits `ms` (the back-off between retries of a failed NATS call). */
export const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
