import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, seatedDiner, startStack, type Stack } from './helpers.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());

it('smoke', async () => {
  const h = await call(s.url, 'GET', '/healthz');
  expect(h.status).toBe(200);
  expect(h.headers.get('uwebsockets')).toBe('20');
  const m = await call(s.url, 'GET', '/v1/stores/001/menu');
  expect(m.status).toBe(200);
  const d = await seatedDiner(s);
  const a = await call(s.url, 'POST', '/v1/diner/table/cart', { token: d.token, body: { skuId: 'yuxiang-rousi', qty: 2 } });
  expect(a.status, JSON.stringify(a.body)).toBe(201);
  const o = await call(s.url, 'POST', '/v1/diner/orders', { token: d.token, body: {}, headers: { 'idempotency-key': 'abcdefgh1' } });
  expect(o.status, JSON.stringify(o.body)).toBe(201);
  const p = await call(s.url, 'POST', `/v1/diner/orders/${o.body.order.orderId}/pay`, { token: d.token });
  expect(p.status, JSON.stringify(p.body)).toBe(200);
  const sim = await call(s.url, 'POST', '/v1/simulator/wechatpay/pay', { body: { prepayId: p.body.prepayId } });
  expect(sim.status, JSON.stringify(sim.body)).toBe(200);
  expect(sim.body.callbackStatus, JSON.stringify(sim.body)).toBe(204);
  const g = await call(s.url, 'GET', `/v1/diner/orders/${o.body.order.orderId}`, { token: d.token });
  expect(g.body.status).toBe('paid');
});
