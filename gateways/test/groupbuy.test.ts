/**
 * Group-buy over HTTP on an in-process stack (real engine, NATS, Redis): a manager defines a
 * campaign, a diner opens a group and shares its code, friends join by the code, the live count
 * reaches a diner's WebSocket, staff see the group live; forged, altered, expired, retired-key,
 * other-campaign and other-store codes are refused with their codes.
 */
import { describe, expect, it } from 'vitest';
import { sealShareCode, type GroupCampaignView, type GroupTermsInput } from '@lunchrush/actors/campaigns';
import { waitFor } from '@lunchrush/testkit';
import { call, idemKey, login, staff, type ErrorAnswer } from '@lunchrush/stack/testing';
import { connectClient } from './push-support.js';
import { s, useDinerStack } from './diner-support.js';

useDinerStack();

const PRICE = 1990;
const base = '/v1/diner/stores/001';
interface Share {
  code: string;
  path: string;
  url: string;
  expiresAt: number;
}
interface DinerGroup {
  groupId: string;
  status: string;
  members: number;
  paid: number;
  size: number;
  mine: { status: string; leader: boolean } | null;
  share?: Share;
}

let campaigns = 0;
/** A fresh campaign on its own SKU with stock, defined by a manager. */
async function campaign(over: Partial<GroupTermsInput> = {}): Promise<string> {
  const id = `gb${process.pid}x${++campaigns}`;
  const skuId = `sku_${id}`;
  await s.client.send('001', 'stock', skuId, { type: 'set', available: 50, at: Date.now() });
  const now = Date.now();
  const terms: GroupTermsInput = {
    name: '牛肉面三人团',
    skuId,
    qty: 1,
    groupPriceFen: PRICE,
    size: 3,
    timeLimitMs: 10 * 60_000,
    openFrom: now - 60_000,
    openTo: now + 3_600_000,
    ...over,
  };
  const r = await call<GroupCampaignView>(s.url, 'PUT', `/v1/staff/stores/001/group-buys/${id}`, {
    token: staff(s, 'manager'),
    body: terms,
  });
  expect(r.status).toBe(200);
  return id;
}

/** What the payment callback records for a member (the payment itself is the payments' routes). */
async function paid(groupId: string, dinerId: string): Promise<void> {
  const now = Date.now();
  await s.client.send('001', 'group', groupId, {
    type: 'pay',
    memberId: dinerId,
    paymentId: `p_${groupId}_${dinerId}`.slice(0, 64),
    amountFen: PRICE,
    paidAt: now,
    at: now,
  });
}

async function open(campaignId: string): Promise<{ token: string; dinerId: string; group: DinerGroup }> {
  const d = await login(s);
  const r = await call<DinerGroup>(s.url, 'POST', `${base}/group-buys/${campaignId}/groups`, {
    token: d.token,
    headers: { 'idempotency-key': idemKey() },
  });
  expect(r.status).toBe(201);
  return { ...d, group: r.body };
}

const join = (token: string, campaignId: string, shareCode: string) =>
  call<DinerGroup & ErrorAnswer>(s.url, 'POST', `${base}/group-buys/${campaignId}/join`, {
    token,
    body: { shareCode },
  });

describe('group-buy campaigns for managers and diners', () => {
  it('a manager defines and stops a campaign; diners see it on the page and in the list while open', async () => {
    const manager = staff(s, 'manager');
    const bad = await call<ErrorAnswer>(s.url, 'PUT', '/v1/staff/stores/001/group-buys/x1', {
      token: manager,
      body: {
        name: 'x',
        skuId: 'a',
        qty: 1,
        groupPriceFen: 1,
        size: 2,
        timeLimitMs: 1000,
        openFrom: 0,
        openTo: 1,
        vip: 1,
      },
    });
    expect([bad.status, bad.body.code, bad.body.message]).toEqual([
      400,
      'validation_failed',
      expect.stringContaining('vip'),
    ]);
    const waiter = await call<ErrorAnswer>(s.url, 'PUT', '/v1/staff/stores/001/group-buys/x1', {
      token: staff(s, 'waiter'),
      body: {},
    });
    expect(waiter.status).toBe(403);
    const id = await campaign();
    const d = await login(s);
    const page = await call<GroupCampaignView>(s.url, 'GET', `${base}/group-buys/${id}`, { token: d.token });
    expect(page.body).toMatchObject({ campaignId: id, open: true, terms: { size: 3, groupPriceFen: PRICE } });
    const list = await call<{ groupBuys: GroupCampaignView[] }>(s.url, 'GET', `${base}/campaigns`, { token: d.token });
    expect(list.body.groupBuys.map((c) => c.campaignId)).toContain(id);
    const stop = await call<GroupCampaignView>(s.url, 'POST', `/v1/staff/stores/001/group-buys/${id}/stop`, {
      token: manager,
    });
    expect(stop.body).toMatchObject({ stopped: true, open: false });
    const after = await call<{ groupBuys: GroupCampaignView[] }>(s.url, 'GET', `${base}/campaigns`, { token: d.token });
    expect(after.body.groupBuys.map((c) => c.campaignId)).not.toContain(id);
    const closed = await call<ErrorAnswer>(s.url, 'POST', `${base}/group-buys/${id}/groups`, {
      token: d.token,
      headers: { 'idempotency-key': idemKey() },
    });
    expect([closed.status, closed.body.code]).toEqual([409, 'group_campaign_not_open']);
    const none = await call<ErrorAnswer>(s.url, 'GET', `${base}/group-buys/nosuch`, { token: d.token });
    expect([none.status, none.body.code]).toEqual([404, 'group_campaign_not_found']);
  });
});

describe('opening and joining a group by its share code', () => {
  it('the leader opens (a retry is the same group), pays, friends join by the code; staff see it live', async () => {
    const id = await campaign();
    const d = await login(s);
    const key = idemKey();
    const first = await call<DinerGroup>(s.url, 'POST', `${base}/group-buys/${id}/groups`, {
      token: d.token,
      headers: { 'idempotency-key': key },
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'forming',
      members: 1,
      paid: 0,
      mine: { status: 'held', leader: true },
    });
    expect(first.body.share?.path).toMatch(/^\/pages\/group\/index\?store=001&campaign=/);
    const again = await call<DinerGroup>(s.url, 'POST', `${base}/group-buys/${id}/groups`, {
      token: d.token,
      headers: { 'idempotency-key': key },
    });
    expect([again.status, again.body.groupId]).toEqual([200, first.body.groupId]);
    const code = first.body.share!.code;
    const friend = await login(s);
    const early = await join(friend.token, id, code);
    expect([early.status, early.body.code]).toEqual([409, 'group_not_open']);
    await paid(first.body.groupId, d.dinerId);
    const j = await join(friend.token, id, code);
    expect(j.body).toMatchObject({ status: 'open', members: 2, paid: 1, mine: { status: 'held', leader: false } });
    const twice = await join(friend.token, id, code);
    expect(twice.body.members).toBe(2);
    const live = await call<{ groups: { groupId: string; seats: { memberId: string; inviter: string | null }[] }[] }>(
      s.url,
      'GET',
      `/v1/staff/stores/001/group-buys/${id}/groups`,
      { token: staff(s, 'waiter') },
    );
    expect(live.body.groups.map((g) => g.groupId)).toEqual([first.body.groupId]);
    expect(live.body.groups[0]!.seats).toEqual([
      { n: 1, memberId: d.dinerId, status: 'paid', inviter: null },
      { n: 2, memberId: friend.dinerId, status: 'held', inviter: d.dinerId },
    ]);
    const third = await login(s);
    await join(third.token, id, j.body.share!.code);
    const fourth = await login(s);
    const full = await join(fourth.token, id, code);
    expect([full.status, full.body.code]).toEqual([409, 'group_full']);
    const view = await call<DinerGroup>(s.url, 'GET', `${base}/groups/${first.body.groupId}`, { token: fourth.token });
    expect(view.body).toMatchObject({ members: 3, mine: null });
    expect(view.body.share).toBeUndefined();
  });

  it('a diner who is not seated follows the live member count on the WebSocket', async () => {
    const id = await campaign();
    const leader = await open(id);
    await paid(leader.group.groupId, leader.dinerId);
    const watcher = await login(s);
    const ws = await connectClient(`${s.url.replace('http', 'ws')}/ws?token=${watcher.token}&store=001`);
    try {
      const counts: number[] = [];
      ws.subscribe(`group:${leader.group.groupId}`, {
        snapshot: (d: { members: number }) => counts.push(d.members),
        delta: (d: { members: number }) => counts.push(d.members),
      });
      await waitFor(() => counts.length === 1, { what: 'the group snapshot' });
      await join(watcher.token, id, leader.group.share!.code);
      await waitFor(() => counts.at(-1) === 2, { what: 'the join pushed' });
      expect(counts).toEqual([1, 2]);
    } finally {
      ws.close();
    }
  });
});

describe('share codes that are not to be trusted', () => {
  it('forged, altered, expired, retired-key, other-campaign and other-store codes are refused with their codes', async () => {
    const id = await campaign();
    const other = await campaign();
    const leader = await open(id);
    await paid(leader.group.groupId, leader.dinerId);
    const code = leader.group.share!.code;
    const d = await login(s);
    const refusal = async (c: string, campaignId = id) => {
      const r = await join(d.token, campaignId, c);
      return [r.status, r.body.code];
    };
    expect(await refusal('not-a-code')).toEqual([400, 'share_code_invalid']);
    const parts = code.split('.');
    const last = parts[3]!;
    const flipped = `${last.slice(0, 5)}${last[5] === 'A' ? 'B' : 'A'}${last.slice(6)}`;
    expect(await refusal([...parts.slice(0, 3), flipped].join('.'))).toEqual([400, 'share_code_invalid']);
    const claims = {
      kind: 'group' as const,
      store: '001',
      campaignId: id,
      targetId: leader.group.groupId,
      inviter: leader.dinerId,
      expiresAt: Date.now() + 60_000,
    };
    const foreignKey = { current: 'k9', keys: new Map([['k9', Buffer.alloc(32, 7)]]) };
    expect(await refusal(sealShareCode(foreignKey, claims))).toEqual([410, 'share_code_key_retired']);
    const forged = {
      current: s.cfg.shareKeys.current,
      keys: new Map([[s.cfg.shareKeys.current, Buffer.alloc(32, 9)]]),
    };
    expect(await refusal(sealShareCode(forged, claims))).toEqual([400, 'share_code_invalid']);
    expect(await refusal(sealShareCode(s.cfg.shareKeys, { ...claims, expiresAt: Date.now() - 1 }))).toEqual([
      410,
      'share_code_expired',
    ]);
    expect(await refusal(code, other)).toEqual([422, 'share_code_wrong_campaign']);
    expect(await refusal(sealShareCode(s.cfg.shareKeys, { ...claims, kind: 'bargain' }))).toEqual([
      422,
      'share_code_wrong_campaign',
    ]);
    expect(await refusal(sealShareCode(s.cfg.shareKeys, { ...claims, store: '002' }))).toEqual([
      422,
      'share_code_wrong_campaign',
    ]);
    expect((await join(d.token, id, code)).status).toBe(200);
  });
});

describe('share QR codes', () => {
  it('a printed code names its group and page without login; its QR image is a PNG; a bad code is refused', async () => {
    const id = await campaign();
    const leader = await open(id);
    const share = leader.group.share!;
    expect(share.url).toBe(`${s.url}/share?c=${encodeURIComponent(share.code)}`);
    const link = await call<{ kind: string; campaignId: string; targetId: string; path: string }>(
      s.url,
      'GET',
      `/share?c=${encodeURIComponent(share.code)}`,
    );
    expect(link.body).toEqual({
      kind: 'group',
      store: '001',
      campaignId: id,
      targetId: leader.group.groupId,
      expiresAt: share.expiresAt,
      path: share.path,
    });
    const bad = await call<ErrorAnswer>(s.url, 'GET', `/share?c=${encodeURIComponent(share.code.slice(0, -2))}`);
    expect([bad.status, bad.body.code]).toEqual([400, 'share_code_invalid']);
    const r = await fetch(`${s.url}/v1/diner/share.png?c=${encodeURIComponent(share.code)}`, {
      headers: { authorization: `Bearer ${leader.token}` },
    });
    expect([r.status, r.headers.get('content-type')]).toEqual([200, 'image/png']);
    expect(
      Buffer.from(await r.arrayBuffer())
        .subarray(1, 4)
        .toString('latin1'),
    ).toBe('PNG');
  });
});
