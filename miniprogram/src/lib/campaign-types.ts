/** The group-buy, bargain and lottery answers as the phone reads them (a mirror of `/openapi.json`). */
export interface Share {
  code: string;
  /** The page the share sheet opens (`/pages/group/index?store=…&campaign=…&code=…`). */
  path: string;
  /** What a printed share QR carries (`<gateway>/share?c=…`; WeChat opens the page with it as `q`). */
  url: string;
  expiresAt: number;
}

export interface GroupTerms {
  name: string;
  skuId: string;
  qty: number;
  groupPriceFen: number;
  size: number;
  timeLimitMs: number;
  autoFill: boolean;
  perMemberLimit: number;
  openFrom: number;
  openTo: number;
}

export interface GroupCampaign {
  campaignId: string;
  terms: GroupTerms | null;
  stopped: boolean;
  open: boolean;
}

export type GroupStatus = 'none' | 'forming' | 'open' | 'completed' | 'refunding' | 'refunded';

export interface DinerGroup {
  groupId: string;
  campaignId: string | null;
  status: GroupStatus;
  size: number;
  members: number;
  paid: number;
  priceFen: number;
  deadline: number;
  failure: string | null;
  mine: { status: 'held' | 'paid'; leader: boolean } | null;
  version: number;
  share?: Share;
}

/** `group:<groupId>` snapshots and deltas: counts only. */
export interface GroupPush {
  kind: 'group';
  groupId: string;
  status: GroupStatus;
  members: number;
  paid: number;
  size: number;
  seq: number;
}

export interface BargainCampaign {
  campaignId: string;
  terms: { name: string; skuId: string; startPriceFen: number; floorPriceFen: number; helpersToFloor: number; timeLimitMs: number } | null;
  stopped: boolean;
  open: boolean;
}

export interface Bargain {
  bargainId: string;
  campaignId: string | null;
  status: 'none' | 'active' | 'locked' | 'bought' | 'expired';
  initiator: string | null;
  startPriceFen: number;
  floorPriceFen: number;
  priceFen: number;
  helpers: { helperId: string; cutFen: number }[];
  deadline: number;
  share?: Share;
}

export interface Lottery {
  lotteryId: string;
  name: string | null;
  /** How a draw is entered; a points entry costs `pointsCost` points of the member card. */
  entry: 'order' | 'points' | 'free' | null;
  pointsCost: number | null;
  prizes: { prizeId: string; name: string; quantity: number; left: number; oddsBp: number }[];
  drawn: number;
  draw?: { drawId: string; prizeId: string | null; outcome: 'won' | 'none' | 'exhausted'; redeemed: boolean };
}

/** `GET /share?c=`: where a scanned share QR goes. */
export interface ShareLink {
  kind: 'group' | 'bargain' | 'lottery';
  store: string;
  campaignId: string;
  targetId: string;
  expiresAt: number;
  path: string;
}
