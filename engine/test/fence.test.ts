import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { decode, encode, EngineError, partitionOf } from '@lunchrush/engine';
import { demoActors } from '@lunchrush/engine/demo';
import { names } from '@lunchrush/engine/names';
import { connect } from '@nats-io/transport-node';
import { isWrongLastSequence } from '../src/jsutil.js';
import { inProcessEngine, waitFor, type InProcessEngine } from './support.js';

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
    const subject = names(ns).eventSubject(p);
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
    const last = await jsm.streams.getMessage(names(ns).stream, { last_by_subj: subject });
    expect(last?.seq).toBe(fence.seq);
    expect(decode<{ o: string }>(last!.data).o).toBe('intruder');
  });
});

describe("the event stream's de-duplication window", () => {
  const ns2 = `t${Math.random().toString(36).slice(2, 10)}`;
  let t2: InProcessEngine | undefined;
  afterAll(() => t2?.stop());

  it('is set on a stream made with another window, and a retry past it is stopped by the fence, not stored twice', async () => {
    // The stream as an older engine made it: nats-server's memory then holds two minutes of append ids.
    const setup = await connect({ servers: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' });
    const stream = names(ns2).stream;
    const jsm = await jetstreamManager(setup);
    await jsm.streams.add({ name: stream, subjects: [`${ns2}.ev.*`], duplicate_window: 120_000_000_000 });
    await setup.close();

    t2 = await inProcessEngine(
      demoActors,
      { namespace: ns2, partitions: 1, leaseTtlMs: 60_000, appendTimeoutMs: 500, appendDedupWindowMs: 1_000 },
      'silent',
    );
    const { nc, client } = t2;
    expect((await (await jetstreamManager(nc)).streams.info(stream)).config.duplicate_window).toBe(1_000_000_000);

    expect(await client.send<{ n: number }>('s1', 'counter', 'c', { op: 'add', by: 1 })).toEqual({ n: 1 });
    const subject = names(ns2).eventSubject(0);
    const jsm2 = await jetstreamManager(nc);
    const landed = await jsm2.streams.getMessage(stream, { last_by_subj: subject });
    const msgID = landed!.header.get('Nats-Msg-Id');
    expect(msgID).not.toBe('');
    const previous = landed!.seq - 1; // the fence record before it
    const js = jetstream(nc);
    // The engine's retry after a lost ack: same bytes, same id, same expected sequence.
    const retry = () =>
      js.publish(subject, landed!.data, { msgID, expect: { lastSubjectSequence: previous } }).then(
        (ack) => ({ duplicate: ack.duplicate, seq: ack.seq }),
        (e: unknown) => ({ error: e }),
      );
    // Inside the window: answered as the duplicate it is.
    expect(await retry()).toEqual({ duplicate: true, seq: landed!.seq });
    // Past it: refused by the expected-last-subject-sequence check.
    const late = await waitFor(async () => {
      const r = await retry();
      return 'error' in r ? r : undefined;
    });
    expect(isWrongLastSequence(late.error)).toBe(true);
    const last = await jsm2.streams.getMessage(stream, { last_by_subj: subject });
    expect(last?.seq).toBe(landed!.seq);
    // And the actor counts the command once.
    expect(await client.send<{ n: number }>('s1', 'counter', 'c', { op: 'add', by: 1 })).toEqual({ n: 2 });
  });
});
