/**
 * 拼团: a campaign's page (the dish, the group price, N people within the time limit), opening a
 * group and paying the leader's place, joining a friend's group from their share (the page opens
 * with `code`), the member count live over the push, and the share sheet (`onShareAppMessage`:
 * the group's sealed code in the page path).
 */
import { getContext } from '../../lib/app-context';
import { CAMPAIGN_PAGE_DATA, openCampaignPage, withNotice, type CampaignLaunch, type CampaignPageData } from '../../lib/campaign-page';
import { campaignsOf } from '../../lib/campaigns';
import type { DinerGroup, GroupPush, GroupStatus } from '../../lib/campaign-types';
import { price } from '../../lib/money';
import { definePage } from '../../lib/page';

interface Data extends CampaignPageData {
  groupId: string;
  title: string;
  priceText: string;
  sizeText: string;
  members: number;
  size: number;
  statusText: string;
  canOpen: boolean;
  canJoin: boolean;
  canPay: boolean;
  sharePath: string;
  /** What a printed QR of the share carries. */
  shareUrl: string;
}

const STATUS: Record<GroupStatus, string> = {
  none: '',
  forming: '等待团长付款',
  open: '拼团中',
  completed: '拼团成功',
  refunding: '拼团未成功，退款中',
  refunded: '拼团未成功，已原路退款',
};

function statusText(status: GroupStatus, members: number, size: number): string {
  return status === 'open' ? `拼团中，还差 ${Math.max(0, size - members)} 人` : STATUS[status];
}

/** Each open page's push subscription, to stop on unload. */
const following = new WeakMap<object, () => void>();

export const groupPage = definePage<
  Data,
  {
    onLoad(q: CampaignLaunch & { group?: string }): Promise<void>;
    onUnload(): void;
    show(g: DinerGroup): void;
    follow(groupId: string): void;
    openGroup(): Promise<void>;
    join(): Promise<void>;
    pay(): Promise<void>;
    onShareAppMessage(): { title: string; path: string };
  }
>({
  data: {
    ...CAMPAIGN_PAGE_DATA,
    groupId: '',
    title: '',
    priceText: '',
    sizeText: '',
    members: 0,
    size: 0,
    statusText: '',
    canOpen: false,
    canJoin: false,
    canPay: false,
    sharePath: '',
    shareUrl: '',
  },
  methods: {
    onLoad(query) {
      return openCampaignPage(this, 'group', query, async ({ store, campaignId, code }) => {
        const c = await campaignsOf(getContext()).groupCampaign(store, campaignId);
        const t = c.terms!;
        this.setData({
          state: 'ready',
          title: t.name,
          priceText: price(t.groupPriceFen),
          sizeText: `${t.size} 人成团，${Math.round(t.timeLimitMs / 60_000)} 分钟内有效`,
          size: t.size,
          canOpen: c.open && code === null,
          canJoin: code !== null,
        });
        if (query.group !== undefined) this.show(await campaignsOf(getContext()).group(store, query.group));
      });
    },
    onUnload() {
      following.get(this)?.();
      following.delete(this);
    },
    show(g) {
      this.setData({
        groupId: g.groupId,
        members: g.members,
        size: g.size,
        statusText: statusText(g.status, g.members, g.size),
        canOpen: false,
        canJoin: false,
        canPay: g.mine?.status === 'held' && (g.status === 'forming' || g.status === 'open'),
        sharePath: g.share?.path ?? '',
        shareUrl: g.share?.url ?? '',
      });
      if (!following.has(this)) this.follow(g.groupId);
    },
    follow(groupId) {
      const off = campaignsOf(getContext()).followGroup(this.data.store, groupId, (p: GroupPush) =>
        this.setData({ members: p.members, statusText: statusText(p.status, p.members, p.size) }),
      );
      following.set(this, off);
    },
    openGroup() {
      return withNotice(this, async () => {
        this.show(await campaignsOf(getContext()).openGroup(this.data.store, this.data.campaignId));
        await this.pay();
      });
    },
    join() {
      return withNotice(this, async () => {
        this.show(await campaignsOf(getContext()).joinGroup(this.data.store, this.data.campaignId, this.data.code));
        await this.pay();
      });
    },
    pay() {
      const c = campaignsOf(getContext());
      return withNotice(this, async () => {
        await c.payGroup(this.data.store, this.data.groupId);
        this.show(await c.group(this.data.store, this.data.groupId));
        this.setData({ notice: '支付成功，快邀请好友参团吧' });
      });
    },
    onShareAppMessage() {
      return { title: `${this.data.priceText} ${this.data.title}，就差你了！`, path: this.data.sharePath };
    },
  },
});
