/**
 * Writes to nats-server coalesced to one per turn of the event loop: fewer socket writes, and
 * nothing lost or reordered (also when the connection closes right after publishing).
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesceWrites } from '../src/coalesce-writes.js';
import { waitFor } from './support.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

/** Counts the writes the connection's transport makes (one `send` is one socket write). */
function countWrites(nc: NatsConnection): { n: number } {
  const t = (nc as unknown as { protocol: { transport: { send(d: Uint8Array): void } } }).protocol.transport;
  const count = { n: 0 };
  const send = t.send.bind(t);
  t.send = (d) => {
    count.n++;
    send(d);
  };
  return count;
}

/** Ten callbacks in one turn (the check phase runs every setImmediate queued before it), each publishing. */
function publishFromTenCallbacks(nc: NatsConnection, subject: string, from: number): Promise<void> {
  return new Promise((resolve) => {
    let done = 0;
    for (let i = 0; i < 10; i++) {
      setImmediate(() => {
        nc.publish(subject, String(from + i));
        if (++done === 10) resolve();
      });
    }
  });
}

describe('coalesceWrites', () => {
  let sub: NatsConnection;
  const subject = `coalesce.${Math.random().toString(36).slice(2, 10)}`;
  const got: number[] = [];

  beforeAll(async () => {
    sub = await connect({ servers: NATS_URL, noAsyncTraces: true });
    sub.subscribe(subject, {
      callback: (_e, m) => {
        got.push(Number(m.string()));
      },
    });
    await sub.flush();
  });
  afterAll(() => sub.close());

  it('sends what ten callbacks of one turn published in one write, in order; plain nats.js writes ten times', async () => {
    const plain = await connect({ servers: NATS_URL, noAsyncTraces: true });
    const coalesced = await connect({ servers: NATS_URL, noAsyncTraces: true });
    try {
      expect(coalesceWrites(coalesced)).toBe(true);
      const plainWrites = countWrites(plain);
      const coalescedWrites = countWrites(coalesced);
      await publishFromTenCallbacks(plain, subject, 0);
      await publishFromTenCallbacks(coalesced, subject, 100);
      await plain.flush();
      await coalesced.flush();
      // Plain: a write per callback, and the flush's PING. Coalesced: one, or two when the PING went on its own.
      expect(plainWrites.n).toBe(11);
      expect(coalescedWrites.n).toBeLessThanOrEqual(2);
      await waitFor(() => got.length >= 20, { what: 'all 20 messages' });
      expect(got.filter((x) => x >= 100)).toEqual(Array.from({ length: 10 }, (_, i) => 100 + i));
    } finally {
      await plain.close();
      await coalesced.close();
    }
  });

  it('loses nothing published just before a drain or a close', async () => {
    got.length = 0;
    const a = await connect({ servers: NATS_URL, noAsyncTraces: true });
    coalesceWrites(a);
    for (let i = 0; i < 50; i++) a.publish(subject, String(i));
    await a.drain();
    const b = await connect({ servers: NATS_URL, noAsyncTraces: true });
    coalesceWrites(b);
    for (let i = 50; i < 100; i++) b.publish(subject, String(i));
    await b.close();
    await waitFor(() => got.length >= 100, { what: 'all 100 messages' });
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });
});
