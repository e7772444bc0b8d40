import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { decode, demoActors, encode, EngineError, partitionOf } from '@lunchrush/engine';
import { inProcessEngine, type InProcessEngine } from './support.js';

const ns = `t${Math.random().toString(36).slice(2, 10)}`;
const P = 2;
let t: InProcessEngine;

// A lease far longer than the test: only JetStream's sequence check can stop this owner.
beforeAll(async () => {
  t = await inProcessEngine(demoActors, { namespace: ns, partitions: P, leaseTtlMs: 60_000 }, 'silent');
});
afterAll(() => t?.stop());

describe('fencing by the log itself', () => {
  it('an owner whose lease still looks valid cannot append after another writer fenced its partition', async () => {
    const { nc, client } = t;
    const store = 's1';
    const p = partitionOf(store, P);
    const subject = `${ns}.ev.${p}`;
    expect(await client.send<{ n: number }>(store, 'counter', 'c', { op: 'add', by: 1 })).toEqual({ n: 1 });

    // A newer owner's fence record, written behind this owner's back (as after a pause it did not notice).
    const js = jetstream(nc);
    const fence = await js.publish(subject, encode({ k: 'f', e: 999, o: 'intruder' }));

    const err = await client.send(store, 'counter', 'c', { op: 'add', by: 10 }, { retry: false, timeout: 10_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('partition_moving');
    expect((err as EngineError).retryable).toBe(true);

    // Nothing of the stale owner landed after the fence.
    const jsm = await jetstreamManager(nc);
    const last = await jsm.streams.getMessage(`${ns.toUpperCase()}_EVENTS`, { last_by_subj: subject });
    expect(last?.seq).toBe(fence.seq);
    expect(decode<{ o: string }>(last!.data).o).toBe('intruder');
  });
});
