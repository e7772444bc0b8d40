/** 领券中心: the chain's campaigns, what each has left, and claiming one onto the member card. */
import { getContext } from '../../lib/app-context';
import { wordsFor } from '../../lib/errors';
import { definePage, type TapEvent } from '../../lib/page';
import type { Campaign } from '../../lib/types';

interface CampaignView {
  campaignId: string;
  name: string;
  couponName: string;
  leftText: string;
  action: string;
  canClaim: boolean;
}

interface Data {
  state: 'loading' | 'ready' | 'error';
  error: string;
  notice: string;
  campaigns: CampaignView[];
}

function view(c: Campaign, claimed: ReadonlySet<string>): CampaignView {
  const done = claimed.has(c.campaignId);
  const gone = c.remaining === 0;
  return {
    campaignId: c.campaignId,
    name: c.name ?? c.campaignId,
    couponName: c.def?.terms.name ?? '',
    leftText: gone ? '已抢光' : `剩余 ${c.remaining} 张`,
    action: done ? '已领取' : gone ? '已抢光' : c.open ? '立即领取' : '未开始',
    canClaim: !done && !gone && c.open,
  };
}

export const couponsPage = definePage<Data, {
  onShow(): Promise<void>;
  load(): Promise<void>;
  claim(e: TapEvent<{ id: string; can: boolean | string }>): Promise<void>;
}>({
  data: { state: 'loading', error: '', notice: '', campaigns: [] },
  methods: {
    async onShow() {
      await this.load();
    },
    async load() {
      const ctx = getContext();
      this.setData({ state: 'loading', error: '' });
      try {
        const [campaigns, card] = await Promise.all([ctx.api.couponCentre(), ctx.api.member()]);
        const claimed = new Set(card.coupons.map((c) => c.campaignId));
        this.setData({ state: 'ready', campaigns: campaigns.map((c) => view(c, claimed)) });
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    async claim(e) {
      const { id, can } = e.currentTarget.dataset;
      if (can === false || can === 'false') return;
      try {
        await getContext().api.claim(id);
        this.setData({ notice: '领取成功，下单时自动使用最优惠的券' });
      } catch (err) {
        this.setData({ notice: wordsFor(err) });
      }
      const notice = this.data.notice;
      await this.load();
      this.setData({ notice });
    },
  },
});
