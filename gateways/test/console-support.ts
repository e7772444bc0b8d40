/**
 * What the console's page tests share: a staff member logged in through the login form (with the
 * page errors and Content-Security-Policy refusals collected), a screenshot checked for Chinese
 * drawn as boxes, and the staff accounts a test logs in with.
 */
import { expect } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { EngineClient } from '@lunchrush/engine';
import { staffAccountOf } from '@lunchrush/actors/staff';
import { boxedText } from '@lunchrush/testkit';
import { hashPassword } from '../src/console/index.js';
import { ARTIFACTS } from './screens-support.js';

export async function consoleLogin(
  browser: Browser,
  url: string,
  username: string,
  password: string,
): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 860 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // The page's Content-Security-Policy must not refuse anything the console itself loads.
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('Content Security Policy')) errors.push(m.text());
  });
  await page.goto(`${url}/console/`);
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  await page.locator('header.top h2').waitFor();
  return { page, errors };
}

export async function consoleShot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: new URL(`console-${name}.png`, ARTIFACTS).pathname, fullPage: true });
  expect(await boxedText(page), `Chinese drawn as boxes on the console's ${name} page`).toEqual([]);
}

/** Staff accounts of store 001, all with `password`: [username, name, role]. */
export async function createStaff(
  client: EngineClient,
  password: string,
  accounts: readonly (readonly [string, string, 'manager' | 'waiter' | 'admin'])[],
): Promise<void> {
  const by = { id: 'system:test', role: 'system' as const, store: '000', ip: '' };
  const passwordHash = await hashPassword(password);
  for (const [username, name, role] of accounts)
    await staffAccountOf(client, username).send({
      type: 'create',
      name,
      role,
      stores: ['001'],
      passwordHash,
      by,
      at: Date.now(),
    });
}
