/**
 * Cart math for display. The gateway prices every order again from the catalog
 * (the confirm page shows its quote); these numbers only let the menu answer at
 * once while the diner taps.
 */
import type { CartLine, OptionGroup, OptionPick, SkuStock, Spu } from './types';

/** What the dish sheet holds while the diner chooses. */
export interface Selection {
  skuId: string;
  /** group id → chosen choice ids, in the order tapped */
  picks: Record<string, string[]>;
  qty: number;
}

export function defaultSelection(spu: Spu, stock: Record<string, SkuStock> = {}): Selection {
  const sku = spu.skus.find((k) => stock[k.skuId]?.level !== 'out') ?? spu.skus[0];
  const picks: Record<string, string[]> = {};
  for (const g of spu.optionGroups) {
    // A required single-pick group starts on its first available choice, as the counter staff would ask.
    const first = g.choices.find((c) => c.available);
    picks[g.id] = g.min >= 1 && g.max === 1 && first !== undefined ? [first.id] : [];
  }
  return { skuId: sku?.skuId ?? '', picks, qty: 1 };
}

/**
 * Taps a choice: in a single-pick group it replaces the pick; in a multi-pick group it
 * toggles, refusing a pick past `max` (answers the selection unchanged).
 */
export function toggleChoice(spu: Spu, sel: Selection, groupId: string, choiceId: string): Selection {
  const g = spu.optionGroups.find((x) => x.id === groupId);
  const c = g?.choices.find((x) => x.id === choiceId);
  if (g === undefined || c === undefined || !c.available) return sel;
  const cur = sel.picks[groupId] ?? [];
  let next: string[];
  if (cur.includes(choiceId)) next = g.min >= 1 && g.max === 1 ? cur : cur.filter((x) => x !== choiceId);
  else if (g.max === 1) next = [choiceId];
  else if (cur.length >= g.max) return sel;
  else next = [...cur, choiceId];
  return { ...sel, picks: { ...sel.picks, [groupId]: next } };
}

export interface GroupProblem {
  groupId: string;
  message: string;
}

/** Groups whose picks are below `min` or above `max`, with the words to show. */
export function selectionProblems(spu: Spu, sel: Selection): GroupProblem[] {
  const out: GroupProblem[] = [];
  for (const g of spu.optionGroups) {
    const n = (sel.picks[g.id] ?? []).length;
    if (n < g.min) out.push({ groupId: g.id, message: g.min === 1 ? `请选择${g.name}` : `${g.name}至少选${g.min}项` });
    else if (n > g.max) out.push({ groupId: g.id, message: `${g.name}最多选${g.max}项` });
  }
  return out;
}

export function picksOf(spu: Spu, sel: Selection): OptionPick[] {
  return spu.optionGroups.flatMap((g) => (sel.picks[g.id] ?? []).map((choice) => ({ group: g.id, choice })));
}

function optionFen(groups: readonly OptionGroup[], picks: readonly OptionPick[]): number {
  let fen = 0;
  for (const p of picks) {
    const c = groups.find((g) => g.id === p.group)?.choices.find((x) => x.id === p.choice);
    fen += c?.priceDeltaFen ?? 0;
  }
  return fen;
}

/** SKU price + option deltas, as the catalog prices a line. */
export function unitFen(spu: Spu, skuId: string, picks: readonly OptionPick[]): number {
  const sku = spu.skus.find((k) => k.skuId === skuId);
  if (sku === undefined) throw new Error(`no SKU ${skuId} in ${spu.spuId}`);
  return sku.priceFen + optionFen(spu.optionGroups, picks);
}

export function selectionFen(spu: Spu, sel: Selection): number {
  return unitFen(spu, sel.skuId, picksOf(spu, sel)) * sel.qty;
}

/** "微辣 / 加蛋" for a cart or order line. */
export function optionLabel(groups: readonly OptionGroup[] | undefined, picks: readonly OptionPick[]): string {
  return picks
    .map((p) => groups?.find((g) => g.id === p.group)?.choices.find((c) => c.id === p.choice)?.name ?? p.choice)
    .join(' / ');
}

export interface CartTotals {
  count: number;
  totalFen: number;
  mine: number;
}

export function cartTotals(lines: readonly CartLine[], me?: string): CartTotals {
  let count = 0;
  let totalFen = 0;
  let mine = 0;
  for (const l of lines) {
    count += l.qty;
    totalFen += l.unitPriceFen * l.qty;
    if (l.dinerId === me) mine += l.qty;
  }
  return { count, totalFen, mine };
}

/** Units of each SKU in the cart, to show "已点 2" on the menu and warn past what remains. */
export function qtyBySku(lines: readonly CartLine[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of lines) out[l.skuId] = (out[l.skuId] ?? 0) + l.qty;
  return out;
}

let lineCounter = 0;
/** A line id the phone chooses, so a retried add is harmless: `<diner>-<time>-<n>`. */
export function newLineId(dinerId: string, now = Date.now()): string {
  lineCounter = (lineCounter + 1) % 1000;
  return `${dinerId.replace(/[^A-Za-z0-9]/g, '').slice(-8)}-${now.toString(36)}-${lineCounter}`;
}
