export const PACKAGE = '@lunchrush/bench';
export { Api } from './api.js';
export { Recorder, openLoop, histogram, summarize } from './stats.js';
export type { LatencySummary, SecondPoint } from './stats.js';
export { lunchRush, flashSale, wsFanout, maxRate, orderableSkus } from './scenarios/index.js';
export type { RunOptions, ScenarioResult } from './scenarios/index.js';
export { startLunchrush, startReference } from './stack.js';
export type { Stack, StackOptions } from './stack.js';
export { summarizeProfile } from './profile-summary.js';
