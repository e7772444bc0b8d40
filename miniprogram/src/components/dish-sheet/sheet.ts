/**
 * The dish sheet: spec (SKU) and option groups of one dish, quantity, price as
 * chosen, allergens, calories and prep time; sold-out specs and switched-off
 * choices are shown but cannot be picked. Emits `add` with {skuId, qty, picks}.
 */
import { defaultSelection, selectionFen, selectionProblems, toggleChoice, type Selection } from '../../lib/cart';
import { delta, price } from '../../lib/money';
import { definePage, type TapEvent } from '../../lib/page';
import type { SkuStock, Spu } from '../../lib/types';

interface Data {
  spu: Spu | null;
  stock: Record<string, SkuStock>;
  show: boolean;
  sel: Selection | null;
  specs: { skuId: string; label: string; priceText: string; active: boolean; soldOut: boolean; remaining: string }[];
  groups: {
    id: string;
    name: string;
    rule: string;
    problem: string;
    choices: { id: string; name: string; deltaText: string; active: boolean; off: boolean }[];
  }[];
  totalText: string;
  canAdd: boolean;
  blockText: string;
  facts: string[];
}

export const dishSheet = definePage<Data, {
  render(sel: Selection): void;
  pickSpec(e: TapEvent<{ sku: string }>): void;
  pickChoice(e: TapEvent<{ group: string; choice: string }>): void;
  inc(): void;
  dec(): void;
  add(): void;
  close(): void;
  noop(): void;
}>({
  properties: {
    spu: { type: Object, value: null },
    stock: { type: Object, value: {} },
    show: { type: Boolean, value: false },
  },
  data: {
    spu: null,
    stock: {},
    show: false,
    sel: null,
    specs: [],
    groups: [],
    totalText: '',
    canAdd: false,
    blockText: '',
    facts: [],
  },
  observers: {
    // A stock push while the sheet is open keeps the diner's choices; another dish starts afresh.
    'spu, stock'(spu: Spu | null) {
      if (!spu) return;
      const sel = this.data.sel;
      this.render(sel !== null && spu.skus.some((k) => k.skuId === sel.skuId) ? sel : defaultSelection(spu, this.data.stock));
    },
  },
  methods: {
    render(sel: Selection) {
      const spu = this.data.spu;
      if (spu === null) return;
      const stock = this.data.stock;
      const problems = selectionProblems(spu, sel);
      const skuOut = stock[sel.skuId]?.level === 'out';
      const available = stock[sel.skuId]?.available;
      const tooMany = available !== undefined && sel.qty > available;
      this.setData({
        sel,
        specs: spu.skus.map((k) => {
          const s = stock[k.skuId];
          return {
            skuId: k.skuId,
            label: k.spec === '' ? '标准' : k.spec,
            priceText: price(k.priceFen),
            active: k.skuId === sel.skuId,
            soldOut: s?.level === 'out',
            remaining: s !== undefined && s.level === 'low' ? `剩${s.available}` : '',
          };
        }),
        groups: spu.optionGroups.map((g) => ({
          id: g.id,
          name: g.name,
          rule: g.min >= 1 ? (g.max === 1 ? '必选' : `必选${g.min}-${g.max}项`) : g.max === 1 ? '可选' : `最多${g.max}项`,
          problem: problems.find((p) => p.groupId === g.id)?.message ?? '',
          choices: g.choices.map((c) => ({
            id: c.id,
            name: c.name,
            deltaText: delta(c.priceDeltaFen),
            active: (sel.picks[g.id] ?? []).includes(c.id),
            off: !c.available,
          })),
        })),
        totalText: price(selectionFen(spu, sel)),
        canAdd: problems.length === 0 && !skuOut && !tooMany && spu.available,
        blockText: skuOut || !spu.available ? '已售罄' : tooMany ? `仅剩 ${available} 份` : (problems[0]?.message ?? ''),
        facts: [
          spu.caloriesKcal === undefined ? '' : `${spu.caloriesKcal} 千卡`,
          `约 ${Math.max(1, Math.round(spu.prepTimeSec / 60))} 分钟`,
          spu.allergens.length > 0 ? `过敏原：${spu.allergens.join('、')}` : '',
        ].filter((x) => x !== ''),
      });
    },
    pickSpec(e) {
      const sel = this.data.sel;
      if (sel === null || this.data.stock[e.currentTarget.dataset.sku]?.level === 'out') return;
      this.render({ ...sel, skuId: e.currentTarget.dataset.sku });
    },
    pickChoice(e) {
      const { spu, sel } = this.data;
      if (spu === null || sel === null) return;
      this.render(toggleChoice(spu, sel, e.currentTarget.dataset.group, e.currentTarget.dataset.choice));
    },
    inc() {
      const sel = this.data.sel;
      if (sel !== null && sel.qty < 99) this.render({ ...sel, qty: sel.qty + 1 });
    },
    dec() {
      const sel = this.data.sel;
      if (sel !== null && sel.qty > 1) this.render({ ...sel, qty: sel.qty - 1 });
    },
    add() {
      if (!this.data.canAdd || this.data.sel === null) return;
      this.triggerEvent('add', { spuId: this.data.spu?.spuId, sel: this.data.sel });
    },
    close() {
      this.triggerEvent('close');
    },
    noop() {},
  },
});
