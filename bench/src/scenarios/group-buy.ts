/**
 * group-buy: one group-buy campaign (拼团, groups of 3, a 10 s time limit) on one SKU of store 001,
 * groups opened and joined at once at `--rate` arrivals/s over HTTP: a third of the arrivals open a
 * group (the leader pays through the simulator), the rest join one of the latest groups by its share
 * code (so some groups overfill, answered `group_full`, and some stay short and expire), and one
 * joiner in ten never pays (their seat's hold lapses). After every deadline has passed the scenario
 * waits for each group to settle and counts:
 *
 * - **stuck**: groups neither completed nor refunded in full (money or a seat's stock still held)
 *   once every deadline passed and the refunds had time to go through, plus stock still reserved;
 * - **oversold**: stock sold past the campaign's units, or not equal to what the completed groups
 *   bought (3 units each); counted from the SKU's counts when the campaign starts.
 */
import { Api, pool } from '../api.js';
import { Recorder } from '../stats.js';
import { errorsOf, measure, type RunOptions, type ScenarioResult } from './run.js';
import { orderableSkus } from './setup.js';

const SIZE = 3;
const TIME_LIMIT_MS = 10_000;
/**
 * How long after the last deadline the refunds have to go through before a group counts as stuck: the
 * refund worker asks WeChat again after 5 s, then twice as long each time, and on a loaded box a refund
 * that failed once takes 5 + 10 + 20 + 40 s.
 */
const SETTLE_MS = 180_000;
const PRICE_FEN = 990;

interface Opened {
  readonly groupId: string;
  readonly code: string;
  readonly deadline: number;
}

type GroupAnswer = { groupId: string; status: string; deadline: number; share?: { code: string } };

export async function groupBuy(o: RunOptions): Promise<ScenarioResult> {
  const api = new Api(o.url, Math.max(256, o.connections), o.simulatorUrl);
  try {
    const store = o.data.stores[0]!.storeId;
    const sku = orderableSkus(o.data)[0]!;
    const units = o.units ?? 1_000_000;
    const campaignId = await defineCampaign(api, store, sku, units);
    // The SKU's counts before the campaign: scenarios run before on the same stack (the smoke tests)
    // leave units of it sold and reserved (orders not paid yet), which are not the campaign's.
    const before = await api.stock(store, sku);
    // Each diner takes at most 20 seats of the campaign (its per-member limit).
    const n = o.diners ?? Math.max(50, Math.ceil((o.rate * o.durationS) / 15));
    o.log(`logging in ${n} diners`);
    const diners = await pool(
      Array.from({ length: n }, (_, i) => i),
      32,
      (i) => api.login(`gb${campaignId}d${i}`),
    );
    const rec = new Recorder('arrival', o.progress);
    const opened: Opened[] = [];
    const base = `/v1/diner/stores/${store}`;
    const pay = (token: string, groupId: string, op: string, dueAt: number) =>
      payGroup(api, rec, `${base}/groups/${groupId}/pay`, token, op, dueAt);
    const fire = async (dueAt: number, i: number): Promise<void> => {
      await arrive(dueAt, i);
      rec.record('arrival', performance.now() - dueAt, 'ok');
    };
    const arrive = async (dueAt: number, i: number): Promise<void> => {
      const d = diners[i % n]!;
      if (i % 3 === 0 || opened.length === 0) {
        const r = await api.call<GroupAnswer>('POST', `${base}/group-buys/${campaignId}/groups`, {
          token: d.token,
          headers: { 'idempotency-key': api.idemKey() },
        });
        rec.record('open', performance.now() - dueAt, r.code);
        if (r.code !== 'ok' || r.body.share === undefined) return;
        opened.push({ groupId: r.body.groupId, code: r.body.share.code, deadline: r.body.deadline });
        return pay(d.token, r.body.groupId, 'open+pay', dueAt);
      }
      // One of the latest groups: some overfill, some stay short and expire.
      const g = opened[opened.length - 1 - (i % Math.min(opened.length, 8))]!;
      const j = await api.call('POST', `${base}/group-buys/${campaignId}/join`, {
        token: d.token,
        body: { shareCode: g.code },
      });
      rec.record('join', performance.now() - dueAt, j.code);
      if (j.code === 'ok' && i % 10 !== 1) await pay(d.token, g.groupId, 'join+pay', dueAt);
    };
    o.log(`group-buy: campaign ${campaignId} on ${sku}, ${o.rate} arrivals/s for ${o.durationS} s`);
    const cpu = await measure(o, rec, 'arrival', fire);
    const settled = await settle(api, base, diners[0]!.token, opened, o.log);
    const after = await settledStock(api, store, sku, before.reserved, settled.until);
    const completed = settled.completed;
    const sold = after.sold - before.sold;
    const reserved = Math.max(0, after.reserved - before.reserved);
    const oversold = Math.max(0, sold - units) + Math.abs(sold - completed * SIZE) + Math.max(0, -after.available);
    const stuck = settled.stuck + (reserved > 0 ? 1 : 0);
    const ops = rec.summary();
    return {
      scenario: 'group-buy',
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: {
        groupsOpened: opened.length,
        completed,
        refunded: settled.refunded,
        stuck,
        oversold,
        stockSold: sold,
        stockReserved: reserved,
        openPayP99Ms: ops['open+pay']?.p99Ms,
        joinPayP99Ms: ops['join+pay']?.p99Ms,
        settleS: settled.waitedS,
        errorsByCode: errorsOf(ops, 'arrival'),
      },
      ops,
      timeline: rec.timeline,
      // `lost`: a group stuck is money or stock held after every deadline passed.
      correctness: { oversold, lost: stuck },
      extra: {
        campaignId,
        sku,
        store,
        before,
        after,
        stuckGroups: settled.stuckIds.slice(0, 20),
        ...(cpu === undefined ? {} : { cpu }),
      },
    };
  } finally {
    await api.close();
  }
}

/** A member pays their place: the prepay, then the simulator's pay (which sends the signed callback). */
async function payGroup(
  api: Api,
  rec: Recorder,
  path: string,
  token: string,
  op: string,
  dueAt: number,
): Promise<void> {
  const p = await api.call<{ prepayId: string }>('POST', path, { token });
  if (p.code !== 'ok') return rec.record(op, performance.now() - dueAt, `pay ${p.code}`);
  const r = await api.simulatePay(p.body.prepayId);
  const ok = r.code === 'ok' && r.body.callbackStatus === 204;
  rec.record(op, performance.now() - dueAt, ok ? 'ok' : `callback ${r.code}`);
}

/** One campaign of groups of SIZE on the SKU, with `units` of stock; answers its id. */
async function defineCampaign(api: Api, store: string, sku: string, units: number): Promise<string> {
  const campaignId = `gb${Math.random().toString(36).slice(2, 8)}`;
  await api.setStock(store, sku, units);
  const now = Date.now();
  const def = await api.call('PUT', `/v1/staff/stores/${store}/group-buys/${campaignId}`, {
    token: api.staffToken(store),
    body: {
      name: '压测三人团',
      skuId: sku,
      qty: 1,
      groupPriceFen: PRICE_FEN,
      size: SIZE,
      timeLimitMs: TIME_LIMIT_MS,
      seatHoldMs: TIME_LIMIT_MS,
      perMemberLimit: 20,
      openFrom: now - 60_000,
      openTo: now + 86_400_000,
    },
  });
  if (def.status !== 200) throw new Error(`define group-buy: ${def.code} ${JSON.stringify(def.body)}`);
  return campaignId;
}

/** Waits until every group is completed or refunded (or SETTLE_MS after the last deadline), then counts. */
async function settle(api: Api, base: string, token: string, opened: readonly Opened[], log: (m: string) => void) {
  const lastDeadline = Math.max(0, ...opened.map((g) => g.deadline));
  const started = Date.now();
  let pending = [...opened];
  let completed = 0;
  let refunded = 0;
  let last: string[] = [];
  log(
    `waiting for ${opened.length} groups to settle (the last deadline is in ${Math.max(0, lastDeadline - Date.now())} ms)`,
  );
  for (;;) {
    const states = await pool(pending, 32, async (g) => {
      const r = await api.call<GroupAnswer>('GET', `${base}/groups/${g.groupId}`, { token });
      return r.code === 'ok' ? r.body.status : r.code;
    });
    const next: Opened[] = [];
    last = [];
    states.forEach((s, i) => {
      if (s === 'completed') completed++;
      else if (s === 'refunded') refunded++;
      else {
        next.push(pending[i]!);
        last.push(s);
      }
    });
    pending = next;
    if (pending.length === 0 || Date.now() > lastDeadline + SETTLE_MS) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    completed,
    refunded,
    stuck: pending.length,
    /** Each stuck group and what it last answered (its status, or the error). */
    stuckIds: pending.map((g, i) => `${g.groupId} ${last[i] ?? ''}`),
    waitedS: Math.round((Date.now() - started) / 100) / 10,
    /** Until when anything may still settle (the last deadline plus SETTLE_MS). */
    until: lastDeadline + SETTLE_MS,
  };
}

/**
 * The SKU's stock once no unit of the campaign's is reserved any more (no more than `reservedBefore`), or
 * at `until`: a group reads completed as soon as its last seat is paid, and its members' orders turn
 * their reserved units into sold ones a moment later (the campaign worker places them).
 */
async function settledStock(api: Api, store: string, sku: string, reservedBefore: number, until: number) {
  for (;;) {
    const s = await api.stock(store, sku);
    if (s.reserved <= reservedBefore || Date.now() > until) return s;
    await new Promise((r) => setTimeout(r, 500));
  }
}
