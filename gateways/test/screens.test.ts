/**
 * The staff screens in headless Chromium against real uWS, NATS and engine:
 * an order accepted in the store appears on the kitchen display; bumping it
 * there moves it to 待上菜 on the table board; serving it clears it.
 * Chromium is Debian's; the test installs it when the machine lacks it.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { headers as natsHeaders } from '@nats-io/transport-node';
import { encode } from '@lunchrush/engine';
import { wire } from '@lunchrush/actors/wire';
import { boxedText } from '@lunchrush/testkit';
import { createPushServer, type PushServer } from '../src/push/index.js';
import { mountScreens } from '../src/screens/index.js';
import { ARTIFACTS, INSTALL_TIMEOUT_MS, launchChromium } from './screens-support.js';
import { STORE, placePaidOrder, startWorld, tableOf, type World } from './push-support.js';

let w: World;
let server: PushServer;
let browser: Browser;
let base: string;

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  w = await startWorld('screens');
  server = await createPushServer({
    nc: w.t.nc,
    namespace: w.t.ns,
    engine: w.client,
    authenticate: w.authenticate,
    // No staff HTTP API in this server: the pages send their actions on the push socket.
    extend: (app) => mountScreens(app, { apiBase: null, dashboardUrl: 'http://127.0.0.1:9/dashboard' }),
  });
  base = `http://127.0.0.1:${server.port}/screens`;
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await w?.close();
});

async function open(path: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}${path}`);
  await page.locator('#conn[data-state="live"]').waitFor();
  expect(errors).toEqual([]);
  return page;
}

describe('staff screens', () => {
  it('the index links the kitchen stations, the board and the dashboard', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await expect(page.locator('#stations a').count()).resolves.toBe(6);
    await expect(page.locator('#dashboard a').getAttribute('href')).resolves.toBe('http://127.0.0.1:9/dashboard');
    expect(await boxedText(page), 'Chinese drawn as boxes on the screens index').toEqual([]);
    await page.close();
  });

  it('shows a pushed ticket on the kitchen display; bumping it there shows it ready on the table board', async () => {
    const kitchen = await open('/kitchen?station=wok&token=staff-token');
    // The token left the address bar once read.
    expect(kitchen.url()).not.toContain('token');
    const board = await open('/board?token=staff-token');
    const T = tableOf(w, 3);
    await board.locator(`.table[data-table-id="${T}"]`).waitFor();

    const orderId = 'o_screen_1';
    await placePaidOrder(w, 3, orderId);
    await board.locator(`[data-pending="${orderId}"][data-status="paid"]`).waitFor();
    await expect(board.locator(`.table[data-table-id="${T}"]`).getAttribute('data-status')).resolves.toBe('seated');

    // Staff accept on the board: the kitchen display gets the ticket pushed.
    await board.locator(`[data-pending="${orderId}"] button[data-action="accept"]`).click();
    const ticket = kitchen.locator(`.ticket[data-order-id="${orderId}"]`);
    await ticket.waitFor();
    await expect(ticket.locator('.dish').first().textContent()).resolves.toContain('麻婆豆腐');
    await expect(ticket.locator('.where').textContent()).resolves.toContain(w.store.tables[3]!.config.label);
    await kitchen.screenshot({ path: new URL('kitchen-display.png', ARTIFACTS).pathname });
    expect(await boxedText(kitchen), 'Chinese drawn as boxes on the kitchen display').toEqual([]);

    await ticket.locator('button[data-action="start"]').click();
    await kitchen.locator(`.ticket[data-order-id="${orderId}"][data-state="cooking"]`).waitFor();
    await ticket.locator('button[data-action="finish"]').click();
    await ticket.waitFor({ state: 'detached' });

    const ready = board.locator(`[data-pending="${orderId}"][data-status="ready"]`);
    await ready.waitFor();
    await expect(ready.locator('.state').textContent()).resolves.toBe('待上菜');
    await expect(board.locator('#events li').first().textContent()).resolves.toContain('出餐完成');
    // A printer runs out of paper: the printer daemon's alarm shows on the board.
    await board.locator('#printers .printer.none').waitFor();
    const h = natsHeaders();
    h.set('Nats-Msg-Id', `alarm:${STORE}:77:1`);
    const alarm = {
      kind: 'printer',
      store: STORE,
      printer: 'p-wok',
      name: '炒锅打印机',
      level: 'error',
      flags: ['paper_out'],
      held: 2,
      since: Date.now(),
      at: Date.now(),
    };
    w.t.nc.publish(wire(w.t.ns).printerAlarms(STORE), encode(alarm), { headers: h });
    await board.locator('#printers [data-printer="p-wok"][data-level="error"]').waitFor();
    await expect(board.locator('#printers [data-printer="p-wok"] .flags').textContent()).resolves.toBe('缺纸');
    await expect(board.locator('#events li').first().textContent()).resolves.toContain('炒锅打印机 故障：缺纸');
    await board.screenshot({ path: new URL('table-board.png', ARTIFACTS).pathname });
    expect(await boxedText(board), 'Chinese drawn as boxes on the table board').toEqual([]);
    await expect(board.locator('#dashboard').getAttribute('href')).resolves.toBe('http://127.0.0.1:9/dashboard');

    await ready.locator('button[data-action="serve"]').click();
    await ready.waitFor({ state: 'detached' });
    const served = await w.client.send<{ status: string }>(STORE, 'order', orderId, { type: 'get' });
    expect(served.status).toBe('served');
    await kitchen.close();
    await board.close();
  });
});
