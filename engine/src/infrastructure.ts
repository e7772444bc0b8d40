import { RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import type { KV, Kvm } from '@nats-io/kv';
import { DEFAULT_APPEND_DEDUP_WINDOW_MS } from './config.js';
import { ensureError } from './errors.js';
import type { Names } from './partitioning.js';

/** Side-output streams: a re-publish after recovery, minutes later, is still recognised by its id. */
const OUTPUT_DUPLICATE_WINDOW_NS = 120 * 1_000_000_000;

/**
 * A JetStream stream for side outputs, declared by the actor module. Names and
 * subjects are relative to the namespace: `{ name: 'KITCHEN', subjects: ['kitchen.>'] }`
 * becomes the stream `LR_KITCHEN` on `lr.kitchen.>`.
 */
export interface OutputStream {
  name: string;
  subjects: string[];
  /** Keep messages this long (default: forever). */
  maxAgeMs?: number;
}

/** Creates (or checks) the event stream and the output streams. Buckets are created by the KV client. */
export async function ensureInfrastructure(
  jsm: JetStreamManager,
  n: Names,
  replicas: number,
  outputs: readonly OutputStream[] = [],
  appendDedupWindowMs = DEFAULT_APPEND_DEDUP_WINDOW_MS,
  onWarn?: (message: string) => void,
): Promise<void> {
  await ensureStream(
    jsm,
    {
      name: n.stream,
      subjects: [n.eventWildcard],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      num_replicas: replicas,
      duplicate_window: appendDedupWindowMs * 1_000_000,
      max_msg_size: -1,
    },
    onWarn,
  );
  for (const o of outputs) {
    await ensureStream(
      jsm,
      {
        name: n.outputStream(o.name),
        subjects: o.subjects.map((s) => n.subject(s)),
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        num_replicas: replicas,
        duplicate_window: OUTPUT_DUPLICATE_WINDOW_NS,
        max_age: o.maxAgeMs === undefined ? 0 : o.maxAgeMs * 1_000_000,
      },
      onWarn,
    );
  }
}

async function ensureStream(
  jsm: JetStreamManager,
  cfg: Parameters<JetStreamManager['streams']['add']>[0],
  onWarn?: (message: string) => void,
): Promise<void> {
  let info;
  try {
    info = await jsm.streams.info(cfg.name);
  } catch {
    try {
      await jsm.streams.add(cfg);
      return;
    } catch (err) {
      // Another process created it at the same moment.
      info = await jsm.streams.info(cfg.name).catch(() => {
        throw err;
      });
    }
  }
  // A stream made by an older version (the event stream's window was 120 s) or another setting.
  if (cfg.duplicate_window !== undefined && info.config.duplicate_window !== cfg.duplicate_window) {
    // Only memory in nats-server is at stake (correctness holds with any window, see
    // ENGINE_APPEND_DEDUP_WINDOW_MS), so a server that refuses the update does not stop the engine.
    await jsm.streams.update(cfg.name, { duplicate_window: cfg.duplicate_window }).catch((e: unknown) => {
      onWarn?.(`could not set duplicate_window of ${cfg.name}: ${ensureError(e).message}`);
    });
  }
}

/**
 * The engine's buckets (leases, snapshots, checkpoints), created when missing, and the handles it
 * reads them through. Replicated (a cluster), every read goes to the bucket's stream leader: a direct
 * get may be answered by any replica, and nats-server before 2.9.17 (Debian's is 2.9.10) lets a
 * member that has just restarted answer from its old state (nats-server #4162). A lease re-read after
 * a failed compare-and-set that comes back stale fails the next one too, for as long as that member
 * answers (a dead owner's lease never taken over); a stale snapshot or checkpoint, an actor that may
 * be recovered from an old state. Alone (R1) the one server is the leader: direct gets (`leaderReads`
 * false). `open` binds a handle that reads with STREAM.MSG.GET, which only the leader answers.
 */
export async function openBuckets(
  kvm: Kvm,
  names: Names,
  replicas: number,
): Promise<{ leases: KV; snapshots: KV; checkpoints: KV; leaderReads: boolean }> {
  const buckets = [names.leases, names.snapshots, names.checkpoints];
  const opts = { history: 1, storage: StorageType.File, replicas } as const;
  const created = await Promise.all(buckets.map((b) => kvm.create(b, opts)));
  const leaderReads = replicas > 1;
  const [leases, snapshots, checkpoints] = (
    leaderReads ? await Promise.all(buckets.map((b) => kvm.open(b))) : created
  ) as [KV, KV, KV];
  return { leases, snapshots, checkpoints, leaderReads };
}
