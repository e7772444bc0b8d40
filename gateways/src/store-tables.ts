/**
 * A store's tables, as the store actor lists them (`StoreView.tables`: a table tells its store
 * when it is set up). The staff board, the QR sheet and the push hub's board snapshot read them here.
 *
 * Before the store kept that list, the gateway kept it in a Redis set, `<prefix>:tables:<store>`
 * (filled by configuring tables and by the demo seed), and a store set up then lists none of those
 * tables. So the first time a process reads a store, whatever the old set holds that the store
 * does not list is added to the store (`tableAdded`, which lists a table once), and the set is
 * deleted: the old lists move into their stores once, on first read, by whichever gateway reads
 * first. A process that finds no set (already moved, or a store set up since) reads the store only.
 */
import { ErrorCode as D, storeOf, type CommandSender, type StoreView } from '@lunchrush/actors';
import { EngineError } from '@lunchrush/engine';
import type { Redis } from 'ioredis';

/** Where the gateway kept a store's table ids before the store actor did. */
export const legacyTablesKey = (prefix: string, store: string): string => `${prefix}:tables:${store}`;

export class StoreTables {
  /** Stores whose old set this process has moved (or found absent). */
  private readonly moved = new Set<string>();

  constructor(
    private readonly engine: CommandSender,
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  /** The store's view, its table list included. */
  async view(store: string, at = Date.now()): Promise<StoreView> {
    const view = await storeOf(this.engine, store).send({ type: 'get', at });
    return this.moved.has(store) ? view : this.moveLegacy(store, view, at);
  }

  private async moveLegacy(store: string, view: StoreView, at: number): Promise<StoreView> {
    const key = legacyTablesKey(this.prefix, store);
    const listed = new Set(view.tables);
    let now = view;
    for (const tableId of (await this.redis.smembers(key)).sort()) {
      if (listed.has(tableId)) continue;
      try {
        now = await storeOf(this.engine, store).send({ type: 'tableAdded', tableId, at });
      } catch (e) {
        // Not a table of this store: nothing to move. Anything else (overloaded, a timeout) is
        // thrown, and the next read tries again.
        if (!(e instanceof EngineError && e.reason === D.InvalidTableCode)) throw e;
      }
    }
    await this.redis.del(key);
    this.moved.add(store);
    return now;
  }
}
