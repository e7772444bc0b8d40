/**
 * Views of group-buy, bargains and lotteries, read from their actors' events in `events` (their fields
 * in `payload`; a group's or bargain's campaign is named only by its first event, so later events are
 * joined to it by the actor id):
 *
 * - `groupbuy`: the funnel per campaign of groups opened in the range: opened, members who joined
 *   through a share (seats with an inviter), completed, failed (expired, dissolved, leader unpaid),
 *   payments refunded and paid back, the completion rate;
 * - `bargains`: per campaign of bargains started in the range: started, helps, bargains that reached
 *   their floor, bought, the completion rate (bought / started) and what the bought ones took off;
 * - `lotteries`: per lottery and prize (a row with no prize for the draws that won none): draws,
 *   prizes awarded (the lottery's cost in prizes), draws that landed on a prize already gone.
 *
 * Merged into the views of `queries.ts` (same parameters, `/api/<view>` and the CLI).
 */

const STORE = `({store:String} = '' OR store = {store:String})`;
const IN_RANGE = `toDate(ts) BETWEEN {from:Date} AND {to:Date}`;

/** The campaign of every group or bargain started in the range, by its actor id. */
const STARTED = (actor: string, type: string): string => `(
  SELECT actor_id, JSONExtractString(payload, 'campaignId') AS campaign
  FROM events FINAL
  WHERE actor_type = '${actor}' AND type = '${type}' AND ${STORE} AND ${IN_RANGE})`;

export const CAMPAIGN_SQL = {
  groupbuy: `
    WITH g AS ${STARTED('group', 'GroupOpened')},
    e AS (
      SELECT g.campaign AS campaign, e.actor_id AS group_id, e.type AS type, e.payload AS payload
      FROM events AS e FINAL INNER JOIN g ON g.actor_id = e.actor_id
      WHERE e.actor_type = 'group')
    SELECT campaign,
           uniqExactIf(group_id, type = 'GroupOpened') AS opened,
           countIf(type = 'SeatHeld' AND JSONExtractString(payload, 'inviter') != '') AS joined,
           uniqExactIf(group_id, type = 'GroupCompleted') AS completed,
           uniqExactIf(group_id, type = 'GroupFailed') AS failed,
           countIf(type = 'RefundStarted') AS refunds_started,
           countIf(type = 'RefundCompleted') AS refunds_paid_back,
           round(completed / greatest(opened, 1), 4) AS completion_rate
    FROM e
    GROUP BY campaign
    ORDER BY opened DESC, campaign
    LIMIT {limit:UInt32}`,

  bargains: `
    WITH b AS (
      SELECT actor_id, JSONExtractString(payload, 'campaignId') AS campaign,
             JSONExtractInt(payload, 'terms', 'startPriceFen') AS start_fen,
             JSONExtractInt(payload, 'terms', 'floorPriceFen') AS floor_fen
      FROM events FINAL
      WHERE actor_type = 'bargain' AND type = 'BargainStarted' AND ${STORE} AND ${IN_RANGE}),
    per AS (
      SELECT b.campaign AS campaign, b.actor_id AS bargain_id, any(b.start_fen) AS start_fen,
             countIf(e.type = 'Helped') AS helps,
             countIf(e.type = 'Helped' AND JSONExtractInt(e.payload, 'priceFen') <= b.floor_fen) > 0 AS is_at_floor,
             countIf(e.type = 'BargainBought') > 0 AS is_bought,
             maxIf(JSONExtractInt(e.payload, 'amountFen'), e.type = 'BargainBought') AS paid_fen
      FROM events AS e FINAL INNER JOIN b ON b.actor_id = e.actor_id
      WHERE e.actor_type = 'bargain'
      GROUP BY campaign, bargain_id)
    SELECT campaign, count() AS started, sum(helps) AS helps, countIf(is_at_floor) AS reached_floor,
           countIf(is_bought) AS bought, round(bought / greatest(started, 1), 4) AS completion_rate,
           sumIf(start_fen - paid_fen, is_bought) AS cut_fen
    FROM per
    GROUP BY campaign
    ORDER BY started DESC, campaign
    LIMIT {limit:UInt32}`,

  lotteries: `
    SELECT actor_id AS lottery, JSONExtractString(payload, 'prizeId') AS prize, count() AS draws,
           countIf(JSONExtractString(payload, 'outcome') = 'won') AS awarded,
           countIf(JSONExtractString(payload, 'outcome') = 'exhausted') AS exhausted
    FROM events FINAL
    WHERE actor_type = 'lottery' AND type = 'Drawn' AND ${STORE} AND ${IN_RANGE}
    GROUP BY lottery, prize
    ORDER BY lottery, awarded DESC, prize
    LIMIT {limit:UInt32}`,
} as const;

export const CAMPAIGN_VIEW_HELP: Record<keyof typeof CAMPAIGN_SQL, string> = {
  groupbuy: 'group-buy funnel per campaign: groups opened, members joined by share, completed, failed, refunds',
  bargains: 'per bargain campaign: started, helps, reached the floor, bought, completion rate, price cut',
  lotteries: 'per lottery and prize: draws, prizes awarded (the cost), draws on a prize already gone',
};
