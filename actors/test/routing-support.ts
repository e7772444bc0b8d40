/** A chain of four 长沙 stores in the in-memory runtime, and a sender over it that can lose replies: routing tests share them. */
import { expect } from 'vitest';
import { EngineError, MemoryRuntime, type SendOptions } from '@lunchrush/engine';
import {
  catalogRef,
  readCandidates,
  restaurantActors,
  routingIdFor,
  routingRef,
  stockRef,
  storeRef,
  type ActorCommand,
  type CommandSender,
  type GeoPoint,
  type OrderCommand,
  type RoutedPlacement,
  type RoutingState,
  type StockState,
} from '@lunchrush/actors';
import { generateDemoData } from '@lunchrush/actors/demo';
import { T0, smallCatalog } from './helpers.js';

/** 五一广场 (001), IFS (003) and 南门口 (012) deliver here; 梅溪湖 (002) does not. */
export const HOME: GeoPoint = { lng: 112.981, lat: 28.199 };
export const STORES = ['001', '002', '003', '012'];
const sites = new Map(generateDemoData().stores.map((s) => [s.storeId, s.settings.site!]));
const LINES = [{ skuId: 'cuke', qty: 2, options: [] }];

export function chain(stock: Record<string, number> = {}): MemoryRuntime {
  const rt = new MemoryRuntime(restaurantActors);
  for (const store of STORES) {
    const ok = (out: { ok: boolean }) => expect(out.ok).toBe(true);
    const settings = { name: `店${store}`, site: sites.get(store)! };
    ok(rt.send(storeRef(store), { type: 'configure', settings, at: T0 }));
    ok(rt.send(storeRef(store), { type: 'open', at: T0 }));
    ok(rt.send(catalogRef(store), { type: 'import', catalog: smallCatalog(), at: T0 }));
    ok(rt.send(stockRef(store, 'cuke'), { type: 'set', available: stock[store] ?? 20, at: T0 }));
  }
  return rt;
}

/** The engine client's shape over the runtime; `lose` drops the reply of the commands it matches. */
export function senderOver(
  rt: MemoryRuntime,
  lose: (store: string, c: ActorCommand) => 'before' | 'after' | null = () => null,
) {
  const sent: string[] = [];
  const sender: CommandSender = {
    send<R>(store: string, type: string, id: string, command: ActorCommand, opts?: SendOptions): Promise<R> {
      sent.push(`${store}:${type}:${command.type}`);
      const lost = lose(store, command);
      if (lost === 'before') return Promise.reject(new EngineError('timeout', 'no reply'));
      const out = rt.send<R>({ store, type, id }, command, opts?.id == null ? {} : { id: opts.id });
      if (lost === 'after') return Promise.reject(new EngineError('timeout', 'no reply'));
      if (out.ok) return Promise.resolve(out.result);
      return Promise.reject(new EngineError('rejected', out.message, { reason: out.reason, details: out.details }));
    },
  };
  return { sender, sent };
}

export const request = {
  channel: 'delivery' as const,
  to: HOME,
  lines: [{ skuId: 'cuke', qty: 2, station: 'cold' }],
  itemsFen: 2_400,
};

export function placement(sender: CommandSender, key = 'k-1'): RoutedPlacement {
  return {
    dinerId: 'd1',
    key,
    request,
    candidates: () => readCandidates(sender, STORES, request, T0),
    place: (_store, _orderId, routing): Extract<OrderCommand, { type: 'place' }> => ({
      type: 'place',
      channel: 'delivery',
      lines: LINES,
      dinerId: 'd1',
      delivery: { address: 'sealed', contact: '王*', phone: '13800138000' },
      requestHash: 'h1',
      routing,
      at: T0,
    }),
    at: T0,
  };
}

export const cuke = (rt: MemoryRuntime, store: string) => rt.state<StockState>(stockRef(store, 'cuke'));
export const router = (rt: MemoryRuntime, key = 'k-1') => rt.state<RoutingState>(routingRef(routingIdFor('d1', key)));
