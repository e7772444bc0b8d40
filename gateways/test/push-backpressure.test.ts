/**
 * A slow WebSocket consumer on the push: dropped past the send bound instead of buffered
 * without end, and brought back by a fresh snapshot once it reads again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { encode } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { tablePushSubject } from '@lunchrush/actors/wire';
import type { TableView } from '@lunchrush/actors';
import { waitFor } from '@lunchrush/testkit';
import { type PushServer } from '../src/push/index.js';
import { STORE, tableOf, type World } from './push-support.js';
import { BOUND, startPushWorld, type PushWorld } from './push-harness.js';

let w: World;
let server: PushServer;
let client: PushWorld['client'];
let close: PushWorld['close'] | undefined;

beforeAll(async () => {
  ({ w, server, client, close } = await startPushWorld('pushslow'));
});

afterAll(async () => {
  await close?.();
});

describe('backpressure', () => {
  it('a slow consumer past the bound is dropped, not buffered, and re-syncs once it reads again', async () => {
    const T = tableOf(w, 8);
    const c = await client('diner-8');
    let view: TableView | undefined;
    let applied = 0;
    c.subscribe(`table:${T}`, {
      snapshot: (d: TableView) => (view = d),
      delta: (d: TableView) => {
        applied++;
        view = d;
      },
    });
    await waitFor(() => view, { what: 'snapshot' });
    const before = server.hub.stats();
    const ws = c.socket as unknown as WebSocket;
    ws.pause();

    // 4,000 table pushes of ~8 kB (32 MB) while the diner's phone does not read.
    const N = 4_000;
    const big = 'x'.repeat(8_000);
    let maxBuffered = 0;
    const sample = (): void => {
      for (const b of server.hub.bufferedBytes()) maxBuffered = Math.max(maxBuffered, b);
    };
    for (let i = 1; i <= N; i++) {
      const h = natsHeaders();
      h.set('Nats-Msg-Id', `table:${T}:${1_000_000 + i}`);
      const push = {
        kind: 'table',
        tableId: T,
        label: view!.label,
        status: 'seated',
        version: 1_000_000 + i,
        note: big,
        at: i,
      };
      w.t.nc.publish(names(w.t.ns).subject(tablePushSubject(STORE, T)), encode(push), { headers: h });
      if (i % 250 === 0) {
        await w.t.nc.flush();
        await waitFor(() => server.hub.stats().deltas >= before.deltas + i, { what: `${i} deltas fanned out` });
        sample();
      }
    }
    await waitFor(() => server.hub.stats().deltas >= before.deltas + N, { what: 'every delta fanned out' });
    sample();
    // Bounded: the bound plus at most one message in flight, never the 32 MB.
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(BOUND + 16 * 1024);

    // Subscribing while past the bound: the gateway does not queue the snapshot, it marks
    // the socket, and once drained tells it to re-sync every topic.
    let menu: unknown;
    c.subscribe('menu', { snapshot: (d: unknown) => (menu = d) });
    await waitFor(() => server.hub.stats().droppedSends > before.droppedSends, { what: 'the snapshot dropped' });

    ws.resume();
    const topicSeq = (): number => c.topics.get(`table:${T}`)?.seq ?? -1;
    const target = before.deltas + N; // every delta of this test went to this one topic
    await waitFor(() => c.stats.snapshots >= 2 && c.topics.get(`table:${T}`)?.ready, {
      what: 're-synced snapshot',
      timeoutMs: 30_000,
    });
    const after = server.hub.stats();
    expect(after.resyncNotices + after.heads).toBeGreaterThan(before.resyncNotices + before.heads);
    expect(after.resyncNotices).toBeGreaterThan(before.resyncNotices);
    expect(c.stats.serverResyncs).toBeGreaterThan(0);
    await waitFor(() => menu, { what: 'the menu snapshot after the re-sync' });
    // It did not get all 4,000 (that would be unbounded buffering), and it is caught up now.
    expect(applied).toBeLessThan(N);
    expect(topicSeq()).toBeGreaterThanOrEqual(N - (target - after.deltas));
    expect(server.hub.stats().peakBufferedBytes).toBeLessThanOrEqual(BOUND + 16 * 1024);
  });
});
