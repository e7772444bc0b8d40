/**
 * The refund worker on a real stack: engine, gateway, the WeChat Pay simulator (which keeps
 * refunds in Redis as WeChat keeps them), NATS JetStream. Refunds are settled by WeChat
 * asynchronously, so the simulator answers a new refund PROCESSING and the worker's next query
 * finds it SUCCESS.
 */
import { wire } from '@lunchrush/actors/wire';
import { decode, encode } from '@lunchrush/engine';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import { outRefundNo, REFUND_CONSUMER, type RefundAlarm, type WeChatPaySimulator } from '@lunchrush/payments';
import { call, idemKey, seatedDiner, staff, startStack, type Stack } from '@lunchrush/stack/testing';
import type { OrderDetail, Placed, Prepay, SimPay, StaffOrderDetail } from './answers.js';

let s: Stack;
let sim: WeChatPaySimulator;
const QUERY_MS = 400;

beforeAll(async () => {
  s = await startStack({ WECHATPAY_REFUND_QUERY_MS: String(QUERY_MS) });
  sim = s.gw.deps.simulator!;
}, 60_000);
afterAll(() => s?.close());

/** A paid order of table `table`: its id and what it cost. */
async function paidOrder(table: number): Promise<{ orderId: string; totalFen: number; token: string }> {
  const d = await seatedDiner(s, table);
  const o = await call<Placed>(s.url, 'POST', '/v1/diner/orders', {
    token: d.token,
    body: {
      lines: [
        { skuId: 'yuxiang-rousi', qty: 2 },
        { skuId: 'pai-huanggua', qty: 1 },
      ],
    },
    headers: { 'idempotency-key': idemKey() },
  });
  expect(o.status).toBe(201);
  const orderId = o.body.order.orderId;
  const pay = await call<Prepay>(s.url, 'POST', `/v1/diner/orders/${orderId}/pay`, { token: d.token });
  const paid = await call<SimPay>(s.url, 'POST', '/v1/simulator/wechatpay/pay', {
    body: { prepayId: pay.body.prepayId },
  });
  expect(paid.body.callbackStatus).toBe(204);
  const detail = await call<OrderDetail>(s.url, 'GET', `/v1/diner/orders/${orderId}`, { token: d.token });
  expect(detail.body.status).toBe('paid');
  return { orderId, totalFen: detail.body.totalFen, token: d.token };
}

async function order(orderId: string): Promise<StaffOrderDetail> {
  return (
    await call<StaffOrderDetail>(s.url, 'GET', `/v1/staff/stores/001/orders/${orderId}`, { token: staff(s, 'manager') })
  ).body;
}

/** The alarms the staff board would show, from now on. */
function watchAlarms(): { alarms: RefundAlarm[]; stop: () => void } {
  const alarms: RefundAlarm[] = [];
  const sub = s.t.nc.subscribe(`${s.t.ns}.alarms.001`, {
    callback: (_e, m) => {
      alarms.push(decode<RefundAlarm>(m.data));
    },
  });
  return { alarms, stop: () => sub.unsubscribe() };
}

/** Until the worker has settled every instruction in the stream (acked or terminated). */
async function workerIdle(): Promise<void> {
  const jsm = await jetstreamManager(s.t.nc);
  await waitFor(
    async () => {
      const c = await jsm.consumers.info(wire(s.t.ns).refundStream, REFUND_CONSUMER);
      return c.num_pending === 0 && c.num_ack_pending === 0;
    },
    { what: 'every refund instruction settled', timeoutMs: 20_000 },
  );
}

describe('refunds reach the diner, once', () => {
  it("a store's cancel of a paid order refunds the full amount once, and the order reads refunded", async () => {
    const { orderId, totalFen } = await paidOrder(20);
    const cancel = await call(s.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/cancel`, {
      token: staff(s, 'manager'),
      body: { reason: 'kitchen closed' },
    });
    expect(cancel.status).toBe(200);
    const done = await waitFor(
      async () => {
        const o = await order(orderId);
        return o.status === 'refunded' ? o : undefined;
      },
      { what: 'the order to read refunded', timeoutMs: 20_000 },
    );
    expect(done.refunds).toHaveLength(1);
    const r = done.refunds[0]!;
    expect(r).toMatchObject({ status: 'completed', amountFen: totalFen });
    // WeChat holds one refund of exactly what was paid, settled.
    const wx = await sim.readRefund(outRefundNo(orderId, r.refundId));
    expect(wx).toMatchObject({
      status: 'SUCCESS',
      out_trade_no: orderId,
      amount: { refund: totalFen, total: totalFen },
    });
    // Nothing is left to refund: WeChat refuses one more fen under another number.
    await expect(
      sim.refund({
        outRefundNo: 'extra-1',
        outTradeNo: orderId,
        transactionId: null,
        amountFen: 1,
        totalFen,
        reason: 'x',
      }),
    ).rejects.toMatchObject({ code: 'payment_refused' });
  });

  it('a repeated instruction (a redelivery after a crash, a second publish) refunds nothing more', async () => {
    // A partial refund: WeChat would pay a second one out under another number, so only the number stops it.
    const { orderId, totalFen } = await paidOrder(21);
    const start = await call(s.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/refunds`, {
      token: staff(s, 'manager'),
      body: { refundId: 'r-part', lines: [{ lineNo: 1, qty: 1 }], reason: 'one portion was cold' },
    });
    expect(start.status).toBe(200);
    const o = await waitFor(
      async () => {
        const x = await order(orderId);
        return x.refunds[0]?.status === 'completed' ? x : undefined;
      },
      { what: 'the partial refund completed', timeoutMs: 20_000 },
    );
    const part = o.refunds[0]!.amountFen;
    expect(part).toBeGreaterThan(0);
    expect(part).toBeLessThan(totalFen);
    await workerIdle();
    // The same instruction again, as a new stream message (so JetStream's de-duplication does not hide it).
    const jsm = await jetstreamManager(s.t.nc);
    const stream = wire(s.t.ns).refundStream;
    const first = await jsm.streams.getMessage(stream, { last_by_subj: wire(s.t.ns).refundInstructions('001') });
    expect(decode<{ orderId: string }>(first!.data).orderId).toBe(orderId);
    const again = await jetstream(s.t.nc).publish(wire(s.t.ns).refundInstructions('001'), first!.data, {
      msgID: `again-${orderId}`,
    });
    expect(again.duplicate).toBe(false);
    await workerIdle();
    const after = await order(orderId);
    expect(after.refunds).toEqual(o.refunds);
    expect(after.status).toBe('paid');
    // WeChat paid out the part once: exactly the rest is still refundable, not a fen more.
    const rest = { outTradeNo: orderId, transactionId: null, totalFen, reason: 'x' };
    await expect(
      sim.refund({ ...rest, outRefundNo: 'rest-over', amountFen: totalFen - part + 1 }),
    ).rejects.toMatchObject({
      code: 'payment_refused',
    });
    expect((await sim.refund({ ...rest, outRefundNo: 'rest', amountFen: totalFen - part })).amount.refund).toBe(
      totalFen - part,
    );
  });
});

describe('refunds WeChat does not make', () => {
  it('a refund WeChat reports ABNORMAL alarms the store and stays approved on the order', async () => {
    const { orderId } = await paidOrder(22);
    const watch = watchAlarms();
    await call(s.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/cancel`, { token: staff(s, 'manager') });
    const refundId = await waitFor(async () => (await order(orderId)).refunds[0]?.refundId, {
      what: 'the refund approved',
    });
    const no = outRefundNo(orderId, refundId);
    // The worker has asked WeChat for it; before its next query, WeChat finds the diner's account closed.
    await waitFor(async () => (await sim.readRefund(no))?.status === 'PROCESSING', { what: 'the refund requested' });
    expect((await sim.settleRefund(no, 'ABNORMAL'))?.status).toBe('ABNORMAL');
    const alarm = await waitFor(() => watch.alarms.find((a) => a.orderId === orderId), {
      what: 'the alarm',
      timeoutMs: 20_000,
    });
    watch.stop();
    expect(alarm).toMatchObject({ kind: 'refund_failed', store: '001', refundId, reason: 'abnormal' });
    await workerIdle();
    const o = await order(orderId);
    expect(o.status).not.toBe('refunded');
    expect(o.refunds[0]!.status).toBe('approved');
  });

  it('an instruction WeChat refuses for good (more than was paid) alarms the store and refunds nothing', async () => {
    const { orderId, totalFen } = await paidOrder(23);
    const watch = watchAlarms();
    const forged = {
      kind: 'refund',
      orderId,
      refundId: 'too-much',
      paymentId: null,
      amountFen: totalFen + 1,
      paidFen: totalFen,
      reason: 'forged',
      at: Date.now(),
    };
    await jetstream(s.t.nc).publish(wire(s.t.ns).refundInstructions('001'), encode(forged), {
      msgID: `forged-${orderId}`,
    });
    const alarm = await waitFor(() => watch.alarms.find((a) => a.orderId === orderId), {
      what: 'the alarm',
      timeoutMs: 20_000,
    });
    watch.stop();
    expect(alarm).toMatchObject({ kind: 'refund_failed', refundId: 'too-much', reason: 'payment_refused' });
    expect(await sim.readRefund(outRefundNo(orderId, 'too-much'))).toBeUndefined();
    await workerIdle();
    expect((await order(orderId)).status).toBe('paid');
  });
});

describe('the worker keeps going', () => {
  it('when its consumer is deleted under it (an operator, a stream restore), it makes it again and refunds', async () => {
    await workerIdle();
    const jsm = await jetstreamManager(s.t.nc);
    await jsm.consumers.delete(wire(s.t.ns).refundStream, REFUND_CONSUMER);
    const { orderId } = await paidOrder(25);
    await call(s.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/cancel`, { token: staff(s, 'manager') });
    await waitFor(async () => (await order(orderId)).status === 'refunded', {
      what: 'the order refunded by the worker after its consumer was deleted',
      timeoutMs: 30_000,
    });
  });
});

describe('the simulator refunds as WeChat Pay does', () => {
  it('never lets refunds of one order pass what was paid, however many arrive at once', async () => {
    const { orderId, totalFen } = await paidOrder(24);
    const part = Math.floor(totalFen * 0.3);
    const refund = (no: string, amountFen: number) =>
      sim.refund({
        outRefundNo: `${orderId}|${no}`,
        outTradeNo: orderId,
        transactionId: null,
        amountFen,
        totalFen,
        reason: 'r',
      });
    const tries = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => refund(`p${i}`, part)));
    expect(tries.filter((x) => x.status === 'fulfilled')).toHaveLength(3);
    for (const x of tries)
      if (x.status === 'rejected') expect(x.reason).toMatchObject({ code: 'payment_refused', status: 409 });
    // The same number again answers the refund it names and takes nothing more.
    const i = tries.findIndex((x) => x.status === 'fulfilled');
    expect((await refund(`p${i}`, part)).refund_id).toBe(
      (tries[i] as PromiseFulfilledResult<{ refund_id: string }>).value.refund_id,
    );
    await expect(refund('last', totalFen - 3 * part + 1)).rejects.toMatchObject({ code: 'payment_refused' });
    expect((await refund('last', totalFen - 3 * part)).amount.refund).toBe(totalFen - 3 * part);
  });
});

describe('refund numbers', () => {
  it('are one per order and refund, within WeChat Pay’s 64 characters', () => {
    expect(outRefundNo('o_001_abc', 'r1')).toBe('o_001_abc|r1');
    expect(outRefundNo('o_001_a-b', 'c')).not.toBe(outRefundNo('o_001_a', 'b-c'));
    const long = outRefundNo(`o_001_${'x'.repeat(58)}`, 'y'.repeat(64));
    expect(long.length).toBeLessThanOrEqual(64);
    expect(long).toMatch(/^[0-9A-Za-z_\-|*@]+$/);
    expect(long).not.toBe(outRefundNo(`o_001_${'x'.repeat(58)}`, 'y'.repeat(63)));
  });
});
