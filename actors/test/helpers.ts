/** Shared fixtures: a small store with a known menu, in a MemoryRuntime. */
import { MemoryRuntime, type ActorRef, type DecideContext, type MemoryOutcome } from '@lunchrush/engine';
import { expect } from 'vitest';
import {
  catalogRef,
  makeTableCode,
  orderRef,
  restaurantActors,
  stockRef,
  storeRef,
  tableId,
  tableRef,
  type Actor,
  type CatalogDocInput,
  type OrderCommand,
  type OrderDetail,
  type StockState,
} from '@lunchrush/actors';

export const STORE = '001';
/** Friday 2025-03-14 12:00 in Beijing (04:00 UTC): lunch. */
export const T0 = Date.UTC(2025, 2, 14, 4, 0);
export const MIN = 60_000;
export const PAYMENT_TIMEOUT_MS = 15 * MIN;

export const DINER: Actor = { role: 'diner', id: 'd1' };
export const STAFF: Actor = { role: 'staff', id: 'staff1' };
export const MANAGER: Actor = { role: 'manager', id: 'boss' };

export const SPICE = {
  id: 'spice',
  name: '辣度',
  min: 1,
  max: 1,
  choices: [
    { id: 'none', name: '不辣' },
    { id: 'hot', name: '特辣' },
  ],
};

export function smallCatalog(): CatalogDocInput {
  return {
    version: 't1',
    categories: ['主食', '凉菜', '饮品'],
    fees: { deliveryFeeFen: 500, freeDeliveryOverFen: 8800 },
    spus: [
      {
        spuId: 'noodle',
        name: '牛肉面',
        category: '主食',
        station: 'staple',
        packagingFeeFen: 100,
        skus: [
          { skuId: 'noodle-l', spec: '大碗', priceFen: 2800, costFen: 900 },
          { skuId: 'noodle-s', spec: '小碗', priceFen: 2200 },
        ],
        optionGroups: [
          SPICE,
          {
            id: 'extra',
            name: '加料',
            min: 0,
            max: 2,
            choices: [
              { id: 'egg', name: '加蛋', priceDeltaFen: 200 },
              { id: 'beef', name: '加牛肉', priceDeltaFen: 800 },
              { id: 'gone', name: '加虾', priceDeltaFen: 900, available: false },
            ],
          },
        ],
      },
      {
        spuId: 'cucumber',
        name: '拍黄瓜',
        category: '凉菜',
        station: 'cold',
        packagingFeeFen: 100,
        skus: [{ skuId: 'cuke', priceFen: 1200 }],
      },
      {
        spuId: 'cola',
        name: '可乐',
        category: '饮品',
        station: 'bar',
        skus: [{ skuId: 'cola', spec: '330ml', priceFen: 600 }],
      },
      {
        spuId: 'bun',
        name: '包子',
        category: '主食',
        station: 'staple',
        windows: [{ from: '07:00', to: '10:30' }],
        skus: [{ skuId: 'bun', priceFen: 800 }],
      },
      {
        spuId: 'beer',
        name: '啤酒',
        category: '饮品',
        station: 'bar',
        channels: ['dine_in'],
        skus: [{ skuId: 'beer', priceFen: 1000 }],
      },
      {
        spuId: 'dumpling',
        name: '水饺',
        category: '预制菜零售',
        station: 'pack',
        channels: ['retail', 'delivery', 'takeaway'],
        skus: [{ skuId: 'dumpling', spec: '500g', priceFen: 3200 }],
      },
    ],
  };
}

export const DEFAULT_STOCK: Record<string, number> = {
  'noodle-l': 10,
  'noodle-s': 10,
  cuke: 10,
  cola: 50,
  bun: 10,
  beer: 10,
  dumpling: 5,
};

export const table = (n: number, area = 1): string => tableId(makeTableCode(STORE, area, n));

export interface Setup {
  stock?: Record<string, number>;
  paymentTimeoutMs?: number;
  tables?: number;
}

function must<R>(out: MemoryOutcome<R>, what: string): R {
  if (!out.ok) throw new Error(`${what}: ${out.reason} ${out.message}`);
  return out.result;
}

/** A store that is configured and open, with the small menu, stock and `tables` configured tables. */
export function setupStore(opts: Setup = {}): MemoryRuntime {
  const rt = new MemoryRuntime(restaurantActors);
  must(
    rt.send(storeRef(STORE), {
      type: 'configure',
      settings: { name: '测试店', paymentTimeoutMs: opts.paymentTimeoutMs ?? PAYMENT_TIMEOUT_MS },
      at: T0,
    }),
    'configure store',
  );
  must(rt.send(storeRef(STORE), { type: 'open', at: T0 }), 'open store');
  must(rt.send(catalogRef(STORE), { type: 'import', catalog: smallCatalog(), at: T0 }), 'import catalog');
  for (const [skuId, available] of Object.entries(opts.stock ?? DEFAULT_STOCK)) {
    must(rt.send(stockRef(STORE, skuId), { type: 'set', available, at: T0 }), `stock ${skuId}`);
  }
  for (let n = 1; n <= (opts.tables ?? 3); n++) {
    must(
      rt.send(tableRef(STORE, table(n)), {
        type: 'configure',
        config: { label: `A${n}`, areaName: '大厅', seats: 4 },
        at: T0,
      }),
      'table',
    );
  }
  return rt;
}

export function stock(rt: MemoryRuntime, skuId: string): StockState {
  return rt.state<StockState>(stockRef(STORE, skuId));
}

export function send<R = unknown>(rt: MemoryRuntime, ref: ActorRef, command: unknown, id?: string): MemoryOutcome<R> {
  return rt.send<R>(ref, command, id === undefined ? {} : { id });
}

export function order(
  rt: MemoryRuntime,
  orderId: string,
  command: OrderCommand,
  id?: string,
): MemoryOutcome<OrderDetail> {
  return send<OrderDetail>(rt, orderRef(STORE, orderId), command, id);
}

export function expectOk<R>(out: MemoryOutcome<R>): R {
  if (!out.ok) expect.fail(`expected ok, got ${out.reason}: ${out.message}`);
  return out.result;
}

export function expectRejected(out: MemoryOutcome<unknown>, reason: string): { message: string; details?: unknown } {
  if (out.ok) expect.fail(`expected ${reason}, got ok ${JSON.stringify(out.result)}`);
  expect(out.reason).toBe(reason);
  return { message: out.message, details: out.details };
}

/** A decide context for calling a decider directly, where it needs no other actor. */
export function ctxOf(self: ActorRef, extra: Partial<DecideContext> = {}): DecideContext {
  return {
    self,
    commandId: undefined,
    timer: undefined,
    call: () => {
      throw new Error('no calls expected');
    },
    ...extra,
  };
}
