/**
 * Headless Chromium for the screens tests: Debian's `chromium`, installed with
 * apt-get when the machine lacks it (CI machines run as root), driven by
 * playwright-core. `CHROMIUM_PATH` points elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = new URL('./artifacts/', import.meta.url);
/** An apt-get install of chromium on a cold machine takes minutes: the hooks that call this wait this long. */
export const INSTALL_TIMEOUT_MS = 15 * 60_000;

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', 'chromium'],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env, timeout: INSTALL_TIMEOUT_MS });
    if (r.status !== 0) {
      throw new Error(`apt-get ${args.join(' ')} failed (${r.status ?? r.signal}): cannot run the screens tests`);
    }
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is missing`);
}

export async function launchChromium(): Promise<Browser> {
  ensureChromium();
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
