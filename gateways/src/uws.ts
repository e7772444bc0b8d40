/**
 * Loads uWebSockets.js (`@trufflesuite/uws-js-unofficial`) and says which build
 * loaded. The package ships native uWS v20.30 binaries for Node 16/18/20 and falls
 * back, with only a console warning, to a slow pure-JS server on anything else; the
 * gateway logs the build at start-up and `/healthz` reports it, so a fallback is
 * never silent.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as Uws from '@trufflesuite/uws-js-unofficial';

const require = createRequire(import.meta.url);

export const uws = require('@trufflesuite/uws-js-unofficial') as typeof Uws;

function detect(): { native: boolean; build: string } {
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  try {
    const pkgDir = path.dirname(require.resolve('@trufflesuite/uws-js-unofficial/package.json'));
    const native = require(path.join(pkgDir, 'binaries', binary)) as unknown;
    if (native === uws) return { native: true, build: `native ${binary} (uWS v20.30)` };
  } catch {
    // no native binary for this platform/Node ABI
  }
  return { native: false, build: `pure-JS fallback (no ${binary}): expect a fraction of native throughput` };
}

export const uwsBuild = detect();
