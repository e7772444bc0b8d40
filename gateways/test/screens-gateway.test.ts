/**
 * The screens on the whole gateway (HTTP API, Redis sessions, signed tokens,
 * the payment simulator): a diner orders and pays through the API while
 * watching the order over the push; staff accept on the table board, the ticket
 * appears on the kitchen display, the bump there (staff HTTP API) moves the
 * order to 待上菜 on the board, and the diner sees every status live.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Browser, Page } from 'playwright-core';
import { boxedText, waitFor } from '@lunchrush/testkit';
import { parseConfig } from '../src/config.js';
import { PushClient, type PushClientOptions } from '../src/push/client.js';
import { call, idemKey, seatedDiner, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import type { Placed, Prepay, SimPay } from './answers.js';
import { ARTIFACTS, INSTALL_TIMEOUT_MS, launchChromium } from './screens-support.js';

let s: Stack;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  s = await startStack();
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

async function open(path: string, token: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${s.url}/screens${path}${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`);
  await page.locator('#conn[data-state="live"]').waitFor();
  expect(errors).toEqual([]);
  return page;
}

describe('screens on the gateway', () => {
  it("links the board to the analytics dashboard: GATEWAY_DASHBOARD_URL, else the screen's host on port 9470", async () => {
    const board = await open('/board', staff(s, 'manager'));
    const link = board.locator('#dashboard');
    // The stack's URL is http://127.0.0.1:<port>; `npm start` runs the dashboard on 127.0.0.1:9470.
    await expect(link.getAttribute('href')).resolves.toBe('http://127.0.0.1:9470/');
    await expect(link.textContent()).resolves.toBe('数据看板');
    await board.close();
    const dev = { GATEWAY_DEV_SECRETS: '1' };
    expect(parseConfig({ ...dev, GATEWAY_DASHBOARD_URL: 'https://bi.example.com/lunchrush' }).dashboardUrl).toBe(
      'https://bi.example.com/lunchrush',
    );
    expect(parseConfig(dev).dashboardUrl).toBeNull();
    expect(() => parseConfig({ ...dev, GATEWAY_DASHBOARD_URL: 'bi.example.com' })).toThrow(/GATEWAY_DASHBOARD_URL/);
  });

  it('an order placed through the API appears on the kitchen display; bumping it changes the table board', async () => {
    const manager = staff(s, 'manager');
    const kitchen = await open('/kitchen?station=cold', staff(s, 'kitchen'));
    const board = await open('/board', manager);

    // The diner: seated by scanning the table's signed code, watching their order over the push.
    const d = await seatedDiner(s, 12);
    const o = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
      token: d.token,
      body: { lines: [{ skuId: 'liangban-muer', qty: 2 }] },
      headers: { 'idempotency-key': idemKey() },
    });
    expect(o.status).toBe(201);
    const orderId: string = o.body.order.orderId;
    const wsUrl = `${s.url.replace('http', 'ws')}/ws?token=${encodeURIComponent(d.token)}`;
    const diner = new PushClient(wsUrl, { WebSocket: WebSocket as unknown as PushClientOptions['WebSocket'] });
    const statuses: string[] = [];
    diner.subscribe(`order:${orderId}`, {
      snapshot: (x: { status: string }) => statuses.push(x.status),
      delta: (x: { status: string }) => statuses.push(x.status),
    });
    await waitFor(() => statuses.length > 0, { what: "the diner's order snapshot" });

    const pay = await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
    const sim = await call<SimPay>(s.url, 'POST', '/v1/simulator/wechatpay/pay', {
      body: { prepayId: pay.body.prepayId },
    });
    expect(sim.body.callbackStatus).toBe(204);

    const pending = board.locator(`[data-pending="${orderId}"][data-status="paid"]`);
    await pending.waitFor();
    await pending.locator('button[data-action="accept"]').click();

    const ticket = kitchen.locator(`.ticket[data-order-id="${orderId}"]`);
    await ticket.waitFor();
    await expect(ticket.locator('.dish').first().textContent()).resolves.toContain('凉拌木耳');
    await kitchen.screenshot({ path: new URL('gateway-kitchen-display.png', ARTIFACTS).pathname });
    expect(await boxedText(kitchen), 'Chinese drawn as boxes on the kitchen display').toEqual([]);
    await ticket.locator('button[data-action="finish"]').click();
    await ticket.waitFor({ state: 'detached' });

    const ready = board.locator(`[data-pending="${orderId}"][data-status="ready"]`);
    await ready.waitFor();
    await board.screenshot({ path: new URL('gateway-table-board.png', ARTIFACTS).pathname });
    expect(await boxedText(board), 'Chinese drawn as boxes on the table board').toEqual([]);
    await ready.locator('button[data-action="serve"]').click();
    await ready.waitFor({ state: 'detached' });

    await waitFor(() => statuses.at(-1) === 'served', { what: 'served pushed to the diner' });
    expect(statuses).toEqual(expect.arrayContaining(['pending_payment', 'paid', 'sent_to_kitchen', 'ready', 'served']));
    diner.close();
    await kitchen.close();
    await board.close();
  });
});
