/**
 * 砍价: a campaign's page (the dish, its start and floor prices), starting a bargain, a friend's
 * 砍一刀 from the share (the page opens with `code`, or from a scanned share QR with `q`; the cut
 * is decided on the server), the price
 * reached with each helper's cut, buying at it, and the share sheet.
 */
import { getContext } from '../../lib/app-context';
import { CAMPAIGN_PAGE_DATA, openCampaignPage, withNotice, type CampaignLaunch, type CampaignPageData } from '../../lib/campaign-page';
import { campaignsOf } from '../../lib/campaigns';
import type { Bargain } from '../../lib/campaign-types';
import { price } from '../../lib/money';
import { definePage } from '../../lib/page';

interface Data extends CampaignPageData {
  bargainId: string;
  title: string;
  floorText: string;
  priceText: string;
  helpers: { helperId: string; cutText: string }[];
  statusText: string;
  canStart: boolean;
  canHelp: boolean;
  canBuy: boolean;
  sharePath: string;
}

const STATUS: Record<Bargain['status'], string> = {
  none: '',
  active: '砍价中',
  locked: '已锁定价格，请尽快支付',
  bought: '购买成功',
  expired: '砍价已结束',
};

export const bargainPage = definePage<
  Data,
  {
    onLoad(q: CampaignLaunch & { bargain?: string }): Promise<void>;
    show(b: Bargain, mine: boolean): void;
    start(): Promise<void>;
    help(): Promise<void>;
    buy(): Promise<void>;
    onShareAppMessage(): { title: string; path: string };
  }
>({
  data: {
    ...CAMPAIGN_PAGE_DATA,
    bargainId: '',
    title: '',
    floorText: '',
    priceText: '',
    helpers: [],
    statusText: '',
    canStart: false,
    canHelp: false,
    canBuy: false,
    sharePath: '',
  },
  methods: {
    onLoad(query) {
      // Opened from a share's path, or from a scanned share QR (its URL as `q`).
      return openCampaignPage(this, 'bargain', query, async ({ store, campaignId, code }) => {
        const c = await campaignsOf(getContext()).bargainCampaign(store, campaignId);
        const t = c.terms!;
        this.setData({
          state: 'ready',
          title: t.name,
          priceText: price(t.startPriceFen),
          floorText: `最低可砍至 ${price(t.floorPriceFen)}`,
          canStart: c.open && code === null,
          canHelp: code !== null,
        });
        if (query.bargain !== undefined) this.show(await campaignsOf(getContext()).bargain(store, query.bargain), true);
      });
    },
    show(b, mine) {
      this.setData({
        bargainId: b.bargainId,
        priceText: price(b.priceFen),
        helpers: b.helpers.map((h, i) => ({ helperId: h.helperId, cutText: `好友 ${i + 1} 砍掉 ${price(h.cutFen)}` })),
        statusText: STATUS[b.status],
        canStart: false,
        canBuy: mine && (b.status === 'active' || b.status === 'locked'),
        sharePath: mine ? (b.share?.path ?? '') : '',
      });
    },
    start() {
      return withNotice(this, async () => {
        this.show(await campaignsOf(getContext()).startBargain(this.data.store, this.data.campaignId), true);
      });
    },
    help() {
      return withNotice(this, async () => {
        const b = await campaignsOf(getContext()).helpBargain(this.data.store, this.data.campaignId, this.data.code);
        this.show(b, false);
        this.setData({ canHelp: false, notice: `你帮好友砍掉了 ${price(b.helpers.at(-1)?.cutFen ?? 0)}` });
      });
    },
    buy() {
      const c = campaignsOf(getContext());
      return withNotice(this, async () => {
        await c.buyBargain(this.data.store, this.data.bargainId);
        this.show(await c.bargain(this.data.store, this.data.bargainId), true);
        this.setData({ notice: '支付成功' });
      });
    },
    onShareAppMessage() {
      return { title: `帮我砍一刀！${this.data.title} 现价 ${this.data.priceText}`, path: this.data.sharePath };
    },
  },
});
