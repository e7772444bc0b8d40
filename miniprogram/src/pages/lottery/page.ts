/** 抽奖: a lottery's prizes and how many are left, and a draw decided on the server (free, or for points). */
import { getContext } from '../../lib/app-context';
import { campaignsOf } from '../../lib/campaigns';
import type { Lottery } from '../../lib/campaign-types';
import { wordsFor } from '../../lib/errors';
import { definePage } from '../../lib/page';

interface Data {
  state: 'loading' | 'ready' | 'error';
  error: string;
  store: string;
  lotteryId: string;
  name: string;
  prizes: { prizeId: string; name: string; leftText: string }[];
  /** A points lottery's cost ("每次消耗 40 积分"), empty for a free one. */
  costText: string;
  entry: 'free' | 'points';
  result: string;
}

function prizesOf(l: Lottery): Data['prizes'] {
  return l.prizes.map((p) => ({ prizeId: p.prizeId, name: p.name, leftText: p.left > 0 ? `剩余 ${p.left} 份` : '已抽完' }));
}

export const lotteryPage = definePage<
  Data,
  { onLoad(q: { store?: string; lottery?: string }): Promise<void>; draw(): Promise<void> }
>({
  data: {
    state: 'loading',
    error: '',
    store: '',
    lotteryId: '',
    name: '',
    prizes: [],
    costText: '',
    entry: 'free',
    result: '',
  },
  methods: {
    async onLoad(q) {
      const store = q.store ?? '';
      const lotteryId = q.lottery ?? '';
      this.setData({ store, lotteryId });
      try {
        const l = await campaignsOf(getContext()).lottery(store, lotteryId);
        const points = l.entry === 'points' && l.pointsCost !== null;
        this.setData({
          state: 'ready',
          name: l.name ?? '',
          prizes: prizesOf(l),
          entry: points ? 'points' : 'free',
          costText: points ? `每次消耗 ${l.pointsCost} 积分` : '',
        });
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    async draw() {
      try {
        const l = await campaignsOf(getContext()).draw(this.data.store, this.data.lotteryId, this.data.entry);
        const won = l.prizes.find((p) => p.prizeId === l.draw?.prizeId);
        const result = l.draw?.outcome === 'won' ? `恭喜抽中 ${won?.name ?? ''}！` : '很遗憾，没有中奖';
        this.setData({ prizes: prizesOf(l), result });
      } catch (e) {
        this.setData({ result: wordsFor(e) });
      }
    },
  },
});
