/** The kitchen load over HTTP on an in-process stack: the diner's quoted wait, the staff view, and the override. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoreLoad } from '@lunchrush/actors';
import { call, staff, startStack, type Stack } from '@lunchrush/stack/testing';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());

interface Wait {
  quotedWaitMin: number;
  kitchen: string;
  deliveryPaused: boolean;
  pausedStations: string[];
}
const wait = () => call<Wait>(s.url, 'GET', '/v1/stores/001/wait');
const override = (role: 'kitchen' | 'waiter', body: unknown) =>
  call<StoreLoad>(s.url, 'POST', '/v1/staff/stores/001/kitchen/admission', { token: staff(s, role), body });

describe('kitchen load over HTTP', () => {
  it('quotes diners longer as the wok backs up, pauses it, and staff can keep it open', async () => {
    expect((await wait()).body).toMatchObject({ quotedWaitMin: 12, kitchen: 'normal', pausedStations: [] });
    for (let n = 1; n <= 50; n++)
      await s.client.send('001', 'store', 'store', {
        type: 'ticketsOpened',
        orderId: `o_http${n}`,
        stations: ['wok'],
        at: Date.now(),
      });
    const backed = await wait();
    expect(backed.status).toBe(200);
    expect(backed.body).toMatchObject({
      quotedWaitMin: 51,
      kitchen: 'paused',
      deliveryPaused: false,
      pausedStations: ['wok'],
    });

    const load = await call<StoreLoad>(s.url, 'GET', '/v1/staff/stores/001/kitchen', { token: staff(s, 'waiter') });
    expect(load.status).toBe(200);
    expect(load.body.kitchen.stations).toEqual([
      expect.objectContaining({ station: 'wok', open: 50, paused: true, pausedBy: 'load' }),
    ]);
    expect(load.body.site?.location).toEqual({ lng: 112.9768, lat: 28.1962 });

    const wok = { kind: 'station', station: 'wok' };
    expect((await override('waiter', { target: wok, mode: 'open' })).status).toBe(403);
    const kept = await override('kitchen', { target: wok, mode: 'open' });
    expect(kept.status).toBe(200);
    expect(kept.body.kitchen.overrides).toEqual({ 'station:wok': 'open' });
    expect((await wait()).body.pausedStations).toEqual([]);
    await override('kitchen', { target: wok, mode: 'auto' });
    expect((await wait()).body.pausedStations).toEqual(['wok']);
  });

  it('refuses an override with an unknown key or target, naming it', async () => {
    const extra = await override('kitchen', {
      target: { kind: 'channel', channel: 'delivery' },
      mode: 'open',
      until: 1,
    });
    expect(extra.status).toBe(400);
    expect(extra.body.message).toMatch(/until/);
    const bad = await override('kitchen', { target: { kind: 'channel', channel: 'takeaway' }, mode: 'open' });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/target/);
  });
});
