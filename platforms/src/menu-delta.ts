/**
 * What a catalog change sends a platform (pure): the dishes whose name or price differ from what
 * the platform was last sent for the store, or that it was never sent. Both platforms' menu calls
 * (美团 `retail/batchinitdata`, 饿了么 batch update) change the items they list and leave the rest,
 * so one price change is one item, not the store's whole menu. With no record of what was sent
 * (a store never sent, or a repair that must overwrite a drifted copy) it is the whole menu.
 */
import type { MenuItem } from './platform.js';

/** How a sent item is remembered: `<name>|<price in fen>`. */
export const menuMark = (i: MenuItem): string => `${i.name}|${i.priceFen}`;

export function menuDelta(ours: readonly MenuItem[], sent: ReadonlyMap<string, string> | undefined): MenuItem[] {
  if (sent === undefined) return [...ours];
  return ours.filter((i) => sent.get(i.sku) !== menuMark(i));
}
