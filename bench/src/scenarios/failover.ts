/**
 * failover: lunch-rush with the engine owning the partitions killed (`RunOptions.onKill`) part way
 * through. Afterwards every order acknowledged must still be there (and still paid, if it was seen
 * paid), and the longest stretch without an acknowledged order is the time without service.
 */
import { pool, type Api } from '../api.js';

export interface AckedOrder {
  readonly orderId: string;
  readonly token: string;
  readonly at: number;
  /** Seen paid through the API: must still be paid (or later) afterwards. */
  paid?: boolean;
}

/** Orders lost, and what the report shows of the failover: the verification and the time without service. */
export async function afterTheKill(
  api: Api,
  acked: AckedOrder[],
  from: number,
  measuredEnd: number,
  log: (m: string) => void,
): Promise<{ lost: number; extra: Record<string, unknown> }> {
  const v = await verifyAcked(api, acked, log);
  const gap = longestGap(acked, from, measuredEnd);
  // Per store too: a store whose partition moved waits while the others go on selling, which the
  // gap over all stores hides when only some partitions move (a node of two killed, --cluster).
  const byStore = new Map<string, AckedOrder[]>();
  for (const a of acked) {
    const store = /^o_([^_]+)_/.exec(a.orderId)?.[1] ?? '';
    byStore.set(store, [...(byStore.get(store) ?? []), a]);
  }
  const storeGap = Math.max(0, ...[...byStore.values()].map((orders) => longestGap(orders, from, measuredEnd)));
  return {
    lost: v.lost,
    extra: {
      acknowledgedOrders: acked.length,
      verify: v,
      secondsWithoutService: Math.round(gap / 100) / 10,
      storeSecondsWithoutService: Math.round(storeGap / 100) / 10,
    },
  };
}

/** The longest stretch (ms) from `from` to `end` without an acknowledged order among `acked`. */
function longestGap(acked: readonly AckedOrder[], from: number, end: number): number {
  const times = acked.map((a) => a.at).sort((a, b) => a - b);
  let gap = 0;
  let prev = from;
  for (const t of [...times.filter((x) => x >= from), end]) {
    gap = Math.max(gap, t - prev);
    prev = t;
  }
  return gap;
}

/** Every acknowledged order must be readable afterwards (retryable answers are asked again). */
async function verifyAcked(api: Api, acked: AckedOrder[], log: (m: string) => void) {
  log(`verifying ${acked.length} acknowledged orders through the API`);
  let lost = 0;
  let unverified = 0;
  let lostPayments = 0;
  const missing: string[] = [];
  await pool(acked, 64, async (a) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      const r = await api.order(a.token, a.orderId);
      if (r.status === 200) {
        if (a.paid === true && (r.body.status === 'pending_payment' || r.body.status === 'cancelled')) {
          lostPayments++;
          if (missing.length < 20) missing.push(`${a.orderId} paid, now ${r.body.status}`);
        }
        return;
      }
      if (r.status === 404 || r.status === 403) {
        lost++;
        if (missing.length < 20) missing.push(`${a.orderId} ${r.code}`);
        return;
      }
      await new Promise((res) => setTimeout(res, 250));
    }
    unverified++;
  });
  const paid = acked.filter((a) => a.paid === true).length;
  return { lost: lost + unverified + lostPayments, unverified, lostPayments, paidChecked: paid, missing };
}
