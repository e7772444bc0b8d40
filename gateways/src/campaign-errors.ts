/**
 * How the refusals of group-buy, bargains, lotteries and share codes answer over HTTP, spread
 * into the one table (`ERROR_TABLE`, errors.ts). Group-buy and share codes keep their tables
 * beside their actors (`GROUPBUY_ERRORS`, `SHARE_CODE_ERRORS`); bargains and lotteries are
 * given theirs here.
 */
import {
  BargainErrorCode as B,
  GROUPBUY_ERRORS,
  LotteryErrorCode as L,
  SHARE_CODE_ERRORS,
} from '@lunchrush/actors/campaigns';

export const BARGAIN_ERRORS: Readonly<Record<(typeof B)[keyof typeof B], { status: number; description: string }>> = {
  [B.CampaignNotFound]: { status: 404, description: 'no such bargain campaign' },
  [B.CampaignExists]: { status: 409, description: 'a bargain campaign with this id is defined with other terms' },
  [B.CampaignNotOpen]: { status: 409, description: 'the bargain campaign is stopped or outside its window' },
  [B.BargainNotFound]: { status: 404, description: 'no such bargain' },
  [B.BargainExists]: { status: 409, description: 'a bargain with this id was started by someone else' },
  [B.SelfHelp]: { status: 403, description: 'a bargain cannot be helped by its own initiator' },
  [B.AlreadyHelped]: { status: 409, description: 'this diner helped this bargain already' },
  [B.DeviceAlreadyHelped]: { status: 409, description: 'this device helped this bargain already' },
  [B.HelpLimitReached]: {
    status: 429,
    description: "the helper's or the device's helps for today are used up; details.limit says which",
  },
  [B.FloorReached]: { status: 409, description: 'the floor price is reached: no more helps' },
  [B.BargainClosed]: { status: 409, description: 'the bargain ended (bought, or past its deadline)' },
  [B.AmountMismatch]: { status: 422, description: "the payment's amount differs from the price reached" },
  [B.UnknownPayment]: { status: 404, description: 'no such payment in this bargain' },
  [B.NothingDue]: { status: 409, description: 'the timer found nothing left to do' },
};

export const LOTTERY_ERRORS: Readonly<Record<(typeof L)[keyof typeof L], { status: number; description: string }>> = {
  [L.NotFound]: { status: 404, description: 'no such lottery' },
  [L.Exists]: { status: 409, description: 'a lottery with this id is defined with other prizes' },
  [L.NotOpen]: { status: 409, description: 'the lottery is outside its window' },
  [L.WrongEntry]: { status: 422, description: 'the lottery is entered another way (a paid order, points, or free)' },
  [L.EntryUsed]: { status: 409, description: 'this order (or points hold) has drawn already' },
  [L.EntryNotPaid]: { status: 409, description: "the order is not the diner's, or not paid (or refunded since)" },
  [L.DailyLimitReached]: { status: 429, description: 'the draws a diner may make today are used up' },
  [L.UnknownDraw]: { status: 404, description: 'no such draw' },
  [L.NothingToRedeem]: { status: 409, description: 'the draw won no item to redeem' },
};

/** Every campaign refusal, for `ERROR_TABLE`. */
export const CAMPAIGN_ERRORS = { ...GROUPBUY_ERRORS, ...BARGAIN_ERRORS, ...LOTTERY_ERRORS, ...SHARE_CODE_ERRORS };
