/**
 * The chain's list of its stores (`store-directory` actor, id `all`, in the chain's partition
 * `000`): what the merchant console's store picker offers (the admin: every store; others the
 * stores of their account). A store actor lives in its store's partition and cannot call this
 * one inside its own append, so a store is added by whoever sets it up (the demo loader, the
 * console's settings save): `add` is idempotent, the same store added again only renames it.
 */
import { z } from 'zod';
import { defineActor, type Decision } from '@lunchrush/engine';
import { AtSchema, StoreIdSchema, parseCommand } from './domain.js';

export const STORE_DIRECTORY_ACTOR = 'store-directory';
export const STORE_DIRECTORY_ID = 'all';

export const DirectoryStoreSchema = z.strictObject({
  store: StoreIdSchema,
  /** The store's name as it was listed (the store actor's own is the current one). */
  name: z.string().max(60),
});
export type DirectoryStore = z.output<typeof DirectoryStoreSchema>;

export const StoreDirectoryCommandSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('add'), store: StoreIdSchema, name: z.string().max(60), at: AtSchema }),
  /** Every listed store, by id. */
  z.strictObject({ type: z.literal('stores') }),
]);
export type StoreDirectoryCommand = z.input<typeof StoreDirectoryCommandSchema>;
type Parsed = z.output<typeof StoreDirectoryCommandSchema>;

export type StoreDirectoryEvent = { type: 'StoreListed'; store: string; name: string; at: number };

export interface StoreDirectoryState {
  readonly stores: Readonly<Record<string, string>>;
}

export type StoreDirectoryResult = { readonly stores: readonly DirectoryStore[] } | { readonly listed: boolean };

export function decideStoreDirectory(
  s: StoreDirectoryState,
  c: Parsed,
): Decision<StoreDirectoryEvent, StoreDirectoryResult, StoreDirectoryCommand> {
  if (c.type === 'stores') {
    const stores = Object.entries(s.stores)
      .map(([store, name]) => ({ store, name }))
      .sort((a, b) => a.store.localeCompare(b.store));
    return { result: { stores } };
  }
  const had = s.stores[c.store];
  // The same name again changes nothing: the loader lists every store on every start.
  // At most 1,000 entries: store ids are three digits.
  if (had === c.name) return { result: { listed: false } };
  return { events: [{ type: 'StoreListed', store: c.store, name: c.name, at: c.at }], result: { listed: true } };
}

export function evolveStoreDirectory(s: StoreDirectoryState, e: StoreDirectoryEvent): StoreDirectoryState {
  return { stores: { ...s.stores, [e.store]: e.name } };
}

export const storeDirectoryActor = defineActor<
  StoreDirectoryState,
  StoreDirectoryCommand,
  StoreDirectoryEvent,
  StoreDirectoryResult
>({
  name: STORE_DIRECTORY_ACTOR,
  initial: () => ({ stores: {} }),
  parse: (command) => parseCommand(StoreDirectoryCommandSchema, command),
  decide: decideStoreDirectory,
  evolve: evolveStoreDirectory,
});
