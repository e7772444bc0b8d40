/**
 * Group-buy refusals (HTTP statuses in `GROUPBUY_ERRORS`, which the gateway lists
 * whole when its routes land). Stock refusals (`sold_out`) and malformed
 * commands (`invalid_command`) keep the domain's codes.
 */
export const GroupBuyErrorCode = {
  CampaignNotFound: 'group_campaign_not_found',
  CampaignExists: 'group_campaign_exists',
  CampaignNotOpen: 'group_campaign_not_open',
  GroupNotFound: 'group_not_found',
  GroupExists: 'group_exists',
  /** The leader has not paid yet: nobody may join a group that is not open. */
  GroupNotOpen: 'group_not_open',
  GroupFull: 'group_full',
  GroupExpired: 'group_expired',
  /** Completed or refunded: nothing more joins, leaves or dissolves it. */
  GroupClosed: 'group_closed',
  NotAMember: 'group_not_a_member',
  /** The member holds (or bought) as many seats of the campaign as its per-member limit. */
  MemberLimit: 'group_member_limit',
  AmountMismatch: 'group_amount_mismatch',
  UnknownPayment: 'group_unknown_payment',
  /** A timer that finds nothing left to do (spent). */
  NothingDue: 'group_nothing_due',
} as const;
export type GroupBuyErrorCode = (typeof GroupBuyErrorCode)[keyof typeof GroupBuyErrorCode];

export const GROUPBUY_ERRORS: Readonly<Record<GroupBuyErrorCode, { status: number; description: string }>> = {
  group_campaign_not_found: { status: 404, description: 'no such group-buy campaign' },
  group_campaign_exists: { status: 409, description: 'a group-buy campaign with this id is defined already' },
  group_campaign_not_open: { status: 409, description: 'the campaign is stopped or outside its window' },
  group_not_found: { status: 404, description: 'no such group' },
  group_exists: { status: 409, description: 'a group with this id was opened by someone else' },
  group_not_open: { status: 409, description: "the group's leader has not paid yet" },
  group_full: { status: 409, description: 'every place in the group is taken' },
  group_expired: { status: 409, description: "the group's time limit has passed" },
  group_closed: { status: 409, description: 'the group is completed or refunded' },
  group_not_a_member: { status: 404, description: 'this diner holds no place in the group' },
  group_member_limit: { status: 409, description: "this diner holds as many of the campaign's places as one may" },
  group_amount_mismatch: { status: 422, description: "the payment's amount differs from the group price" },
  group_unknown_payment: { status: 404, description: 'no such payment in this group' },
  group_nothing_due: { status: 409, description: 'the timer found nothing left to do' },
};
