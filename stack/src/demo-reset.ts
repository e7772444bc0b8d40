/**
 * `npm start -- --reset`: the demo starts over in a NATS and Redis that were already
 * running (a restart otherwise keeps every order, table and stock level, and loads only
 * the stores that are missing). Development only: it deletes, for one namespace,
 *
 * - every JetStream stream of the namespace: `<NS>_…` (events, kitchen, ledger, refunds)
 *   and the KV buckets and object stores `KV_<ns>_…`, `OBJ_<ns>_…` (leases, snapshots,
 *   checkpoints, printers, print jobs);
 * - every Redis key `<ns>:…` (sessions, idempotency, order owners, the simulators);
 * - the folders it is given (the embedded ClickHouse and the virtual printers' output).
 *
 * Names are matched on the namespace and the separator, so `lr` never touches `lr2`'s.
 */
import { rm } from 'node:fs/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Redis } from 'ioredis';

export interface ResetTarget {
  readonly natsUrl: string;
  readonly redisUrl: string;
  readonly namespace: string;
  /** Folders of this stack's local data, removed whole. */
  readonly folders?: readonly string[];
}

export interface ResetReport {
  readonly streams: readonly string[];
  readonly redisKeys: number;
  readonly folders: readonly string[];
}

/** Whether a JetStream stream name belongs to `namespace`. */
export function isNamespaceStream(name: string, namespace: string): boolean {
  const ns = namespace.toLowerCase();
  const n = name.toLowerCase();
  return n.startsWith(`${ns}_`) || n.startsWith(`kv_${ns}_`) || n.startsWith(`obj_${ns}_`);
}

export async function resetDemo(t: ResetTarget): Promise<ResetReport> {
  const nc = await connect({ servers: t.natsUrl.split(',').map((s) => s.trim()), noAsyncTraces: true });
  const streams: string[] = [];
  try {
    const jsm = await jetstreamManager(nc);
    for await (const name of jsm.streams.names()) if (isNamespaceStream(name, t.namespace)) streams.push(name);
    for (const name of streams) await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }

  const redis = new Redis(t.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 2 });
  let redisKeys = 0;
  try {
    await redis.connect();
    // SCAN, not KEYS: a shared Redis keeps answering others while this walks it.
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${t.namespace}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) redisKeys += await redis.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }

  const folders: string[] = [];
  for (const f of t.folders ?? []) {
    await rm(f, { recursive: true, force: true });
    folders.push(f);
  }
  return { streams, redisKeys, folders };
}
