// `npm run build`: compiled JavaScript in each package's dist/ (tsc -b tsconfig.build.json, only
// what changed, plus the non-TypeScript files the code reads beside it). Fails on type errors.
// `npm start` and `npm run bench` build by themselves when sources are newer than dist/, and run
// `node --conditions=lunchrush-compiled <package>/dist/….js`.

import { build } from './lib/build.mjs';
import { ensureDependencies } from './lib/dependencies.mjs';
import { finish } from './lib/processes.mjs';

try {
  ensureDependencies();
  build({ strict: true });
  await finish(0);
} catch (error) {
  await finish(1, error);
}
