import { RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
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
