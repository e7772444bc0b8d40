/**
 * The push protocol's topic sequencing (src/push/topic-sequencer.js), which the screens' client and
 * the mini-program's both run, without a socket: frames in, handler calls and client frames out.
 * Over real sockets: push-versions.test.ts (the screens' client) and miniprogram/test/logic.test.ts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ServerMessage } from '../src/push/protocol.js';
import { TopicSequencer, type SequencedFrame, type TopicFrame } from '../src/push/topic-sequencer.js';

const T = 'order:o1';

function sequencer(connected = true): { s: TopicSequencer; sent: TopicFrame[]; got: string[] } {
  const sent: TopicFrame[] = [];
  const s = new TopicSequencer((f) => {
    if (connected) sent.push(f);
    return connected;
  });
  const got: string[] = [];
  s.subscribe(T, {
    snapshot: (d: string) => got.push(`S:${d}`),
    delta: (d: string) => got.push(`D:${d}`),
    error: (f) => got.push(`E:${f.code}`),
  });
  return { s, sent, got };
}

const snapshot = (seq: number, versions: Record<string, number>, data: string): SequencedFrame => ({
  type: 'snapshot',
  topic: T,
  seq,
  versions,
  data,
});
const delta = (seq: number, v: number, data: string, key = T): SequencedFrame => ({
  type: 'delta',
  topic: T,
  seq,
  key,
  v,
  data,
});

describe('topic sequencing', () => {
  it("the protocol's server frames are frames it reads", () => {
    type Sequenced = Extract<ServerMessage, { type: SequencedFrame['type'] }>;
    expectTypeOf<Sequenced>().toExtend<SequencedFrame>();
  });

  it('a snapshot, then deltas in order; early, repeated and stale ones skipped', () => {
    const { s, sent, got } = sequencer();
    expect(sent).toEqual([{ type: 'subscribe', topic: T }]);
    s.receive(delta(1, 1, 'early'));
    s.receive(snapshot(5, { [T]: 3 }, 'paid'));
    s.receive(delta(6, 3, 'stale'));
    s.receive(delta(7, 4, 'accepted'));
    s.receive(delta(7, 4, 'repeat'));
    s.receive(delta(8, 0, 'unversioned'));
    expect(got).toEqual(['S:paid', 'D:accepted', 'D:unversioned']);
    expect(s.topics.get(T)).toMatchObject({ seq: 8, versions: { [T]: 4 }, ready: true });
    expect(s.stats).toMatchObject({ snapshots: 1, deltas: 2, stale: 1, gaps: 0 });
  });

  it('a gap, a heads ahead and a server resync each ask for a snapshot; deltas wait for it', () => {
    const { s, sent, got } = sequencer();
    s.receive(snapshot(5, {}, 'paid'));
    s.receive(delta(7, 1, 'after a gap'));
    expect(sent.at(-1)).toEqual({ type: 'resync', topic: T });
    s.receive(delta(6, 1, 'before the new snapshot'));
    expect(s.isReady(T)).toBe(false);
    s.receive(snapshot(9, {}, 'cooking'));
    s.receive({ type: 'heads', seqs: { [T]: 9, 'order:other': 4 } });
    expect(sent.filter((f) => f.type === 'resync')).toHaveLength(1);
    s.receive({ type: 'heads', seqs: { [T]: 12 } });
    s.receive({ type: 'resync', topic: T, reason: 'backpressure' });
    expect(sent.filter((f) => f.type === 'resync')).toHaveLength(3);
    expect(got).toEqual(['S:paid', 'S:cooking']);
    expect(s.stats).toMatchObject({ gaps: 2, resyncs: 3, serverResyncs: 1, heads: 2 });
  });

  it('a new connection subscribes every topic again; seqs start over with its snapshot', () => {
    const { s, sent, got } = sequencer();
    s.receive(snapshot(40, {}, 'paid'));
    s.closed();
    s.receive(delta(41, 1, 'lost'));
    s.opened();
    expect(sent.at(-1)).toEqual({ type: 'subscribe', topic: T });
    s.receive(snapshot(1, {}, 'ready'));
    s.receive(delta(2, 9, 'served'));
    expect(got).toEqual(['S:paid', 'S:ready', 'D:served']);
  });

  it('a refused topic is forgotten; another error keeps it; frames of other types are ignored', () => {
    const { s, sent, got } = sequencer();
    for (const f of [null, 'text', { type: 'welcome' }, { type: 'unsubscribed', topic: T }]) s.receive(f);
    s.receive({ type: 'error', topic: T, code: 'snapshot_failed', message: 'engine away' });
    expect(s.topics.has(T)).toBe(true);
    s.receive({ type: 'error', topic: T, code: 'forbidden', message: 'not yours' });
    expect(s.topics.has(T)).toBe(false);
    expect(got).toEqual(['E:snapshot_failed', 'E:forbidden']);
    expect(s.unsubscribe(T)).toBe(false);
    expect(sent).toEqual([{ type: 'subscribe', topic: T }]);
  });

  it('unsubscribe tells the server of a followed topic; sends while disconnected are dropped', () => {
    const { s, sent } = sequencer();
    expect(s.unsubscribe(T)).toBe(true);
    expect(sent.at(-1)).toEqual({ type: 'unsubscribe', topic: T });
    const offline = sequencer(false);
    offline.s.resync(T);
    expect(offline.s.stats.resyncs).toBe(1);
    expect(offline.sent).toEqual([]);
  });
});
