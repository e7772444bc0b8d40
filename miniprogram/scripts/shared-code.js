// The gateway's code the mini-program runs, copied into its package: WeChat builds the package
// from src/ alone, so a module of the workspace gets in only as a file there. Run by WeChat
// DevTools before each compile, preview and upload (project.config.json "scripts"; tick 详情 →
// 本地设置 → 启用自定义处理命令), and by hand before an upload with miniprogram-ci:
// `node miniprogram/scripts/shared-code.js`. The copies are git-ignored (miniprogram/.gitignore).
// The tests always run the originals (an alias in the root vitest.config.ts), and the type-check
// reads them where no copy was made ("rootDirs" in miniprogram/tsconfig.json).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

const miniprogram = join(dirname(fileURLToPath(import.meta.url)), '..');
const root = join(miniprogram, '..');

/**
 * Each shared file: where it is owned, and where the mini-program's code imports it. A module's
 * types go with it, so that the type-check reads them rather than an untyped copy.
 */
const SHARED = [
  { from: 'gateways/src/push/topic-sequencer.js', to: 'miniprogram/src/lib/topic-sequencer.js' },
  { from: 'gateways/src/push/topic-sequencer.d.ts', to: 'miniprogram/src/lib/topic-sequencer.d.ts' },
];

for (const { from, to } of SHARED) {
  const header = `// A copy of ${from}, made by miniprogram/scripts/shared-code.js before each build: edit that file.\n`;
  mkdirSync(dirname(join(root, to)), { recursive: true });
  writeFileSync(join(root, to), header + readFileSync(join(root, from), 'utf8'));
  stdout.write(`shared-code: ${from} → ${relative(miniprogram, join(root, to))}\n`);
}
