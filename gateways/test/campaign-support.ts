/**
 * Group-buy and bargain steps the campaign tests share, through the HTTP API and the WeChat Pay
 * simulator of an in-process stack: define a campaign, open a group, join it by its share code,
 * pay a seat or a bargain (the simulator sends the signed callback).
 */
import { expect } from 'vitest';
import type { GroupTermsInput } from '@lunchrush/actors/campaigns';
import { call, idemKey, login, staff, type Stack } from '@lunchrush/stack/testing';

export const STORE_BASE = '/v1/diner/stores/001';
export type Diner = { token: string; dinerId: string };
export interface DinerGroup {
  groupId: string;
  status: string;
  members: number;
  paid: number;
  share?: { code: string };
}

let n = 0;
/** A fresh campaign id (and its SKU), unique to this test process. */
export const freshId = (prefix: string): string => `${prefix}${process.pid}x${++n}`;

/** A group-buy campaign of store 001 on `over.skuId` (a fresh SKU with 10 in stock when absent). */
export async function groupCampaign(
  s: Stack,
  over: Partial<GroupTermsInput> = {},
): Promise<{ id: string; skuId: string }> {
  const id = freshId('gp');
  const skuId = over.skuId ?? `sku_${id}`;
  await s.client.send('001', 'stock', skuId, { type: 'set', available: 10, at: Date.now() });
  const now = Date.now();
  const terms: GroupTermsInput = {
    name: '牛肉面三人团',
    skuId,
    qty: 1,
    groupPriceFen: 1990,
    size: 3,
    timeLimitMs: 10 * 60_000,
    openFrom: now - 60_000,
    openTo: now + 3_600_000,
    ...over,
  };
  const r = await call(s.url, 'PUT', `/v1/staff/stores/001/group-buys/${id}`, {
    token: staff(s, 'manager'),
    body: terms,
  });
  expect(r.status).toBe(200);
  return { id, skuId };
}

/** The diner prepays (`path`) and pays in the simulator; the payment's out_trade_no and transaction id. */
export async function payThrough(s: Stack, d: Diner, path: string): Promise<{ payId: string; transactionId: string }> {
  const p = await call<{ orderId: string; simulator: { payUrl: string; body: unknown } }>(s.url, 'POST', path, {
    token: d.token,
  });
  expect(p.status).toBe(200);
  const r = await call<{ callbackStatus: number; transactionId: string }>(s.url, 'POST', p.body.simulator.payUrl, {
    body: p.body.simulator.body,
  });
  expect(r.body.callbackStatus).toBe(204);
  return { payId: p.body.orderId, transactionId: r.body.transactionId };
}

export async function openGroup(s: Stack, campaignId: string): Promise<Diner & { group: DinerGroup }> {
  const d = await login(s);
  const r = await call<DinerGroup>(s.url, 'POST', `${STORE_BASE}/group-buys/${campaignId}/groups`, {
    token: d.token,
    headers: { 'idempotency-key': idemKey() },
  });
  expect(r.status).toBe(201);
  return { token: d.token, dinerId: d.dinerId, group: r.body };
}

export async function joinGroup(s: Stack, campaignId: string, code: string): Promise<Diner> {
  const d = await login(s);
  const r = await call(s.url, 'POST', `${STORE_BASE}/group-buys/${campaignId}/join`, {
    token: d.token,
    body: { shareCode: code },
  });
  expect(r.status).toBe(200);
  return d;
}
