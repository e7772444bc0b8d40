// What every script shares: where the repository is, and how a setup step fails and speaks.
//
// scripts/lib/ holds what the repo's commands (`npm start`, `npm test`, `npm run build`,
// `scripts/with-services.mjs`) are made of, a file per concept: dependencies.mjs (npm ci),
// build.mjs (compiled dist/), debian.mjs and display.mjs (binaries, Chromium and fonts),
// probes.mjs (is NATS or Redis there), services.mjs (found or started), processes.mjs (what
// was started, signals, running the command, stopping). Plain Node ESM with only `node:`
// imports at the top level: these run on a fresh clone before `node_modules` exists. NATS
// client libraries are imported lazily (probes.mjs), after ensureDependencies() installed them.

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DATA_DIR = path.join(ROOT, '.data');

/** An expected failure: printed as one clear message, without a stack trace. */
export class SetupError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = 'SetupError';
  }
}

export function say(message) {
  process.stderr.write(`[lunchrush] ${message}\n`);
}
