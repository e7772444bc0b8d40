/**
 * `placeCampaign`: a group-buy member's or a bargain's purchase, placed already paid (the rule is
 * `campaign-order.ts`). Its own file so the order's command schema imports no decider.
 */
import { z } from 'zod';
import { AtSchema, IdSchema } from '../domain.js';
import { FenSchema } from '../money.js';

export const PlaceCampaignSchema = z.object({
  type: z.literal('placeCampaign'),
  /** The group or bargain the diner bought through. */
  source: z.strictObject({ kind: z.enum(['group', 'bargain']), id: IdSchema }),
  dinerId: z.string().min(1).max(64),
  skuId: IdSchema,
  qty: z.number().int().min(1).max(10),
  /** What the diner paid: the group price, or the price the bargain reached. */
  priceFen: FenSchema,
  paymentId: z.string().min(1).max(64),
  /**
   * WeChat Pay's out_trade_no the diner paid under (the seat's `gp_…`, the bargain's `bp_…`; 6 to 32
   * characters): the order's refunds go back against this trade, not the order id.
   */
  outTradeNo: z.string().regex(/^[A-Za-z0-9_*-]{6,32}$/),
  /**
   * The stock reference the group (its seat) or bargain sold the units under: a refund before the
   * kitchen has them returns them there. Absent in purchases sent before 6 Dec 2026 (then the
   * units stay sold, as before).
   */
  stockRef: z.string().min(1).max(80).optional(),
  paidAt: AtSchema,
  at: AtSchema,
});
export type PlaceCampaignCommand = z.output<typeof PlaceCampaignSchema>;
