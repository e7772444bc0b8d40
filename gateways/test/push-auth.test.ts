/**
 * Who may connect to the WebSocket push and what they may follow or do: tokens in the
 * query or a header, a diner kept to their own table and orders, malformed and oversized
 * frames, staff actions by role.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { TableView } from '@lunchrush/actors';
import { waitFor } from '@lunchrush/testkit';
import { type PushServer } from '../src/push/index.js';
import { STORE, placePaidOrder, tableOf, type World } from './push-support.js';
import { startPushWorld, type PushWorld } from './push-harness.js';

let w: World;
let server: PushServer;
let client: PushWorld['client'];
let close: PushWorld['close'] | undefined;

beforeAll(async () => {
  ({ w, server, client, close } = await startPushWorld('pushauth'));
});

afterAll(async () => {
  await close?.();
});

describe('authentication and topic rules', () => {
  it('refuses an upgrade without a valid token with 401', async () => {
    for (const url of [server.url, `${server.url}?token=nope`]) {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error('upgraded without a token')));
        ws.on('error', () => undefined);
      });
      expect(status).toBe(401);
    }
    expect(server.hub.stats().refusedUpgrades).toBeGreaterThanOrEqual(2);
  });

  it('accepts the token in an Authorization header too', async () => {
    const ws = new WebSocket(server.url, { headers: { authorization: 'Bearer staff-token' } });
    const first = await new Promise<unknown>((resolve, reject) => {
      ws.once('message', (d: Buffer) => resolve(JSON.parse(d.toString())));
      ws.once('error', reject);
    });
    expect(first).toMatchObject({ type: 'welcome', kind: 'staff', store: STORE, role: 'manager' });
    ws.close();
  });

  it("refuses a diner's subscriptions outside their table, and malformed frames", async () => {
    const c = await client('diner-0');
    const errors: { code: string; topic?: string }[] = [];
    const c2 = await client('diner-0', { onError: (m) => errors.push(m) });
    c2.subscribe(`table:${tableOf(w, 1)}`);
    c2.subscribe('board');
    c2.subscribe('kitchen:wok');
    c2.subscribe('nonsense:x');
    (c2.socket as unknown as WebSocket).send('{not json');
    await placePaidOrder(w, 2, 'o_push_other');
    c2.subscribe('order:o_push_other');
    await waitFor(() => errors.length >= 6, { what: 'six errors' });
    expect(errors.map((e) => [e.code, e.topic])).toEqual(
      expect.arrayContaining([
        ['forbidden', `table:${tableOf(w, 1)}`],
        ['forbidden', 'board'],
        ['forbidden', 'kitchen:wok'],
        ['unknown_topic', 'nonsense:x'],
        ['bad_message', undefined],
        ['forbidden', 'order:o_push_other'],
      ]) as unknown,
    );
    // A frame past the size limit closes the socket.
    const closed = new Promise<number>((resolve) => (c2.socket as unknown as WebSocket).once('close', resolve));
    (c2.socket as unknown as WebSocket).send(JSON.stringify({ type: 'subscribe', topic: 'x'.repeat(8_000) }));
    expect(await closed).toBeGreaterThanOrEqual(1000);
    // Its own table is fine.
    let view: TableView | undefined;
    c.subscribe(`table:${tableOf(w, 0)}`, { snapshot: (d: TableView) => (view = d) });
    await waitFor(() => view, { what: 'own table snapshot' });
    expect(view!.tableId).toBe(tableOf(w, 0));
  });

  it('refuses staff actions to diners and station actions to waiters', async () => {
    w.tokens.set('waiter-token', { kind: 'staff', store: STORE, role: 'waiter', id: 'w1' });
    const waiter = await client('waiter-token');
    const diner = await client('diner-11');
    await expect(waiter.action('finish', 'o_push_k1', 'wok')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(diner.action('accept', 'o_push_k1')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(waiter.action('accept', 'o_push_nope')).rejects.toMatchObject({ code: 'command_failed' });
  });
});
