/** Turns store data into what WXML shows: Chinese labels, yuan strings, flags. */
import { cartTotals, optionLabel, qtyBySku } from './cart';
import { price } from './money';
import type { CartLine, Menu, OrderDetail, OrderStatus, PricedLine, SkuStock, Spu } from './types';

export const ORDER_STATUS: Record<OrderStatus, string> = {
  created: '已创建',
  pending_payment: '待支付',
  paid: '已支付，等待接单',
  accepted: '已接单',
  sent_to_kitchen: '后厨已接单',
  cooking: '制作中',
  ready: '已出餐，即将上桌',
  served: '已上桌',
  completed: '已完成',
  reviewed: '已评价',
  cancelled: '已取消',
  refund_requested: '退款申请中',
  refunded: '已退款',
};

/** The diner's progress bar: the step an order is on. */
export const STEPS = ['下单', '支付', '接单', '制作', '上桌'] as const;
export function stepOf(s: OrderStatus): number {
  switch (s) {
    case 'created':
    case 'pending_payment':
      return 0;
    case 'paid':
      return 1;
    case 'accepted':
    case 'sent_to_kitchen':
      return 2;
    case 'cooking':
    case 'ready':
      return 3;
    default:
      return 4;
  }
}

export interface OrderActions {
  pay: boolean;
  cancel: boolean;
  urge: boolean;
  refund: boolean;
  review: boolean;
}

/**
 * Which buttons an order shows: the actions the gateway says its diner may take now (the order's
 * own rules, refunds included), so the phone keeps no copy of them. An order the phone knows only
 * a newer status of (a push, before its read) shows none.
 */
export function actionsOf(o: Pick<OrderDetail, 'dinerActions'>): OrderActions {
  const may = new Set(o.dinerActions);
  return {
    pay: may.has('pay'),
    cancel: may.has('cancel'),
    urge: may.has('urge'),
    refund: may.has('refund'),
    review: may.has('review'),
  };
}

export const LOW_STOCK_AT = 5;

export interface DishView {
  spuId: string;
  name: string;
  description: string;
  priceText: string;
  fromPrice: boolean;
  tags: string[];
  allergensText: string;
  caloriesText: string;
  prepText: string;
  soldOut: boolean;
  remainingText: string;
  inCart: number;
  needsSheet: boolean;
  image: string;
}

export interface SectionView {
  category: string;
  anchor: string;
  dishes: DishView[];
}

export function spuSoldOut(spu: Spu, stock: Record<string, SkuStock>): boolean {
  return !spu.available || spu.skus.every((k) => stock[k.skuId]?.level === 'out');
}

/** "仅剩 3 份" when low; the sum over the SPU's SKUs. */
export function remainingText(spu: Spu, stock: Record<string, SkuStock>): string {
  let n = 0;
  let low = false;
  for (const k of spu.skus) {
    const s = stock[k.skuId];
    if (s === undefined) return '';
    n += s.available;
    if (s.level === 'low') low = true;
  }
  return low || (n > 0 && n <= LOW_STOCK_AT) ? `仅剩 ${n} 份` : '';
}

export function dishView(spu: Spu, stock: Record<string, SkuStock>, inCart: Record<string, number>): DishView {
  const prices = spu.skus.map((k) => k.priceFen);
  const min = Math.min(...prices);
  return {
    spuId: spu.spuId,
    name: spu.name,
    description: spu.description,
    priceText: price(min),
    fromPrice: new Set(prices).size > 1,
    tags: spu.tags,
    allergensText: spu.allergens.length > 0 ? `含${spu.allergens.join('、')}` : '',
    caloriesText: spu.caloriesKcal === undefined ? '' : `${spu.caloriesKcal} 千卡`,
    prepText: `约 ${Math.max(1, Math.round(spu.prepTimeSec / 60))} 分钟`,
    soldOut: spuSoldOut(spu, stock),
    remainingText: remainingText(spu, stock),
    inCart: spu.skus.reduce((n, k) => n + (inCart[k.skuId] ?? 0), 0),
    needsSheet: spu.skus.length > 1 || spu.optionGroups.length > 0,
    image: spu.images[0] ?? '',
  };
}

/** Sections in the menu's category order; dishes by `sort`, sold-out ones last. */
export function menuSections(menu: Menu, stock: Record<string, SkuStock>, cart: readonly CartLine[]): SectionView[] {
  const inCart = qtyBySku(cart);
  return menu.categories
    .map((category, i) => {
      const dishes = menu.spus
        .filter((s) => s.category === category && s.channels.includes('dine_in'))
        .sort((a, b) => a.sort - b.sort)
        .map((s) => dishView(s, stock, inCart))
        .sort((a, b) => Number(a.soldOut) - Number(b.soldOut));
      return { category, anchor: `cat-${i}`, dishes };
    })
    .filter((s) => s.dishes.length > 0);
}

/** A cart line as a list shows it: the menu's names for its options, its amount in yuan. */
export interface LineView {
  lineId: string;
  name: string;
  spec: string;
  optionsText: string;
  qty: number;
  amountText: string;
}

export function lineView(menu: Menu | null, l: CartLine): LineView {
  const spu = menu?.spus.find((s) => s.skus.some((k) => k.skuId === l.skuId));
  return {
    lineId: l.lineId,
    name: l.name,
    spec: l.spec,
    optionsText: optionLabel(spu?.optionGroups, l.options),
    qty: l.qty,
    amountText: price(l.unitPriceFen * l.qty),
  };
}

/** A line of the shared cart: whose it is too, and whether its dish sold out since. */
export interface CartLineView extends LineView {
  mine: boolean;
  who: string;
  soldOut: boolean;
}

export function cartView(
  menu: Menu | null,
  cart: readonly CartLine[],
  me: string | undefined,
  stock: Record<string, SkuStock> = {},
): { lines: CartLineView[]; count: number; totalText: string; others: number } {
  const t = cartTotals(cart, me);
  const diners = [...new Set(cart.map((l) => l.dinerId))];
  const lines = cart.map((l) => ({
    ...lineView(menu, l),
    mine: l.dinerId === me,
    who: l.dinerId === me ? '我' : `同桌${diners.indexOf(l.dinerId) + 1}`,
    soldOut: stock[l.skuId]?.level === 'out',
  }));
  return { lines, count: t.count, totalText: price(t.totalFen), others: diners.filter((d) => d !== me).length };
}

export function orderView(o: OrderDetail): Record<string, unknown> {
  return {
    orderId: o.orderId,
    shortId: o.orderId.slice(-6).toUpperCase(),
    status: o.status,
    statusText: ORDER_STATUS[o.status] ?? o.status,
    step: stepOf(o.status),
    totalText: price(o.totalFen),
    itemsText: price(o.itemsFen),
    discountText: o.discountFen > 0 ? `-${price(o.discountFen)}` : '',
    refundedText: o.refundedFen > 0 ? price(o.refundedFen) : '',
    lines: o.lines.map(pricedLineView),
    count: o.lines.reduce((n, l) => n + l.qty, 0),
    urges: o.urges,
    actions: actionsOf(o),
  };
}

/** A line the gateway priced (a quote's, an order's) as a list shows it. */
export interface PricedLineView {
  lineNo: number;
  name: string;
  spec: string;
  optionsText: string;
  qty: number;
  amountText: string;
}

export function pricedLineView(l: PricedLine): PricedLineView {
  return {
    lineNo: l.lineNo,
    name: l.name,
    spec: l.spec,
    optionsText: l.options.map((o) => o.name ?? o.choice).join(' / '),
    qty: l.qty,
    amountText: price(l.amountFen),
  };
}
