/** 会员中心: the member card (level, points, stored value), its coupons, the daily check-in, joining. */
import { getContext } from '../../lib/app-context';
import { wordsFor } from '../../lib/errors';
import { price } from '../../lib/money';
import { definePage } from '../../lib/page';
import type { MemberCard } from '../../lib/types';

interface CouponView {
  couponId: string;
  name: string;
  statusText: string;
  until: string;
  usable: boolean;
}

interface Data {
  state: 'loading' | 'ready' | 'join' | 'error';
  error: string;
  notice: string;
  levelName: string;
  pointsText: string;
  balanceText: string;
  streakText: string;
  coupons: CouponView[];
}

const STATUS: Record<string, string> = { available: '可使用', held: '下单占用中', used: '已使用', expired: '已过期' };

/** `M月D日` of an instant, in China time. */
function day(ms: number): string {
  const d = new Date(ms + 8 * 3_600_000);
  return `${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}

function cardData(c: MemberCard): Partial<Data> {
  return {
    state: 'ready',
    levelName: c.levelName,
    pointsText: String(c.points),
    balanceText: price(c.balanceFen),
    streakText: c.checkIn.streak > 0 ? `已连续签到 ${c.checkIn.streak} 天` : '今天还没签到',
    coupons: c.coupons.map((x) => ({
      couponId: x.couponId,
      name: x.terms.name,
      statusText: STATUS[x.status] ?? x.status,
      until: `${day(x.validTo)}前有效`,
      usable: x.status === 'available',
    })),
  };
}

export const memberPage = definePage<Data, {
  onShow(): Promise<void>;
  load(): Promise<void>;
  join(): Promise<void>;
  checkIn(): Promise<void>;
  topUp(): Promise<void>;
  openCoupons(): void;
}>({
  data: {
    state: 'loading',
    error: '',
    notice: '',
    levelName: '',
    pointsText: '',
    balanceText: '',
    streakText: '',
    coupons: [],
  },
  methods: {
    async onShow() {
      await this.load();
    },
    async load() {
      this.setData({ state: 'loading', error: '' });
      try {
        const c = await getContext().api.member();
        this.setData(c.enrolled ? cardData(c) : { state: 'join' });
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    async join() {
      try {
        const c = await getContext().api.enroll();
        this.setData({ ...cardData(c), notice: `欢迎加入，送你 ${c.earnedPoints ?? 0} 积分` });
      } catch (e) {
        this.setData({ state: 'error', error: wordsFor(e) });
      }
    },
    async checkIn() {
      try {
        const c = await getContext().api.checkIn();
        this.setData({ ...cardData(c), notice: `签到成功，+${c.earnedPoints ?? 0} 积分` });
      } catch (e) {
        this.setData({ notice: wordsFor(e) });
      }
    },
    /** 充值 500 元 (送 50): WeChat Pay, then the card as the callback left it. */
    async topUp() {
      try {
        await getContext().topUp(50_000);
        const c = await getContext().api.member();
        this.setData({ ...cardData(c), notice: '充值成功' });
      } catch (e) {
        this.setData({ notice: wordsFor(e) });
      }
    },
    openCoupons() {
      void wx.navigateTo({ url: '/pages/coupons/index' });
    },
  },
});
