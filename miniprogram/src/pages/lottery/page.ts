/** 抽奖: a lottery's prizes and how many are left, and a draw decided on the server (a free entry). */
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
  result: string;
}

function prizesOf(l: Lottery): Data['prizes'] {
  return l.prizes.map((p) => ({ prizeId: p.prizeId, name: p.name, leftText: p.left > 0 ? `剩余 ${p.left} 份` : '已抽完' }));
}

export const lotteryPage = definePage<
  Data,
  { onLoad(q: { store?: string; lottery?: string }): Promise<void>; draw(): Promise<void> }
>({
  data: { state: 'loading', error: '', store: '', lotteryId: '', name: '', prizes: [], result: '' },
  methods: {
    async onLoad(q) {
      const store = q.store ?? '';
      const lotteryId = q.lottery ?? '';
      this.setData({ store, lotteryId });
      try {
        const l = await campaignsOf(getContext()).lottery(store, lotteryId);
        this.setData({ state: 'ready', name: l.name ?? '', prizes: prizesOf(l) });
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    async draw() {
      try {
        const l = await campaignsOf(getContext()).draw(this.data.store, this.data.lotteryId);
        const won = l.prizes.find((p) => p.prizeId === l.draw?.prizeId);
        const result = l.draw?.outcome === 'won' ? `恭喜抽中 ${won?.name ?? ''}！` : '很遗憾，没有中奖';
        this.setData({ prizes: prizesOf(l), result });
      } catch (e) {
        this.setData({ result: wordsFor(e) });
      }
    },
  },
});
