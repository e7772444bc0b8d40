/**
 * The console's 拼团实时 page in Chromium, on the whole gateway: a manager sees the store's
 * group-buy campaigns and each one's live groups (members of N, paid, time left), a diner's join
 * showing up on the next refresh, dissolves a group (its members refunded), stops the campaign;
 * a waiter sees the groups but no button that changes them. Screenshots go to test/artifacts/
 * (console-groups*.png) and are checked for Chinese drawn as boxes.
 */
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from '@lunchrush/stack/testing';
import { groupCampaign, joinGroup, openGroup, payThrough, STORE_BASE } from './campaign-support.js';
import { consoleLogin, consoleShot, createStaff } from './console-support.js';
import { ARTIFACTS, INSTALL_TIMEOUT_MS, launchChromium } from './screens-support.js';

const PASSWORD = 'console-pass-002';
let s: Stack;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  s = await startStack({ WECHATPAY_REFUND_QUERY_MS: '50' });
  await createStaff(s.client, PASSWORD, [
    ['group-mgr', '王店长', 'manager'],
    ['group-waiter', '小李', 'waiter'],
  ]);
}, INSTALL_TIMEOUT_MS);

afterAll(async () => {
  await browser?.close();
  await s?.close();
});

const loggedIn = (username: string) => consoleLogin(browser, s.url, username, PASSWORD);
const shoot = consoleShot;

describe('the console’s live groups', () => {
  it(
    'a manager watches a group fill, dissolves it and stops the campaign; a waiter only watches',
    async () => {
      const c = await groupCampaign(s, { name: '招牌牛肉面三人团' });
      const leader = await openGroup(s, c.id);
      const groupId = leader.group.groupId;
      await payThrough(s, leader, `${STORE_BASE}/groups/${groupId}/pay`);

      const { page, errors } = await loggedIn('group-mgr');
      await page.goto(`${s.url}/console/#/groups`);
      const campaign = page.locator(`[data-campaign="${c.id}"]`);
      await expect(campaign.locator('h3').textContent()).resolves.toContain('招牌牛肉面三人团');
      const row = campaign.locator(`tr[data-group="${groupId}"]`);
      await row.filter({ hasText: '拼团中' }).waitFor();
      await expect(row.locator('td').nth(2).textContent()).resolves.toBe('1 / 3');
      // A friend joins by the share code: the page shows it on its next refresh (every 5 s).
      await joinGroup(s, c.id, leader.group.share!.code);
      await row.locator('td').nth(2).filter({ hasText: '2 / 3' }).waitFor({ timeout: 15_000 });
      await expect(row.locator('td').nth(3).textContent()).resolves.toBe('1');
      await expect(row.locator('td').nth(4).textContent()).resolves.toMatch(/^\d+ 分 \d{2} 秒$/);
      await shoot(page, 'groups');

      await row.getByRole('button', { name: '解散' }).click();
      await page.locator('.toast', { hasText: '已解散' }).waitFor();
      await row.waitFor({ state: 'detached' });
      await page.getByLabel('显示已结束的团').check();
      // The leader's payment goes back through the campaign worker; the page's next read (every 5 s)
      // shows the group refunded. (Toggling the box to read at once read the page between a toggle
      // and its answer, and failed most runs.)
      await row.filter({ hasText: '已退款' }).waitFor({ timeout: 30_000 });
      await expect(row.textContent()).resolves.toContain('已解散');
      await campaign.getByRole('button', { name: '停止开团' }).click();
      await campaign.locator('.tag', { hasText: '已停止' }).waitFor();
      await shoot(page, 'groups-ended');
      expect(errors).toEqual([]);
      await page.close();

      const waiter = await loggedIn('group-waiter');
      await waiter.page.goto(`${s.url}/console/#/groups`);
      const seen = waiter.page.locator(`[data-campaign="${c.id}"]`);
      await seen.locator('.empty, table').first().waitFor();
      expect(await seen.getByRole('button').count()).toBe(0);
      expect(waiter.errors).toEqual([]);
      await waiter.page.close();
    },
    INSTALL_TIMEOUT_MS,
  );
});
