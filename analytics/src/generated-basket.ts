/**
 * What a generated party puts in its cart, with the co-purchase structure a
 * recommender can learn (and an evaluation can measure), instead of dishes
 * drawn independently of each other:
 *
 * - **Diners come back.** Each store has a pool of regulars, a few of them
 *   very regular (the draw is skewed); a third of orders are one-off diners.
 *   A regular keeps a taste profile and two favourite dishes across visits.
 * - **Taste profiles** (spicy, mild, light, hearty) weigh dishes by their
 *   catalog attributes: the 辣 tag, category, price.
 * - **Dishes go together.** `AFFINITY` lists pairs a Hunan/Sichuan kitchen
 *   sells together (剁椒鱼头 with rice or noodles, 口味虾 with beer and
 *   peanuts, 可乐鸡翅 with cola); once a dish is in the cart, its partners
 *   weigh several times more for the next line.
 * - **Meal period and party size**: a lone diner at lunch takes a set or a
 *   bowl of noodles and a drink; a dinner party of five takes signature
 *   dishes, cold starters, beer and rice for everyone. Lines grow with the party.
 * - **Availability windows** of the catalog are honoured (no breakfast at noon).
 *
 * Every draw comes from the run's one random stream, in order.
 */
import { isWithin } from '@lunchrush/actors';
import { pick, type GeneratorRun, type Sku } from './generator-run.js';

export type Taste = 'spicy' | 'mild' | 'light' | 'hearty';
export type MealPeriod = 'lunch' | 'dinner' | 'other';

export interface Diner {
  readonly dinerId: string;
  readonly taste: Taste;
  /** SPU ids the diner often comes back for. */
  readonly favourites: readonly string[];
}

const TASTES: readonly Taste[] = ['spicy', 'spicy', 'mild', 'light', 'hearty'];
/** Regulars per store. */
const POOL = 500;
const ONE_OFF_SHARE = 0.33;

/** [spuA, spuB, boost]: B weighs (1 + boost) times more once A is in the cart, and A once B is. */
const AFFINITY: readonly [string, string, number][] = [
  ['duojiao-yutou', 'mifan', 5],
  ['duojiao-yutou', 'congyou-banmian', 6],
  ['duojiao-yutou', 'qingdao-pijiu', 3],
  ['xiaochao-huangniurou', 'mifan', 5],
  ['xiaochao-huangniurou', 'suanmei-tang', 4],
  ['maoshi-hongshaorou', 'mifan', 6],
  ['maoshi-hongshaorou', 'suanrong-xilanhua', 5],
  ['nongjia-xiaochaorou', 'mifan', 6],
  ['nongjia-xiaochaorou', 'pai-huanggua', 4],
  ['kouwei-xia', 'qingdao-pijiu', 8],
  ['kouwei-xia', 'laocu-huasheng', 6],
  ['kouwei-xia', 'suanmei-tang', 3],
  ['gongbao-jiding', 'mifan', 5],
  ['gongbao-jiding', 'xihongshi-jidan-tang', 4],
  ['yuxiang-rousi', 'mifan', 5],
  ['yuxiang-rousi', 'zicai-danhua-tang', 4],
  ['mapo-doufu', 'mifan', 6],
  ['mapo-doufu', 'huiguo-rou', 3],
  ['huiguo-rou', 'mifan', 4],
  ['suancai-yu', 'mifan', 4],
  ['suancai-yu', 'liangban-muer', 4],
  ['shuizhu-niurou', 'mifan', 4],
  ['shuizhu-niurou', 'wanglaoji', 5],
  ['lazi-ji', 'qingdao-pijiu', 5],
  ['lazi-ji', 'wanglaoji', 4],
  ['fuqi-feipian', 'qingdao-pijiu', 4],
  ['koushui-ji', 'suanni-bairou', 4],
  ['laocu-huasheng', 'qingdao-pijiu', 5],
  ['pidan-doufu', 'yumi-paigu-tang', 4],
  ['kele-jichi', 'kekou-kele', 6],
  ['kele-jichi', 'fanqie-chaodan', 5],
  ['tangcu-liji', 'fanqie-chaodan', 4],
  ['tangcu-liji', 'xianzha-chengzhi', 4],
  ['di-sanxian', 'mifan', 4],
  ['ganbian-sijidou', 'shousi-baocai', 3],
  ['niurou-mian', 'jiucai-hezi', 6],
  ['niurou-mian', 'suanmei-tang', 3],
  ['xiaolongbao', 'suanla-tang', 6],
  ['yangzhou-chaofan', 'zicai-danhua-tang', 5],
  ['gongbao-set', 'ningmeng-cha', 5],
  ['hongshaorou-set', 'ningmeng-cha', 4],
  ['weekday-lunch-set', 'suanmei-tang', 5],
  ['meicai-kourou-r', 'shizitou-r', 4],
  ['shuijiao-r', 'suancaiyu-kit-r', 3],
];

const AFFINITY_BY_SPU: ReadonlyMap<string, ReadonlyMap<string, number>> = (() => {
  const m = new Map<string, Map<string, number>>();
  const add = (a: string, b: string, w: number): void => {
    let row = m.get(a);
    if (row === undefined) m.set(a, (row = new Map<string, number>()));
    row.set(b, (row.get(b) ?? 0) + w);
  };
  for (const [a, b, w] of AFFINITY) {
    add(a, b, w);
    add(b, a, w / 2); // rice rarely leads to a dish: the pull is weaker backwards
  }
  return m;
})();

export const mealPeriodOf = (hour: number): MealPeriod =>
  hour >= 10.5 && hour < 14.5 ? 'lunch' : hour >= 16.5 && hour < 21.5 ? 'dinner' : 'other';

const spicy = (k: Sku): boolean => k.tags.includes('辣');

function tasteWeight(taste: Taste, k: Sku): number {
  switch (taste) {
    case 'spicy':
      return spicy(k) ? 3 : 1;
    case 'mild':
      return spicy(k) ? 0.15 : k.category === '汤' ? 2 : 1;
    case 'light':
      return k.category === '凉菜' || k.category === '汤' ? 2.2 : spicy(k) ? 0.5 : k.priceFen > 5000 ? 0.5 : 1;
    case 'hearty':
      return k.category === '招牌' ? 2.5 : k.category === '主食' ? 1.5 : 1;
  }
}

function periodWeight(period: MealPeriod, party: number, k: Sku): number {
  if (period === 'lunch') {
    if (k.category === '套餐') return party <= 2 ? 4 : 1;
    if (k.spuId === 'niurou-mian' || k.spuId === 'congyou-banmian') return party === 1 ? 3 : 1;
    if (k.spuId === 'qingdao-pijiu') return 0.3;
    return 1;
  }
  if (period === 'dinner') {
    if (k.category === '招牌' || k.category === '凉菜') return party >= 3 ? 2 : 1.2;
    if (k.category === '套餐') return 0.4;
    if (k.spuId === 'qingdao-pijiu') return party >= 3 ? 2.5 : 1;
    return 1;
  }
  return k.category === '主食' || k.category === '饮品' ? 1.8 : 0.8;
}

/** A store's regular (skewed: low indexes come much more often), or a one-off diner. */
export function drawDiner(g: GeneratorRun, store: string): Diner {
  const r = g.rnd();
  if (r < ONE_OFF_SHARE)
    return { dinerId: `d${g.orderNo + 1}x${Math.floor(r * 1e9)}`, taste: pick(g, TASTES), favourites: [] };
  let pool = g.diners.get(store);
  if (pool === undefined) {
    pool = [];
    for (let i = 0; i < POOL; i++) {
      const taste = pick(g, TASTES);
      const favourites = [pick(g, g.menu).spuId, pick(g, g.menu).spuId];
      pool.push({ dinerId: `d${store}-${i.toString().padStart(3, '0')}`, taste, favourites });
    }
    g.diners.set(store, pool);
  }
  const u = (r - ONE_OFF_SHARE) / (1 - ONE_OFF_SHARE);
  return pool[Math.min(POOL - 1, Math.floor(u * u * POOL))]!;
}

/** Lines in a cart: a dish or so per diner and something to drink; a takeaway is one to three. */
function linesFor(g: GeneratorRun, channel: string, party: number): number {
  if (channel === 'retail') return 1;
  if (channel !== 'dine_in') return 1 + Math.floor(g.rnd() * 3);
  return Math.min(9, 1 + Math.round(party * 0.9) + Math.floor(g.rnd() * 2));
}

export interface BasketContext {
  readonly store: string;
  readonly channel: string;
  readonly at: number;
  readonly party: number;
  readonly diner: Diner;
}

/**
 * The SKUs of one cart with their quantities, drawn among those for the channel, in stock
 * (> 2 left) and within their windows; undefined when none is.
 */
export function chooseBasket(g: GeneratorRun, cx: BasketContext): Map<string, number> | undefined {
  const { menu, popular, stock } = g;
  const hour = ((cx.at + 8 * 3_600_000) % 86_400_000) / 3_600_000;
  const period = mealPeriodOf(hour);
  const base = menu.map((k, i) =>
    k.channels.includes(cx.channel) && (stock.get(`${cx.store}/${k.skuId}`) ?? 0) > 2 && isWithin(k.windows, cx.at, 480)
      ? popular[i]! *
        tasteWeight(cx.diner.taste, k) *
        periodWeight(period, cx.party, k) *
        (cx.diner.favourites.includes(k.spuId) ? 4 : 1)
      : 0,
  );
  if (!base.some((w) => w > 0)) return undefined;
  const chosen = new Map<string, number>();
  const inCart = new Set<string>();
  const n = linesFor(g, cx.channel, cx.party);
  for (let i = 0; i < n; i++) {
    const w = base.map((b, j) => {
      const k = menu[j]!;
      if (b === 0 || inCart.has(k.spuId)) return 0;
      let pull = 1;
      for (const spu of inCart) pull += AFFINITY_BY_SPU.get(spu)?.get(k.spuId) ?? 0;
      return b * pull;
    });
    const total = w.reduce((a, b) => a + b, 0);
    if (total === 0) break;
    let x = g.rnd() * total;
    let j = 0;
    while ((x -= w[j]!) > 0) j++;
    const k = menu[j]!;
    inCart.add(k.spuId);
    const perHead = k.spuId === 'mifan' || k.category === '饮品';
    const qty = cx.channel === 'dine_in' && perHead ? Math.max(1, cx.party - (g.rnd() < 0.3 ? 1 : 0)) : 1;
    chosen.set(k.skuId, qty + (!perHead && g.rnd() < 0.1 ? 1 : 0));
  }
  return chosen;
}
