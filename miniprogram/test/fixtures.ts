/** A small menu in the gateway's answer shape, and an in-memory Transport serving it. */
import type { HttpRequest, HttpResponse, Transport } from '../src/lib/api';
import type { Menu, Spu, TableView } from '../src/lib/types';

const spu = (x: Partial<Spu> & Pick<Spu, 'spuId' | 'name' | 'category' | 'skus'>): Spu => ({
  description: '',
  optionGroups: [],
  allergens: [],
  ingredients: [],
  prepTimeSec: 300,
  station: 'wok',
  channels: ['dine_in', 'takeaway', 'delivery'],
  tags: [],
  sort: 0,
  images: [],
  packagingFeeFen: 0,
  available: true,
  ...x,
});

export const MENU: Menu = {
  store: '001',
  rev: 7,
  currency: 'CNY',
  categories: ['热销', '招牌', '饮品'],
  spus: [
    spu({
      spuId: 'mapo-doufu',
      name: '麻婆豆腐',
      category: '热销',
      description: '郫县豆瓣，现炒现卖',
      skus: [{ skuId: 'mapo-doufu', spec: '', priceFen: 2200 }],
      tags: ['热销', '辣'],
      allergens: ['大豆'],
      caloriesKcal: 420,
      prepTimeSec: 480,
      optionGroups: [
        {
          id: 'spice',
          name: '辣度',
          min: 1,
          max: 1,
          choices: [
            { id: 'mild', name: '微辣', priceDeltaFen: 0, available: true },
            { id: 'hot', name: '特辣', priceDeltaFen: 0, available: true },
          ],
        },
        {
          id: 'extra',
          name: '加料',
          min: 0,
          max: 2,
          choices: [
            { id: 'egg', name: '加蛋', priceDeltaFen: 200, available: true },
            { id: 'beef', name: '加牛肉', priceDeltaFen: 800, available: true },
            { id: 'tofu', name: '加豆腐', priceDeltaFen: 300, available: false },
          ],
        },
      ],
    }),
    spu({
      spuId: 'niurou-mian',
      name: '红烧牛肉面',
      category: '招牌',
      skus: [
        { skuId: 'niurou-mian-s', spec: '小份', priceFen: 2600 },
        { skuId: 'niurou-mian-l', spec: '大份', priceFen: 3200 },
      ],
      tags: ['招牌'],
      allergens: ['小麦'],
      caloriesKcal: 650,
      prepTimeSec: 600,
    }),
    spu({ spuId: 'kekou-kele', name: '可口可乐', category: '饮品', skus: [{ skuId: 'kekou-kele', spec: '330ml', priceFen: 600 }], prepTimeSec: 10 }),
    spu({ spuId: 'suanmei-tang', name: '酸梅汤', category: '饮品', skus: [{ skuId: 'suanmei-tang', spec: '', priceFen: 800 }], tags: ['新品'] }),
  ],
};

export const STOCK = {
  store: '001',
  at: 0,
  skus: [
    { skuId: 'mapo-doufu', level: 'ok', available: 40 },
    { skuId: 'niurou-mian-s', level: 'ok', available: 20 },
    { skuId: 'niurou-mian-l', level: 'out', available: 0 },
    { skuId: 'kekou-kele', level: 'out', available: 0 },
    { skuId: 'suanmei-tang', level: 'low', available: 3 },
  ],
};

export const TABLE: TableView = {
  tableId: '0010001000016',
  label: 'A01',
  status: 'ordering',
  sessionId: 'ts_1',
  partySize: 2,
  diners: ['d_me', 'd_friend'],
  cart: [
    { lineId: 'me-1', dinerId: 'd_me', skuId: 'mapo-doufu', qty: 2, options: [{ group: 'spice', choice: 'hot' }, { group: 'extra', choice: 'egg' }], note: null, name: '麻婆豆腐', spec: '', unitPriceFen: 2400, addedAt: 1 },
    { lineId: 'fr-1', dinerId: 'd_friend', skuId: 'suanmei-tang', qty: 1, options: [], note: null, name: '酸梅汤', spec: '', unitPriceFen: 800, addedAt: 2 },
  ],
  cartTotalFen: 5600,
  orders: [],
  mergedInto: null,
  version: 4,
};

type Handler = (req: HttpRequest, body: any) => { status: number; data?: unknown } | undefined;

/** Answers by "METHOD /path" (query stripped); records every request. */
export function fakeGateway(routes: Record<string, Handler | { status: number; data?: unknown }>): { transport: Transport; requests: HttpRequest[] } {
  const requests: HttpRequest[] = [];
  const transport: Transport = (req) => {
    requests.push(req);
    const path = new URL(req.url).pathname;
    const r = routes[`${req.method} ${path}`];
    const body = req.body === undefined ? undefined : JSON.parse(req.body);
    const a = typeof r === 'function' ? r(req, body) : r;
    const res: HttpResponse = a === undefined ? { status: 404, data: { code: 'not_found', message: path }, headers: {} } : { status: a.status, data: a.data, headers: {} };
    return Promise.resolve(res);
  };
  return { transport, requests };
}
