/**
 * How `npm start`'s stack (stack.ts) starts its processes: compiled when it runs compiled
 * itself (`npm start` runs gateways/dist/src/stack.js after the build), else through tsx.
 *
 * Compiled files sit at `<package>/dist/<path>.js` for `<package>/<path>.ts`, and the
 * workspace packages resolve to their `dist/` only under the `lunchrush-compiled` export
 * condition (each package.json's "exports"), so a compiled process runs with
 * `--conditions=lunchrush-compiled`; anything else (tsx, vitest, tsc) reads the sources.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The export condition under which the workspace packages resolve to their compiled `dist/`. */
export const COMPILED_CONDITION = 'lunchrush-compiled';

const HERE = path.dirname(fileURLToPath(import.meta.url));
/** This file runs compiled (gateways/dist/src/launch.js), not from its source. */
export const COMPILED = path.basename(path.dirname(HERE)) === 'dist';
/** The repository root, from gateways/src or gateways/dist/src. */
export const ROOT = path.resolve(HERE, COMPILED ? '../../..' : '../..');

/**
 * The node arguments that run `file` (a TypeScript entry point, relative to the repository root,
 * e.g. `engine/src/main.ts`): its compiled twin when this process runs compiled and the twin
 * exists, else the source through tsx.
 */
export function entryArgs(file: string): string[] {
  if (COMPILED) {
    const [pkg, ...rest] = file.split('/');
    const js = path.join(ROOT, pkg!, 'dist', ...rest).replace(/\.ts$/, '.js');
    if (existsSync(js)) return [`--conditions=${COMPILED_CONDITION}`, js];
  }
  return ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href, path.join(ROOT, file)];
}
