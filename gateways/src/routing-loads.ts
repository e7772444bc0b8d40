/**
 * The routing stores' standing (each store actor's `load`: status, site, kitchen load), read once
 * per `ROUTING_LOAD_TTL_MS` per gateway process and shared by every routed order and delivery quote
 * meanwhile, instead of one read of every routing store per order (20 engine reads of ~30 a routed
 * order cost in the delivery-rush bench). A copy up to that old is safe: the placement's own
 * admission refuses a kitchen paused since (and the router tries the next store), and stock is
 * still read per order.
 */
import { storeOf, type CommandSender, type StoreLoad } from '@lunchrush/actors';

/** Long enough that a rush of orders shares one read per store, short beside a kitchen's backlog. */
export const ROUTING_LOAD_TTL_MS = 500;

interface Held {
  readonly readAt: number;
  readonly load: Promise<StoreLoad>;
}

export class StoreLoads {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly engine: CommandSender,
    private readonly ttlMs = ROUTING_LOAD_TTL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** The store's load: a read under way or younger than the TTL, else a new one. A failed read is not kept. */
  get(store: string, at: number): Promise<StoreLoad> {
    const t = this.now();
    const h = this.held.get(store);
    if (h !== undefined && t - h.readAt < this.ttlMs) return h.load;
    const entry: Held = { readAt: t, load: storeOf(this.engine, store).send({ type: 'load', at }) };
    this.held.set(store, entry);
    entry.load.catch(() => {
      if (this.held.get(store) === entry) this.held.delete(store);
    });
    return entry.load;
  }
}

const byEngine = new WeakMap<CommandSender, StoreLoads>();

/** The process's one cache for this engine handle (the gateway's routes share it). */
export function storeLoads(engine: CommandSender): StoreLoads {
  let l = byEngine.get(engine);
  if (l === undefined) byEngine.set(engine, (l = new StoreLoads(engine)));
  return l;
}
