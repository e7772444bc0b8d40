/**
 * A coupon drop the reference way (coupon-drop): the campaign's total and its takers in Redis, one
 * Lua script per claim (a member at most once, `issued ≤ total` checked and counted in one step),
 * then the coupon row INSERTed into PostgreSQL (synchronous_commit = on) before the answer; a
 * failed insert gives the coupon back. The same routes as the gateway's: enrolling, a manager's
 * campaign definition and view, a diner's claim. Both designs (a, b) keep the counter in Redis:
 * this is design (a)'s counter + Lua.
 */
import { Redis } from 'ioredis';
import type { Reference } from '../context.js';
import { Fail, json, type Route } from '../http.js';

// KEYS: total, issued, takers set; ARGV: member. {n} issued, {0, 1} exhausted, {0, 2} already took one.
const CLAIM = `
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then return {0, 2} end
local total = tonumber(redis.call('GET', KEYS[1]) or '0')
local n = redis.call('INCR', KEYS[2])
if n > total then redis.call('DECR', KEYS[2]); return {0, 1} end
redis.call('SADD', KEYS[3], ARGV[1])
return {n}`;
const UNCLAIM = `
redis.call('DECR', KEYS[2]); redis.call('SREM', KEYS[3], ARGV[1]); return 1`;
type LuaRedis = Redis & {
  claim(n: number, ...args: string[]): Promise<number[]>;
  unclaim(n: number, ...args: string[]): Promise<number>;
};

export function couponRoutes(ref: Reference): Route[] {
  const { auth, backend } = ref;
  backend.redis.defineCommand('claim', { lua: CLAIM });
  backend.redis.defineCommand('unclaim', { lua: UNCLAIM });
  const lua = backend.redis as LuaRedis;
  const keys = (c: string): string[] => [
    `${backend.kp}cp:${c}:total`,
    `${backend.kp}cp:${c}:issued`,
    `${backend.kp}cp:${c}:takers`,
  ];
  let table: Promise<unknown> | undefined;
  const ensureTable = (): Promise<unknown> =>
    (table ??= backend.db.query(
      'CREATE TABLE IF NOT EXISTS coupons (coupon_id text PRIMARY KEY, campaign text NOT NULL, member text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())',
    ));
  const view = async (
    c: string,
  ): Promise<{ campaignId: string; defined: boolean; total: number; issued: number; remaining: number }> => {
    const [total, issued] = (await backend.redis.mget(keys(c)[0]!, keys(c)[1]!)).map((x) => Number(x ?? 0)) as [
      number,
      number,
    ];
    return { campaignId: c, defined: total > 0, total, issued, remaining: Math.max(0, total - issued) };
  };
  return [
    [
      'POST',
      /^\/v1\/diner\/member\/enroll$/,
      async (req) => ({ body: { memberId: (await auth.session(req)).dinerId, enrolled: true } }),
    ],
    [
      'PUT',
      /^\/v1\/staff\/stores\/(\d{3})\/campaigns\/([A-Za-z0-9_]{1,40})$/,
      async (req) => {
        const [store, c] = req.params as [string, string];
        auth.staff(req, store);
        const total = Number(json(req).total);
        if (!Number.isSafeInteger(total) || total < 1) throw new Fail(400, 'validation_failed');
        await ensureTable();
        await backend.redis.set(keys(c)[0]!, total, 'NX');
        return { body: await view(c) };
      },
    ],
    [
      'GET',
      /^\/v1\/staff\/stores\/(\d{3})\/campaigns\/([A-Za-z0-9_]{1,40})$/,
      async (req) => {
        const [store, c] = req.params as [string, string];
        auth.staff(req, store);
        return { body: await view(c) };
      },
    ],
    [
      'POST',
      /^\/v1\/diner\/coupon-centre\/([A-Za-z0-9_]{1,40})\/claim$/,
      async (req) => {
        const c = req.params[0]!;
        const { dinerId } = await auth.session(req);
        const r = await lua.claim(3, ...keys(c), dinerId);
        if (r[0] === 0) throw new Fail(409, r[1] === 1 ? 'campaign_exhausted' : 'claim_limit_reached');
        const couponId = `${c}-${r[0]}`;
        try {
          await backend.db.query('INSERT INTO coupons (coupon_id, campaign, member) VALUES ($1, $2, $3)', [
            couponId,
            c,
            dinerId,
          ]);
        } catch (e) {
          await lua.unclaim(3, ...keys(c), dinerId);
          throw e;
        }
        return { body: { coupon: { couponId, campaignId: c } } };
      },
    ],
  ];
}
