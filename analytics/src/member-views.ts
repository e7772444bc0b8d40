/**
 * Views of members, coupons and stored value, read from the member, campaign and order events in
 * `events` (their fields in `payload`):
 *
 * - `coupons`: per campaign, coupons issued in the range, redeemed (a paid order's `coupon:` discount
 *   line), the redeem rate and the revenue given away (what those lines took off);
 * - `members`: per member level (the latest `LevelChanged`, 0 without one), members with a paid order in
 *   the range, those with two or more (repeat purchase rate), their spend (cash and stored value) and
 *   spend per member;
 * - `liability`: per day, stored value topped up (with bonuses), spent by paid orders, given back by
 *   refunds, and the balance owed to members at the day's end (every card's stored value).
 *
 * Members and campaigns live in partitions of their own, so `store` narrows only the orders of
 * `coupons`. Merged into the views of `queries.ts` (same parameters, `/api/<view>` and the CLI).
 */
import { TZ } from './schema.js';

const ZERO = `toDateTime64(0, 3, '${TZ}')`;
const STORE = `({store:String} = '' OR store = {store:String})`;
const IN_RANGE = (col: string): string => `toDate(${col}) BETWEEN {from:Date} AND {to:Date}`;
const int = (field: string): string => `JSONExtractInt(payload, '${field}')`;

/** Orders paid (at any time), by id. */
const PAID_ORDERS = `(SELECT order_id FROM orders GROUP BY order_id HAVING max(paid_at) > ${ZERO})`;

/** Every coupon discount line of an order created in the range: its campaign and what it took off. */
const COUPON_LINES = `(
  SELECT order_id, JSONExtractString(d, 'id') AS line_id, JSONExtractInt(d, 'amountFen') AS amount_fen,
         splitByChar('-', substring(line_id, 8))[1] AS campaign
  FROM (SELECT order_id, arrayJoin(JSONExtractArrayRaw(payload, 'discounts')) AS d
        FROM events FINAL
        WHERE actor_type = 'order' AND type = 'Created' AND ${STORE} AND ${IN_RANGE('ts')})
  WHERE startsWith(line_id, 'coupon:'))`;

/** Stored-value moves of every card up to the range's end: +top-ups, −holds, +releases, +refunds. */
const BALANCE_MOVES = `(
  SELECT toDate(ts) AS day, type,
         multiIf(type = 'ToppedUp', ${int('amountFen')} + ${int('bonusFen')},
                 type = 'Held', -(${int('principalFen')} + ${int('bonusFen')}),
                 ${int('principalFen')} + ${int('bonusFen')}) AS delta
  FROM events FINAL
  WHERE actor_type = 'member' AND type IN ('ToppedUp', 'Held', 'RefundReturned') AND toDate(ts) <= {to:Date}
  UNION ALL
  SELECT toDate(r.ts) AS day, 'HoldReleased' AS type, h.held AS delta
  FROM (SELECT actor_id, JSONExtractString(payload, 'orderId') AS order_id, ts
        FROM events FINAL WHERE actor_type = 'member' AND type = 'HoldReleased' AND toDate(ts) <= {to:Date}) AS r
  INNER JOIN (SELECT actor_id, JSONExtractString(payload, 'orderId') AS order_id,
                     argMax(${int('principalFen')} + ${int('bonusFen')}, ts) AS held
              FROM events FINAL WHERE actor_type = 'member' AND type = 'Held'
              GROUP BY actor_id, order_id) AS h
    ON h.actor_id = r.actor_id AND h.order_id = r.order_id)`;

export const MEMBER_SQL = {
  coupons: `
    WITH issued AS (
      SELECT actor_id AS campaign, count() AS issued
      FROM events FINAL
      WHERE actor_type = 'campaign' AND type = 'CouponIssued' AND ${IN_RANGE('ts')}
      GROUP BY campaign),
    redeemed AS (
      SELECT campaign, count() AS redeemed, sum(amount_fen) AS given_away_fen
      FROM ${COUPON_LINES} WHERE order_id IN ${PAID_ORDERS}
      GROUP BY campaign)
    SELECT campaign, issued, redeemed, round(redeemed / greatest(issued, 1), 4) AS redeem_rate, given_away_fen
    FROM (SELECT campaign FROM issued UNION DISTINCT SELECT campaign FROM redeemed) AS c
    LEFT JOIN issued AS i USING (campaign)
    LEFT JOIN redeemed AS r USING (campaign)
    ORDER BY issued DESC, campaign
    LIMIT {limit:UInt32}`,

  members: `
    WITH settled AS (
      SELECT actor_id AS member, count() AS orders, sum(${int('paidFen')}) AS spend
      FROM events FINAL
      WHERE actor_type = 'member' AND type = 'OrderSettled' AND ${IN_RANGE('ts')}
      GROUP BY member),
    levels AS (
      SELECT actor_id AS member, argMax(${int('to')}, ts) AS level
      FROM events FINAL WHERE actor_type = 'member' AND type = 'LevelChanged' AND toDate(ts) <= {to:Date}
      GROUP BY member)
    SELECT l.level AS level, count() AS members, countIf(s.orders >= 2) AS repeat_members,
           round(repeat_members / members, 4) AS repeat_rate, sum(s.spend) AS spend_fen,
           intDiv(spend_fen, members) AS spend_per_member_fen
    FROM settled AS s LEFT JOIN levels AS l ON l.member = s.member
    GROUP BY level
    ORDER BY level`,

  liability: `
    SELECT day, topped_up_fen, spent_fen, returned_fen, owed_fen
    FROM (
      SELECT day, sumIf(delta, type = 'ToppedUp') AS topped_up_fen, -sumIf(delta, type = 'Held') AS spent_fen,
             sumIf(delta, type IN ('HoldReleased', 'RefundReturned')) AS returned_fen,
             sum(sum(delta)) OVER (ORDER BY day) AS owed_fen
      FROM ${BALANCE_MOVES}
      GROUP BY day)
    WHERE day BETWEEN {from:Date} AND {to:Date}
    ORDER BY day`,
} as const;

export const MEMBER_VIEW_HELP: Record<keyof typeof MEMBER_SQL, string> = {
  coupons: 'per campaign: coupons issued, redeemed in paid orders, redeem rate, revenue given away',
  members: 'per member level: members who paid, repeat-purchase rate, spend and spend per member',
  liability: 'stored value per day: topped up (with bonuses), spent, given back, balance owed at day end',
};
