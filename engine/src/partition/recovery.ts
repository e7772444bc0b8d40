import { DeliverPolicy } from '@nats-io/jetstream';
import type { CheckpointHead } from '../checkpoint.js';
import { decode } from '../codec.js';
import { ActorDirectory, readDirectory } from '../directory.js';
import { ensureError } from '../errors.js';
import type { ActorRef } from '../decider.js';
import { actorKey } from '../partitioning.js';
import type { PartitionRecord } from '../record.js';
import { fold } from '../transaction.js';
import { advance, restart } from './chain.js';
import { fence, Fenced } from './fence.js';
import type { SnapshotRecord } from './snapshots.js';
import type { Partition } from './index.js';

type Replayed = { seq: number; rec: PartitionRecord }[];

/**
 * Fence, then replay: write a fence record with the expected-last-sequence
 * check (any older owner's next append now fails), read the log from the
 * checkpoint's watermark up to the fence, rebuild touched actors from their
 * snapshots, re-arm timers and queue side outputs not known to be out.
 */
export async function replay(part: Partition): Promise<{ replayed: number; actors: number }> {
  const fenceSeq = await fence(part);
  const { head: ck, rows: timerRows } = await part.checkpoints.read();
  // A directory that cannot be read may have held where snapshots in the log are: then the whole log
  // is replayed (every actor rebuilt from its records), which needs no directory.
  const from = (await restoreDirectory(part, ck)) ? Math.max(1, ck.wm) : 1;
  if (from === 1) part.directory = new ActorDirectory(true);
  const records = await readRange(part, from, fenceSeq);
  assertAlive(part);
  const touched = new Map<string, ActorRef>();
  /** Actors whose first record is in the replay: rebuilt from it alone, without a read. */
  const fresh = new Set<string>();
  for (const { rec } of records) {
    if (rec.k !== 'b') continue;
    for (const e of rec.x) {
      const [type, store, id] = e.a;
      const key = actorKey(store, type, id);
      if (touched.has(key)) continue;
      touched.set(key, { type, store, id });
      if (part.directory.isNew(key)) fresh.add(key);
      part.directory.add(key);
    }
  }
  await loadFromSnapshots(part, touched, fresh);
  assertAlive(part);
  for (const row of timerRows) part.timers.index.apply(row, actorKey(row[1], row[0], row[2]));
  for (const { seq, rec } of records) {
    if (rec.k !== 'b') continue;
    for (const e of rec.x) {
      const key = actorKey(e.a[1], e.a[0], e.a[2]);
      const c = part.cells.get(key)!;
      if (e.sn !== undefined) {
        // A snapshot in the log: the actor's state as of `covers`, which it replaces when newer.
        const snap = decode<SnapshotRecord>(e.sn);
        if (snap.seq > c.snapSeq) {
          const fresh = part.loader.cellFrom(c.ref, key, c.type, snap);
          restart(fresh, seq);
          part.cells.set(key, fresh);
        }
        part.directory.locate(key, seq);
        continue;
      }
      if (seq > c.snapSeq) {
        advance(c, seq, e, part.env.cfg.chainMaxRecords);
        c.committed = c.state = fold(c.type, c.committed, e.ev);
        c.lastSeq = seq;
        if (c.firstDirtySeq === 0) c.firstDirtySeq = seq;
        c.eventsSinceSnap += e.ev?.length ?? 0;
        if (e.c !== undefined) c.recent.set(e.c, e.r, seq);
      }
      if (seq > ck.ls) part.timers.apply(c.ref, key, e);
      if (seq > ck.ob && e.out !== undefined) part.outputs.replayed(seq, e.out);
    }
  }
  part.lastSeq = fenceSeq;
  part.outputs.recovered(ck.ob, fenceSeq);
  part.timers.version++;
  return { replayed: records.length, actors: touched.size };
}

/**
 * The actor directory as the checkpoint left it. Complete when the replay reads the whole log
 * (`wm` 1: every actor ever written is in it) or the head names its layers; incomplete for a
 * checkpoint from before directories (every actor not in memory is read, as before, until the
 * snapshot bucket's keys complete it: no snapshot was in the log then). False when the head names a
 * layer that cannot be read (the caller replays the whole log).
 */
async function restoreDirectory(part: Partition, ck: CheckpointHead): Promise<boolean> {
  if (ck.wm <= 1) {
    part.directory = new ActorDirectory(true);
    return true;
  }
  if (ck.dir == null) {
    part.directory = new ActorDirectory(false);
    part.env.log.info(
      { partition: part.p },
      'checkpoint has no actor directory: new actors are read until one is built',
    );
    return true;
  }
  try {
    const layers = await readDirectory(ck.dir, (key) => part.checkpoints.value(key));
    const dir = new ActorDirectory(true);
    dir.restore(layers);
    part.directory = dir;
    part.checkpoints.directory.adopt(ck.dir);
    return true;
  } catch (err) {
    part.env.log.warn(
      { partition: part.p, err: ensureError(err).message },
      'actor directory unreadable: replaying the whole log',
    );
    return false;
  }
}

/** Every actor the replayed records touch, as its snapshot left it, 64 reads at a time. */
async function loadFromSnapshots(
  part: Partition,
  touched: ReadonlyMap<string, ActorRef>,
  fresh: ReadonlySet<string>,
): Promise<void> {
  const keys = [...touched.keys()];
  for (let i = 0; i < keys.length; i += 64) {
    await Promise.all(
      keys.slice(i, i + 64).map(async (key) => {
        const ref = touched.get(key)!;
        const type = part.env.types.get(ref.type);
        if (type === undefined) throw new Error(`log of partition ${part.p} names unknown actor type ${ref.type}`);
        const snap = fresh.has(key) ? undefined : await part.snapshots.read(key, type);
        part.cells.set(key, part.loader.cellFrom(ref, key, type, snap));
      }),
    );
  }
}

/** The partition may be dropped (lease lost) while recovery awaits: stop there. */
function assertAlive(part: Partition): void {
  if (part.state === 'dead') throw new Fenced(`partition ${part.p} was dropped during recovery`);
}

/** Records of this partition with from ≤ seq < until, in order. */
async function readRange(part: Partition, from: number, until: number): Promise<Replayed> {
  if (from >= until) return [];
  const out: Replayed = [];
  const consumer = await part.env.js.consumers.get(part.env.names.stream, {
    filter_subjects: part.subject,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: from,
  });
  const it = await consumer.consume({ max_messages: 2000 });
  try {
    for await (const m of it) {
      if (m.seq >= until) break;
      out.push({ seq: m.seq, rec: decode<PartitionRecord>(m.data) });
    }
  } finally {
    await it.close();
  }
  return out;
}
