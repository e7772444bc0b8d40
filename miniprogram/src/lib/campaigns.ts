/**
 * Group-buy (拼团), bargains (砍价) and lotteries (抽奖): the gateway's routes under
 * `/v1/diner/stores/{store}/…` over the app's `Api`, logging in when the diner came from a share
 * and has no session yet (no table needed), paying a prepay (the simulator in a development
 * build, `wx.requestPayment` otherwise), and a group's live member count over the push socket
 * (`group:<groupId>`, `?store=` naming the store for a diner who is not seated).
 */
import { newIdempotencyKey } from './api';
import type { AppContext } from './app-context';
import type { Bargain, BargainCampaign, DinerGroup, GroupCampaign, GroupPush, Lottery, ShareLink } from './campaign-types';
import { ApiError } from './errors';
import { PushClient, pushUrl, wxSocketFactory, type SocketFactory } from './push';
import type { PrepayAnswer } from './types';
import { wxLogin, wxRequestPayment } from './wxp';

export class Campaigns {
  private push: PushClient | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly socket?: SocketFactory,
  ) {}

  private get api() {
    return this.ctx.api;
  }

  /** A diner opened a shared page without a session: log in (wx.login → code2session), no table. */
  async ensureLogin(): Promise<void> {
    if (this.api.token === null) await this.api.login(await wxLogin());
  }

  private async data<T>(method: 'GET' | 'POST', path: string, body?: unknown, extra?: Record<string, string>): Promise<T> {
    await this.ensureLogin();
    return (await this.api.call<T>(method, path, body, extra)).data;
  }

  /** A scanned share QR (`q`: the `/share?c=` URL WeChat hands the page): where it goes, and its code. */
  async shareLink(q: string): Promise<ShareLink & { code: string }> {
    const m = /[?&]c=([^&#]+)/.exec(decodeURIComponent(q));
    if (m === null) throw new ApiError('share_code_invalid', 'not a share link', 400);
    const code = decodeURIComponent(m[1]!);
    const link = await this.data<ShareLink>('GET', `/share?c=${encodeURIComponent(code)}`);
    return { ...link, code };
  }

  groupCampaign(store: string, campaignId: string): Promise<GroupCampaign> {
    return this.data('GET', `/v1/diner/stores/${store}/group-buys/${campaignId}`);
  }

  openGroup(store: string, campaignId: string, key = newIdempotencyKey()): Promise<DinerGroup> {
    return this.data('POST', `/v1/diner/stores/${store}/group-buys/${campaignId}/groups`, undefined, { 'idempotency-key': key });
  }

  joinGroup(store: string, campaignId: string, shareCode: string): Promise<DinerGroup> {
    return this.data('POST', `/v1/diner/stores/${store}/group-buys/${campaignId}/join`, { shareCode });
  }

  group(store: string, groupId: string): Promise<DinerGroup> {
    return this.data('GET', `/v1/diner/stores/${store}/groups/${groupId}`);
  }

  async payGroup(store: string, groupId: string): Promise<void> {
    await this.pay(await this.data<PrepayAnswer>('POST', `/v1/diner/stores/${store}/groups/${groupId}/pay`));
  }

  bargainCampaign(store: string, campaignId: string): Promise<BargainCampaign> {
    return this.data('GET', `/v1/diner/stores/${store}/bargain-campaigns/${campaignId}`);
  }

  startBargain(store: string, campaignId: string, key = newIdempotencyKey()): Promise<Bargain> {
    return this.data('POST', `/v1/diner/stores/${store}/bargain-campaigns/${campaignId}/bargains`, undefined, {
      'idempotency-key': key,
    });
  }

  /** 砍一刀: the device id travels as X-Device-Id (the app sends it on every request). */
  helpBargain(store: string, campaignId: string, shareCode: string): Promise<Bargain> {
    return this.data('POST', `/v1/diner/stores/${store}/bargain-campaigns/${campaignId}/help`, { shareCode });
  }

  bargain(store: string, bargainId: string): Promise<Bargain> {
    return this.data('GET', `/v1/diner/stores/${store}/bargains/${bargainId}`);
  }

  async buyBargain(store: string, bargainId: string): Promise<void> {
    await this.data('POST', `/v1/diner/stores/${store}/bargains/${bargainId}/checkout`);
    await this.pay(await this.data<PrepayAnswer>('POST', `/v1/diner/stores/${store}/bargains/${bargainId}/pay`));
  }

  lottery(store: string, lotteryId: string): Promise<Lottery> {
    return this.data('GET', `/v1/diner/stores/${store}/lotteries/${lotteryId}`);
  }

  /** A free draw, or one paid with the lottery's points cost from the member card (`points`). */
  draw(store: string, lotteryId: string, entry: 'free' | 'points' = 'free', key = newIdempotencyKey()): Promise<Lottery> {
    return this.data('POST', `/v1/diner/stores/${store}/lotteries/${lotteryId}/draw`, { entry: { kind: entry } }, { 'idempotency-key': key });
  }

  private async pay(p: PrepayAnswer): Promise<void> {
    if (this.ctx.env.paySimulator && p.simulator !== undefined) {
      const r = await this.api.simulatePay(p.simulator.payUrl, p.simulator.body);
      if (r.callbackStatus >= 300) throw new ApiError('payment_failed', `callback answered ${r.callbackStatus}`, 0);
      return;
    }
    await wxRequestPayment(p.requestPayment);
  }

  /** The group's counts, live (snapshot, then each change); returns what stops following. */
  followGroup(store: string, groupId: string, on: (p: GroupPush) => void): () => void {
    const topic = `group:${groupId}`;
    this.push ??= new PushClient({
      url: `${pushUrl(this.api.baseUrl)}?store=${store}`,
      token: () => this.api.token ?? '',
      socket: this.socket ?? wxSocketFactory(),
    });
    this.push.subscribe<GroupPush, GroupPush>(topic, { snapshot: on, delta: on });
    return () => this.push?.unsubscribe(topic);
  }

  close(): void {
    this.push?.close();
    this.push = null;
  }
}

const byContext = new WeakMap<AppContext, Campaigns>();
/** The app's one `Campaigns` (its push socket shared by the pages that follow groups). */
export function campaignsOf(ctx: AppContext): Campaigns {
  let c = byContext.get(ctx);
  if (c === undefined) byContext.set(ctx, (c = new Campaigns(ctx, ctx.opts.socket)));
  return c;
}
