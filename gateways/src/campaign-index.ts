/**
 * Which group-buy, bargain and lottery campaigns a store has, and which groups a campaign
 * opened: lists the gateway keeps in Redis (off the order path) so a diner's campaign page and
 * the staff's live groups can find the actors to read. The actors stay the truth: a listed id
 * the engine never defined reads as not found and is skipped.
 */
import type { Redis } from 'ioredis';

export type CampaignKind = 'groupbuy' | 'bargain' | 'lottery';

/** Groups a staff list shows at most (newest first). */
export const MAX_LISTED_GROUPS = 200;

export class CampaignIndex {
  constructor(
    private readonly redis: Redis,
    /** `<namespace>:gw`. */
    private readonly prefix: string,
  ) {}

  private campaignsKey(store: string, kind: CampaignKind): string {
    return `${this.prefix}:campaigns:${store}:${kind}`;
  }

  private groupsKey(store: string, campaignId: string): string {
    return `${this.prefix}:groups:${store}:${campaignId}`;
  }

  async addCampaign(store: string, kind: CampaignKind, id: string): Promise<void> {
    await this.redis.sadd(this.campaignsKey(store, kind), id);
  }

  async campaigns(store: string, kind: CampaignKind): Promise<string[]> {
    return (await this.redis.smembers(this.campaignsKey(store, kind))).sort();
  }

  async groupOpened(store: string, campaignId: string, groupId: string, at: number): Promise<void> {
    await this.redis.zadd(this.groupsKey(store, campaignId), 'NX', at, groupId);
  }

  /** The campaign's latest groups, newest first. */
  async groups(store: string, campaignId: string): Promise<string[]> {
    return this.redis.zrevrange(this.groupsKey(store, campaignId), 0, MAX_LISTED_GROUPS - 1);
  }
}
