/**
 * The staff table board shows each delivery platform's sync health (last sync, lag, backlog),
 * which the platforms service sends every few seconds on the store's alarm channel: staff see it
 * without the ops token. Chromium (`CHROMIUM_PATH`, else /usr/bin/chromium) on the real stack.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { staff } from '@lunchrush/stack/testing';
import { startWorld, type World } from './world.js';

let w: World;
let browser: Browser;
beforeAll(async () => {
  w = await startWorld();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});
afterAll(async () => {
  await browser?.close();
  await w?.close();
});

describe('the table board', () => {
  it("shows both platforms' sync health, and a platform that is down as such", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const token = encodeURIComponent(staff(w.s, 'manager'));
    await page.goto(`${w.s.url}/screens/board?token=${token}`);
    await page.locator('#conn[data-state="live"]').waitFor();
    const mt = page.locator('#platforms [data-platform="meituan"][data-status="ok"]');
    await mt.waitFor({ timeout: 15_000 });
    await expect(mt.textContent()).resolves.toMatch(/^美团正常上次同步 .+，延迟 p99 /);
    await page.locator('#platforms [data-platform="eleme"]').waitFor();
    w.mt.down = true;
    await w.s.client.send('001', 'stock', 'wanglaoji', { type: 'set', available: 0, at: Date.now() });
    await w.s.client.send('001', 'stock', 'wanglaoji', { type: 'set', available: 20, at: Date.now() });
    const down = page.locator('#platforms [data-platform="meituan"][data-status="down"]');
    await down.waitFor({ timeout: 20_000 });
    await expect(down.textContent()).resolves.toMatch(/中断.*条待发/);
    w.mt.down = false;
    await mt.waitFor({ timeout: 20_000 });
    expect(errors).toEqual([]);
    await page.close();
  });
});
