/**
 * WebSocket push on real uWS, real NATS and a real engine: a snapshot, then every
 * change as a delta in order; a missed delta re-synced from a fresh snapshot; a push
 * reaching only the sockets of its topic and store. (Authentication and topic rules:
 * push-auth.test; a slow consumer: push-backpressure.test; staff topics: push-topics.test.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { encode } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { tablePushSubject } from '@lunchrush/actors/wire';
import type { BoardPush, TableView } from '@lunchrush/actors';
import { waitFor } from '@lunchrush/testkit';
import type { PushClientOptions } from '../src/push/client.js';
import { tableOf, type World } from './push-support.js';
import { tap, startPushWorld, type PushWorld } from './push-harness.js';

let w: World;
let client: PushWorld['client'];
let tableGet: PushWorld['tableGet'];
let tableCmd: PushWorld['tableCmd'];
let close: PushWorld['close'] | undefined;

beforeAll(async () => {
  ({ w, client, tableGet, tableCmd, close } = await startPushWorld('push'));
});

afterAll(async () => {
  await close?.();
});

describe('snapshot, then deltas in order', () => {
  it('a diner gets the table, then every change with consecutive seqs and rising versions', async () => {
    const T = tableOf(w, 4);
    const c = await client('diner-4');
    const seen = tap(c);
    let view: TableView | undefined;
    c.subscribe(`table:${T}`, {
      snapshot: (d: TableView) => (view = d),
      delta: (d: TableView) => (view = d),
    });
    await waitFor(() => view, { what: 'snapshot' });
    await tableCmd(T, { type: 'open', sessionId: 's-ord', partySize: 3, dinerId: 'd1' });
    for (let i = 0; i < 5; i++) {
      await tableCmd(T, {
        type: 'addLine',
        lineId: `d1-${i}`,
        dinerId: 'd1',
        skuId: 'mapo-doufu',
        qty: 1,
        options: [{ group: 'spice', choice: 'hot' }],
      });
    }
    await tableCmd(T, { type: 'updateLine', lineId: 'd1-0', qty: 3 });
    const truth = await tableGet(T);
    await waitFor(() => view?.version === truth.version, { what: 'the last delta' });
    expect(view!.cart.map((l) => [l.lineId, l.qty])).toEqual(truth.cart.map((l) => [l.lineId, l.qty]));
    const frames = seen.filter((m) => m.topic === `table:${T}`);
    expect(frames[0]!.type).toBe('snapshot');
    const deltas = frames.filter((m) => m.type === 'delta');
    expect(deltas.map((d) => d.seq)).toEqual(deltas.map((_, i) => frames[0]!.seq! + i + 1));
    const versions = deltas.map((d) => (d.data as TableView).version);
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(deltas).toHaveLength(7);
  });

  it('a missed delta shows as a gap in seq and the client re-syncs to a fresh snapshot', async () => {
    const T = tableOf(w, 5);
    // The transport loses the second delta of the table, as a flaky network would.
    let deltasSeen = 0;
    class LossyWebSocket {
      readonly ws: WebSocket;
      onopen: ((ev: unknown) => void) | null = null;
      onmessage: ((ev: { data: string }) => void) | null = null;
      onerror: ((ev: unknown) => void) | null = null;
      onclose: ((ev: { code: number }) => void) | null = null;
      constructor(url: string) {
        this.ws = new WebSocket(url);
        this.ws.on('open', (e: unknown) => this.onopen?.(e));
        this.ws.on('error', (e: unknown) => this.onerror?.(e));
        this.ws.on('close', (code: number) => this.onclose?.({ code }));
        this.ws.on('message', (d: Buffer) => {
          const text = d.toString();
          if (text.includes('"type":"delta"') && ++deltasSeen === 2) return;
          this.onmessage?.({ data: text });
        });
      }
      get readyState(): number {
        return this.ws.readyState;
      }
      send(data: string): void {
        this.ws.send(data);
      }
      close(code?: number, reason?: string): void {
        this.ws.close(code, reason);
      }
    }
    const c = await client('diner-5', { WebSocket: LossyWebSocket as unknown as PushClientOptions['WebSocket'] });
    let view: TableView | undefined;
    c.subscribe(`table:${T}`, { snapshot: (d: TableView) => (view = d), delta: (d: TableView) => (view = d) });
    await waitFor(() => view, { what: 'snapshot' });
    await tableCmd(T, { type: 'open', sessionId: 's-gap', partySize: 2, dinerId: 'd1' });
    await tableCmd(T, {
      type: 'addLine',
      lineId: 'd1-0',
      dinerId: 'd1',
      skuId: 'mapo-doufu',
      qty: 1,
      options: [{ group: 'spice', choice: 'mild' }],
    });
    await tableCmd(T, {
      type: 'addLine',
      lineId: 'd1-1',
      dinerId: 'd1',
      skuId: 'mapo-doufu',
      qty: 2,
      options: [{ group: 'spice', choice: 'mild' }],
    });
    const truth = await tableGet(T);
    await waitFor(() => view?.version === truth.version && c.topics.get(`table:${T}`)?.ready, {
      what: 'resynced view',
    });
    expect(c.stats.gaps).toBe(1);
    expect(c.stats.resyncs).toBe(1);
    expect(c.stats.snapshots).toBe(2);
    expect(view!.cart.map((l) => l.lineId)).toEqual(['d1-0', 'd1-1']);
  });
});

describe('fan-out', () => {
  it('a push reaches only the sockets subscribed to its topic, in its store', async () => {
    const [A, B] = [tableOf(w, 6), tableOf(w, 7)];
    const a = await client('diner-6');
    const b = await client('diner-7');
    const staff = await client('staff-token');
    const seenA = tap(a);
    const seenB = tap(b);
    const board: BoardPush[] = [];
    let ra = 0;
    let rb = 0;
    a.subscribe(`table:${A}`, { snapshot: () => ra++, delta: () => ra++ });
    b.subscribe(`table:${B}`, { snapshot: () => rb++, delta: () => rb++ });
    staff.subscribe('board', { delta: (d: BoardPush) => board.push(d) });
    await waitFor(() => ra === 1 && rb === 1 && staff.topics.get('board')?.ready, { what: 'three snapshots' });

    // The same table id in another store, straight on NATS as the engine would publish it.
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `table:${A}:999`);
    w.t.nc.publish(
      names(w.t.ns).subject(tablePushSubject('002', A)),
      encode({ kind: 'table', tableId: A, version: 999 }),
      {
        headers: h,
      },
    );
    await tableCmd(B, { type: 'open', sessionId: 's-b', partySize: 4, dinerId: 'db' });
    await waitFor(() => rb === 2, { what: "B's delta" });
    await tableCmd(A, { type: 'open', sessionId: 's-a', partySize: 2, dinerId: 'da' });
    await waitFor(() => ra === 2, { what: "A's delta" });
    await waitFor(() => board.filter((x) => x.kind === 'table').length >= 2, { what: 'board deltas' });

    expect(new Set(seenA.filter((m) => m.topic !== undefined).map((m) => m.topic))).toEqual(new Set([`table:${A}`]));
    expect(new Set(seenB.filter((m) => m.topic !== undefined).map((m) => m.topic))).toEqual(new Set([`table:${B}`]));
    expect(seenA.filter((m) => m.type === 'delta').map((m) => (m.data as TableView).version)).not.toContain(999);
    expect(board.filter((x) => x.kind === 'table').map((x) => x.kind === 'table' && x.tableId)).toEqual(
      expect.arrayContaining([A, B]) as unknown,
    );
  });
});
