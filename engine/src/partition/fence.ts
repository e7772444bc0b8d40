import { encode } from '../codec.js';
import { ensureError } from '../errors.js';
import { isLeaderless, isTransient, isWrongLastSequence } from '../jsutil.js';
import type { FenceRecord } from '../record.js';
import { jsPublish } from '../request-window.js';
import { pause } from './env.js';
import type { Partition } from './index.js';

/** The partition can no longer append: a newer owner fenced it, or its lease ran out. */
export class Fenced extends Error {
  override readonly name = 'Fenced';
}

/**
 * Fencing: a new owner appends a fence record to the partition's subject, expecting the subject's
 * last sequence as it reads it. Every append of an owner expects its own previous record there, so
 * any older owner's next append now fails (`wrong last sequence`). Returns the fence's sequence:
 * the log up to it is what the partition recovers from.
 */
export async function fence(part: Partition): Promise<number> {
  const { env, p } = part;
  const rec: FenceRecord = { k: 'f', e: part.epoch, o: env.cfg.processId };
  const data = encode(rec);
  for (let attempt = 0; ; attempt++) {
    if (!env.leaseValid(p)) throw new Fenced(`lease of partition ${p} ran out before fencing`);
    try {
      // Inside the try: right after a cluster member died, reading the last sequence can meet a
      // stream without a leader yet (the cluster fault test); the fence waits for the new one.
      const last = await lastSeqOnSubject(part);
      const ack = await jsPublish(env.window, part.subject, data, {
        msgID: `${env.cfg.processId}.${part.epoch}.${p}.fence`,
        expectLastSubjectSequence: last,
        timeoutMs: env.cfg.appendTimeoutMs,
      });
      return ack.seq;
    } catch (err) {
      // A stale owner slipped an append in between, or the stream is between leaders: read again and retry.
      if (!isWrongLastSequence(err) && !isTransient(err) && !isLeaderless(err)) throw err;
      await pause(Math.min(200, 10 * 2 ** attempt));
    }
  }
}

async function lastSeqOnSubject(part: Partition): Promise<number> {
  try {
    const m = await part.env.jsm.streams.getMessage(part.env.names.stream, { last_by_subj: part.subject });
    return m?.seq ?? 0;
  } catch (err) {
    if ((err as { code?: number }).code === 10037 || /no message found/i.test(ensureError(err).message)) return 0;
    throw err;
  }
}
