// Chromium and fonts: what a person looks at (pages, screenshots, the virtual printers' PNGs).

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { findBinary, installDebianPackages } from './debian.mjs';
import { say } from './setup.mjs';

/** Where the page tests find Chromium (gateways/test/screens-support.ts, analytics/test). */
const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
/** GNU Unifont bitmaps the virtual printers draw their PNGs with (printer-daemon/src/png.ts). */
const UNIFONT_FILES = [
  '/usr/share/unifont/unifont.hex.gz',
  '/usr/share/unifont/unifont.hex',
  '/usr/share/unifont/unifont_all.hex.gz',
];

/** True when fontconfig knows a font with Chinese glyphs (中): what Chromium falls back to. */
function hasCjkFont() {
  const r = spawnSync('fc-list', [':charset=4e2d', 'family'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() !== '';
}

/**
 * Installs, each only when missing, the Debian packages behind what a person looks at:
 * `fonts-noto-cjk` (Chinese in Chromium: the analytics dashboard and the page tests'
 * screenshots; without a Chinese font every character is a box), `unifont` (the virtual
 * printers' PNGs; without it every character is a box) and, with `chromium: true`,
 * `chromium` (the page tests). apt-get runs only as root; otherwise this says what to
 * install and goes on, and the tests that look for boxes fail with the same advice.
 * fonts-noto-cjk is a 57 MB download, 91 MB installed.
 */
export function ensureDisplayPackages({ chromium = false } = {}) {
  const why = new Map();
  if (chromium && !fs.existsSync(CHROMIUM)) why.set('chromium', 'the page tests run in it');
  if (!hasCjkFont()) why.set('fonts-noto-cjk', 'without it Chinese is boxes in Chromium');
  if (!process.env.VIRTUAL_PRINTER_FONT && !UNIFONT_FILES.some((f) => fs.existsSync(f)))
    why.set('unifont', "without it Chinese is boxes in the virtual printers' PNGs");
  const missing = [...why.keys()];
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || findBinary('apt-get') === null) {
    say(
      `missing ${[...why].map(([p, w]) => `${p} (${w})`).join(', ')}; ` +
        `install as root: apt-get install -y --no-install-recommends ${missing.join(' ')}`,
    );
    return;
  }
  const startedAt = Date.now();
  installDebianPackages(missing, 'pages and printer PNGs need Chinese fonts');
  say(`installed ${missing.join(', ')} in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
}
