export { couponDrop } from './coupon-drop.js';
export { flashSale } from './flash-sale.js';
export { groupBuy } from './group-buy.js';
export { lunchRush } from './lunch-rush.js';
export { maxRate } from './max-rate.js';
export { menuImages } from './menu-images.js';
export type { RunOptions, ScenarioResult } from './run.js';
export { orderableSkus } from './setup.js';
export { wsFanout } from './ws-fanout.js';
