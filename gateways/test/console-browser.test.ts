/**
 * The merchant console in Chromium, on the whole gateway: a manager logs in, adds a dish
 * with a photo, sets its stock; a diner orders it through the API and pays; the manager
 * sees it live and accepts it; the kitchen starts it, the diner asks for a refund, the
 * manager approves it; the audit trail shows each step; a waiter cannot open the price
 * editor. Every page is screenshotted into test/artifacts/ (console-*.png) and checked
 * for Chinese drawn as boxes.
 */
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { storeDirectoryOf } from '@lunchrush/actors/staff';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, seatedDiner, staff, startStack, type ErrorAnswer, type Stack } from '@lunchrush/stack/testing';
import type { OrderDetail, Placed, Prepay } from './answers.js';
import { consoleLogin, consoleShot, createStaff } from './console-support.js';
import { ARTIFACTS, INSTALL_TIMEOUT_MS, launchChromium } from './screens-support.js';

const PASSWORD = 'console-pass-001';
/** The whole manager flow is one test of a dozen page loads; a loaded 2-core box can take a while. */
const FLOW_TIMEOUT_MS = 180_000;
const SPU = 'hongshao-yu';
const SKU = 'hongshao-yu-l';
let s: Stack;
let browser: Browser;
const photo = new URL('console-dish.png', ARTIFACTS).pathname;

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  s = await startStack();
  await createStaff(s.client, PASSWORD, [
    ['store-mgr', '王店长', 'manager'],
    ['floor-waiter', '小李', 'waiter'],
    ['chain-admin', '总部', 'admin'],
  ]);
  // A dish photo: a 1200×900 gradient, as a phone would send a JPEG-ish large picture.
  await sharp({ create: { width: 1200, height: 900, channels: 3, background: '#d2691e' } })
    .composite([
      {
        input: Buffer.from('<svg width="600" height="450"><circle cx="300" cy="225" r="200" fill="#fff"/></svg>'),
        top: 225,
        left: 300,
      },
    ])
    .png()
    .toFile(photo);
  // A second store of the chain, for the admin's store picker.
  await storeDirectoryOf(s.client).send({ type: 'add', store: '002', name: '湘川小馆·河西店', at: Date.now() });
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const loggedIn = (username: string) => consoleLogin(browser, s.url, username, PASSWORD);
const shoot = consoleShot;

const toast = (page: Page, text: string) => page.locator('.toast', { hasText: text }).waitFor();

/** A new dish with a photo. */
async function addsADish(page: Page): Promise<void> {
  await page.goto(`${s.url}/console/#/menu`);
  await page.getByRole('button', { name: '新增菜品' }).click();
  await page.locator('#spu-id').fill(SPU);
  await page.locator('#spu-name').fill('红烧鱼');
  await page.locator('#spu-cat').fill('招牌');
  await page.locator('#spu-desc').fill('鲜活草鱼，酱香浓郁');
  await page.getByLabel('SKU 编号').fill(SKU);
  await page.getByLabel('规格').fill('大份');
  await page.getByLabel('价格（元）').fill('68');
  await page.locator('#spu-opts').fill('辣度: 不辣, 微辣, 中辣');
  await page.locator('#spu-allergens').fill('鱼, 大豆');
  await page.locator('#spu-image').setInputFiles(photo);
  await toast(page, '图片已上传');
  await page.locator('form[aria-label="菜品编辑"] img.thumb').waitFor();
  await shoot(page, 'menu-editor');
  await page.getByRole('button', { name: '保存菜品' }).click();
  await toast(page, '已保存「红烧鱼」');
  const row = page.locator(`tr[data-spu="${SPU}"]`);
  await row.locator('img.thumb').waitFor();
  await shoot(page, 'menu');
  type MenuSpu = { spuId: string; images: string[]; allergens: string[]; optionGroups: { choices: unknown[] }[] };
  const menu = await call<{ spus: MenuSpu[] }>(s.url, 'GET', '/v1/stores/001/menu');
  const dish = menu.body.spus.find((x) => x.spuId === SPU)!;
  expect(dish.allergens).toEqual(['鱼', '大豆']);
  expect(dish.optionGroups.map((g) => g.choices.length)).toEqual([3]);
  const image = dish.images[0]!;
  const served = await fetch(image);
  expect([served.headers.get('content-type'), served.headers.get('cache-control')]).toEqual([
    'image/webp',
    'public, max-age=31536000, immutable',
  ]);
}

/** Its stock. */
async function setsItsStock(page: Page): Promise<void> {
  await page.goto(`${s.url}/console/#/stock`);
  const stock = page.locator(`tr[data-sku="${SKU}"]`);
  await stock.getByLabel(`${SKU} 库存数量`).fill('20');
  await stock.getByRole('button', { name: '设置' }).click();
  await toast(page, '红烧鱼 库存设为 20');
  await expect(stock.locator('td').nth(2).textContent()).resolves.toBe('20');
  await shoot(page, 'stock');
}

/** A diner orders it through the API and pays; the manager sees it live and accepts it. */
async function acceptsItsOrderLive(
  page: Page,
): Promise<{ orderId: string; d: Awaited<ReturnType<typeof seatedDiner>>; card: Locator }> {
  await page.goto(`${s.url}/console/#/orders`);
  await page.locator('[data-conn="live"]').waitFor();
  const d = await seatedDiner(s, 7);
  const placed = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
    token: d.token,
    body: { lines: [{ skuId: SKU, qty: 1 }] },
    headers: { 'idempotency-key': idemKey() },
  });
  expect(placed.status, JSON.stringify(placed.body)).toBe(201);
  const orderId = placed.body.order.orderId;
  const pay = await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
  await call(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: pay.body.prepayId } });
  const card = page.locator(`[data-order="${orderId}"]`);
  await card.filter({ hasText: '待接单' }).waitFor();
  await expect(card.textContent()).resolves.toContain('红烧鱼');
  await shoot(page, 'orders');
  await card.getByRole('button', { name: '接单' }).click();
  await toast(page, '已接单');
  await card.waitFor({ state: 'detached' });
  return { orderId, d, card };
}

/** The kitchen starts it; the diner asks for a refund; the manager approves it in the console. */
async function approvesItsRefund(
  page: Page,
  orderId: string,
  d: Awaited<ReturnType<typeof seatedDiner>>,
  card: Locator,
): Promise<void> {
  const base = `/v1/staff/stores/001/orders/${orderId}`;
  expect((await call(s.url, 'POST', `${base}/stations/wok/start`, { token: staff(s, 'kitchen') })).status).toBe(200);
  const asked = await call<{ status: string }>(s.url, 'POST', `/v1/diner/orders/${orderId}/refunds`, {
    token: d.token,
    body: { reason: '等太久了' },
  });
  expect(asked.body.status).toBe('refund_requested');
  await card.filter({ hasText: '退款申请' }).waitFor();
  await shoot(page, 'orders-refund');
  await card.getByRole('button', { name: '同意退款' }).click();
  await toast(page, '已同意退款');
  await waitFor(
    async () =>
      (await call<OrderDetail>(s.url, 'GET', base, { token: staff(s, 'manager') })).body.refunds[0]?.status !==
      'requested',
    { what: 'the refund decided' },
  );
}

/** The audit trail shows each step, by this manager, from this address. */
async function seesItInTheAudit(page: Page): Promise<void> {
  await page.goto(`${s.url}/console/#/audit`);
  const audit = page.locator('table[aria-label="操作日志"]');
  await audit.locator('tbody tr').first().waitFor();
  const text = (await audit.textContent()) ?? '';
  for (const step of [
    'login',
    'POST /v1/staff/stores/{store}/images',
    'PUT /v1/staff/stores/{store}/menu/spus/{spuId}',
    'POST /v1/staff/stores/{store}/stock/{skuId}/set',
    'POST /v1/staff/stores/{store}/orders/{orderId}/accept',
    'POST /v1/staff/stores/{store}/orders/{orderId}/refunds/{refundId}/approve',
  ])
    expect(text, step).toContain(step);
  expect(text).toContain('manager:store-mgr');
  await shoot(page, 'audit');
}

/** A coupon campaign, defined in the console. */
async function definesACampaignAndPrintsQr(page: Page): Promise<void> {
  await page.goto(`${s.url}/console/#/campaigns`);
  const form = page.locator('form[aria-label="新建优惠券活动"]');
  await form.locator('input[name="id"]').fill('new_fish_5');
  await form.locator('input[name="name"]').fill('红烧鱼尝鲜券');
  await form.getByRole('button', { name: '创建活动' }).click();
  await toast(page, '已创建活动「红烧鱼尝鲜券」');
  const campaign = page.locator('tr[data-campaign="new_fish_5"]');
  await expect(campaign.textContent()).resolves.toContain('满 ¥30.00 减 ¥5.00');
  await shoot(page, 'campaigns');

  // The tables' QR codes, as a PDF to print.
  await page.goto(`${s.url}/console/#/tables`);
  await page.locator('table[aria-label="桌台"]').waitFor();
  const [pdf] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: '批量打印桌台二维码（PDF）' }).click(),
  ]);
  expect(pdf.suggestedFilename()).toBe('tables-001.pdf');
  const bytes = await readFile(await pdf.path());
  expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');

  // The other pages render, in Chinese.
  for (const [hash, ready] of [
    ['tables', 'table[aria-label="桌台"]'],
    ['printers', '.panel'],
    ['settings', 'form[aria-label="门店设置"]'],
    ['staff', 'table[aria-label="员工账号"]'],
  ] as const) {
    await page.goto(`${s.url}/console/#/${hash}`);
    await page.locator(ready).first().waitFor();
    await shoot(page, hash);
  }
}

describe('the merchant console', () => {
  it(
    'a manager adds a dish with a photo and stock, accepts its order live and approves its refund; the audit shows it',
    async () => {
      const { page, errors } = await loggedIn('store-mgr');
      await expect(page.locator('header.top').textContent()).resolves.toContain('王店长');

      await addsADish(page);
      await setsItsStock(page);
      const { orderId, d, card } = await acceptsItsOrderLive(page);
      await approvesItsRefund(page, orderId, d, card);
      await seesItInTheAudit(page);
      await definesACampaignAndPrintsQr(page);
      expect(errors).toEqual([]);
      await page.close();
    },
    FLOW_TIMEOUT_MS,
  );

  it('a waiter cannot open the price editor, in the console or through the API', async () => {
    const { page, errors } = await loggedIn('floor-waiter');
    await expect(page.locator('nav').textContent()).resolves.not.toContain('菜品管理');
    await page.goto(`${s.url}/console/#/menu`);
    await page.getByRole('alert').filter({ hasText: '无权限' }).waitFor();
    await shoot(page, 'waiter-menu');
    const token = await page.evaluate<string>(
      "JSON.parse(sessionStorage.getItem('lunchrush.console.session') ?? '{}').token",
    );
    const price = await call<ErrorAnswer>(s.url, 'POST', `/v1/staff/stores/001/menu/skus/${SKU}/price`, {
      token,
      body: { priceFen: 100 },
    });
    expect([price.status, price.body.code]).toEqual([403, 'role_forbidden']);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the chain admin picks a store from the chain's list, by name, and works in it", async () => {
    const { page, errors } = await loggedIn('chain-admin');
    const picker = page.getByRole('combobox', { name: '门店' });
    await picker.locator('option', { hasText: '002 湘川小馆·河西店' }).waitFor({ state: 'attached' });
    expect(await picker.locator('option').allTextContents()).toEqual([
      expect.stringMatching(/^001 湘川小馆·/),
      '002 湘川小馆·河西店',
    ]);
    await picker.selectOption('002');
    // The console asked for a token of store 002 and works with it.
    const store = () =>
      page.evaluate<string>("JSON.parse(sessionStorage.getItem('lunchrush.console.session') ?? '{}').store");
    await waitFor(async () => (await store()) === '002', { what: 'the console to work in store 002' });
    // The picker follows once the console has read who it is in the new store (`/me`).
    await waitFor(async () => (await picker.inputValue().catch(() => '')) === '002', {
      what: 'the picker to show 002',
    });
    await shoot(page, 'store-picker');
    expect(errors).toEqual([]);
    await page.close();
  });
});
