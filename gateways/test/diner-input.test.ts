/** What the diner API refuses: malformed and ill-formed bodies, bodies over the limit, requests past the rate limits. */
import { describe, expect, it } from 'vitest';
import { call, seatedDiner, type Answer, type ErrorAnswer } from '@lunchrush/stack/testing';
import type { TableView, ValidationDetails } from './answers.js';
import { s, useDinerStack } from './diner-support.js';

useDinerStack();

describe('bad input', () => {
  it('malformed JSON, wrong types and bad values are 400 with a code and a message naming the field', async () => {
    const d = await seatedDiner(s, 12);
    const bad = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: '{"skuId": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('bad_request');
    const zero = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { skuId: 'pai-huanggua', qty: 0 },
    });
    expect(zero.status).toBe(400);
    expect(zero.body).toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('body.qty') as unknown,
    });
    const typed = await call<ErrorAnswer & { details: ValidationDetails }>(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { skuId: 42, qty: '2' },
    });
    expect(typed.status).toBe(400);
    expect(typed.body.details.issues.map((i) => i.path)).toEqual(['body.skuId', 'body.qty']);
    const text = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: 'skuId=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const unknown = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { skuId: 'no-such-dish', qty: 1 },
    });
    expect(unknown.status).toBe(422);
    expect(unknown.body.code).toBe('unknown_sku');
  });

  it('ill-formed text is refused, never stored changed: a lone surrogate or bytes that are not UTF-8', async () => {
    const d = await seatedDiner(s, 24);
    const lone = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: '{"lineId":"s-1","skuId":"pai-huanggua","qty":1,"note":"\\ud800 no ice"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(lone.status).toBe(400);
    expect(lone.body).toMatchObject({ code: 'bad_request', details: { path: 'body.note' } });
    const bytes = Buffer.concat([
      Buffer.from('{"lineId":"s-2","skuId":"pai-huanggua","qty":1,"note":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);
    const latin = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: bytes,
      headers: { 'content-type': 'application/json' },
    });
    expect(latin.status).toBe(400);
    expect(latin.body.message).toContain('UTF-8');
    // A real pair (an emoji, escaped or not) is text like any other and comes back as sent.
    const note = '少辣 \ud83c\udf36 🌶';
    const ok = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      body: { lineId: 's-3', skuId: 'pai-huanggua', qty: 1, note },
    });
    expect(ok.status).toBe(201);
    const table = await call<TableView>(s.url, 'GET', '/v1/diner/table', { token: d.token });
    expect(table.body.cart.map((l) => [l.lineId, l.note])).toEqual([['s-3', note]]);
  });

  it('a body over the limit is 413, whether declared or streamed', async () => {
    const d = await seatedDiner(s, 13);
    const big = JSON.stringify({ skuId: 'pai-huanggua', qty: 1, note: 'x'.repeat(40_000) });
    const r = await call<ErrorAnswer>(s.url, 'POST', '/v1/diner/table/cart', {
      token: d.token,
      raw: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('payload_too_large');
  });
});

describe('limits', () => {
  it('past the per-device limit requests are 429 with Retry-After', async () => {
    const device = `device-${process.pid}-${Date.now()}`;
    const statuses: number[] = [];
    const answers: Answer<ErrorAnswer>[] = [];
    for (let i = 0; i < 7; i++) {
      const r = await call<ErrorAnswer>(s.url, 'GET', '/v1/stores/001/stock', { headers: { 'x-device-id': device } });
      statuses.push(r.status);
      answers.push(r);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const last = answers[6]!;
    expect(last.body.code).toBe('rate_limited');
    expect(Number(last.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another device from the same IP is not affected.
    expect(
      (await call(s.url, 'GET', '/v1/stores/001/stock', { headers: { 'x-device-id': `${device}-b` } })).status,
    ).toBe(200);
  });

  it('diner routes: the session and the limits in one check; an unknown session is 401 and counts nothing', async () => {
    const d = await seatedDiner(s, 14);
    const device = `dev-d-${process.pid}-${Date.now()}`;
    const ghost = `ds_${'A'.repeat(32)}`; // well-formed, names no session
    for (let i = 0; i < 7; i++) {
      const r = await call<ErrorAnswer>(s.url, 'GET', '/v1/diner/table', {
        token: ghost,
        headers: { 'x-device-id': device },
      });
      expect(r.status).toBe(401);
      expect(r.body.code).toBe('unauthorized');
    }
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++)
      statuses.push(
        (await call(s.url, 'GET', '/v1/diner/table', { token: d.token, headers: { 'x-device-id': device } })).status,
      );
    // The ghost's seven did not count against the device: five answers, then the limit.
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const other = await call<TableView>(s.url, 'GET', '/v1/diner/table', {
      token: d.token,
      headers: { 'x-device-id': `${device}-b` },
    });
    expect(other.status).toBe(200);
    expect(other.body.tableId).toBe(d.tableId);
  });
});
