/** The diner API before an order: table QR tokens, the menu, the shared table cart. */
import { describe, expect, it } from 'vitest';
import { gunzipSync } from 'node:zlib';
import http from 'node:http';
import { parseTableCode } from '@lunchrush/actors';
import { redisUrl, waitFor } from '@lunchrush/testkit';
import { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import { parseKeyRing } from '../src/config.js';
import { EngineGate } from '../src/engine-gate.js';
import { MenuCache } from '../src/menu.js';
import { signTableToken, verifyTableToken } from '../src/tokens.js';
import { call, login, seatedDiner, tableToken, type ErrorAnswer } from '@lunchrush/stack/testing';
import type { Menu, Quote, TableView } from './answers.js';
import { K1, K2, s, useDinerStack } from './diner-support.js';

useDinerStack();

describe('table QR tokens', () => {
  it('a good token resolves to its store and table; new tokens are signed with the first key', async () => {
    const { token, tableId } = tableToken(s, 3);
    expect(token.startsWith('t1.k2.')).toBe(true);
    const r = await call<ErrorAnswer>(s.url, 'GET', `/v1/tables/resolve?token=${token}`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ store: '001', tableId });
  });

  it('tampered, forged or malformed tokens are refused with 401', async () => {
    const { token } = tableToken(s, 0);
    const parts = token.split('.');
    const otherTable = tableToken(s, 1).tableId;
    const forged = [parts[0], parts[1], otherTable, parts[3]].join('.'); // another table's digits, this table's MAC
    const sig = parts[3]!;
    const flipped = [parts[0], parts[1], parts[2], (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1)].join('.');
    for (const bad of [forged, flipped, 'not-a-token', `${token}x`]) {
      const r = await call<ErrorAnswer>(s.url, 'GET', `/v1/tables/resolve?token=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(401);
      expect(r.body.code).toBe('invalid_qr_token');
      expect(typeof r.body.message).toBe('string');
    }
  });

  it('rotation: codes signed with a key still in the ring work; a retired key is refused', async () => {
    const code = parseTableCode(s.data.stores[0]!.tables[2]!.tableId);
    const oldRing = parseKeyRing('old', K1);
    const printedBefore = signTableToken(oldRing, code);
    expect((await call(s.url, 'GET', `/v1/tables/resolve?token=${printedBefore}`)).status).toBe(200);
    const retired = signTableToken(
      parseKeyRing('gone', `k0:${Buffer.from('a-key-that-was-rotated-out-long-ago').toString('base64')}`),
      code,
    );
    const r = await call<ErrorAnswer>(s.url, 'GET', `/v1/tables/resolve?token=${retired}`);
    expect(r.status).toBe(401);
    expect(r.body.code).toBe('qr_key_retired');
    // After k1 is dropped from the ring, what it signed stops working.
    expect(() => verifyTableToken(parseKeyRing('new', K2), printedBefore)).toThrow(/retired/);
  });
});

describe('menu', () => {
  it('answers 304 to its ETag, and a catalog change gives a new ETag and price', async () => {
    const first = await call<Menu>(s.url, 'GET', '/v1/stores/001/menu');
    expect(first.status).toBe(200);
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"m\d+-/);
    const spu = first.body.spus.find((x) => x.spuId === 'laocu-huasheng')!;
    expect(spu.skus[0]).not.toHaveProperty('costFen');
    const again = await call(s.url, 'GET', '/v1/stores/001/menu', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);

    // A change made straight in the engine (not through this gateway) reaches the cache through the catalog's events.
    await s.client.send('001', 'catalog', 'menu', {
      type: 'setPrice',
      skuId: 'laocu-huasheng',
      priceFen: 1450,
      at: Date.now(),
    });
    const changed = await waitFor(
      async () => {
        const r = await call<Menu>(s.url, 'GET', '/v1/stores/001/menu', { headers: { 'if-none-match': etag } });
        return r.status === 200 ? r : undefined;
      },
      { what: 'the menu to change' },
    );
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.body.spus.find((x) => x.spuId === 'laocu-huasheng')!.skus[0]!.priceFen).toBe(1450);
  });

  it('is gzipped when the client takes gzip, the same JSON either way; W/ ETags match too', async () => {
    // node:http, not fetch: fetch asks for gzip itself and unzips before the test could look.
    const get = (headers: Record<string, string>) =>
      new Promise<{ status: number; headers: http.IncomingHttpHeaders; bytes: Buffer }>((resolve, reject) => {
        http
          .get(`${s.url}/v1/stores/001/menu`, { headers }, (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, bytes: Buffer.concat(chunks) }));
          })
          .on('error', reject);
      });
    const plain = await get({});
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const zipped = await get({ 'accept-encoding': 'br, gzip;q=0.8' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('accept-encoding');
    expect(zipped.bytes.length).toBeLessThan(plain.bytes.length / 3);
    expect(gunzipSync(zipped.bytes).equals(plain.bytes)).toBe(true);
    expect(JSON.parse(plain.bytes.toString('utf8'))).toMatchObject({ store: '001' });
    expect((await get({ 'accept-encoding': 'gzip;q=0, identity' })).headers['content-encoding']).toBeUndefined();
    const etag = plain.headers.etag as string;
    expect((await get({ 'if-none-match': `"x", W/${etag}` })).status).toBe(304);
    expect((await get({ 'if-none-match': '"m0-nope"' })).status).toBe(200);
  });

  it('a crowd of reads that finds no menu (a cold gateway, or just after a change) reads and builds it once', async () => {
    const redis = new Redis(redisUrl());
    const registry = new Registry();
    const gate = new EngineGate(s.client, 1000, 5000, 1, registry);
    let catalogReads = 0;
    const counting = Object.assign(Object.create(gate) as EngineGate, {
      catalog: (store: string) => {
        const h = gate.catalog(store);
        return { send: (c: Parameters<typeof h.send>[0]) => (catalogReads++, h.send(c)) } as typeof h;
      },
    });
    const menus = new MenuCache(counting, redis, `${s.t.ns}-crowd`, 60, 1000, pino({ level: 'silent' }), registry);
    try {
      const cold = await Promise.all(Array.from({ length: 40 }, () => menus.get('001')));
      expect(new Set(cold).size).toBe(1);
      expect(catalogReads).toBe(1);
      // A change: the next crowd reads once more, and gets the new revision.
      const rev = cold[0]!.rev;
      menus.invalidate('001', rev + 1);
      await redis.del(`${s.t.ns}-crowd:menu:001`);
      await s.client.send('001', 'catalog', 'menu', {
        type: 'setPrice',
        skuId: 'laocu-huasheng',
        priceFen: 1460,
        at: Date.now(),
      });
      const after = await Promise.all(Array.from({ length: 40 }, () => menus.get('001')));
      expect(new Set(after).size).toBe(1);
      expect(after[0]!.rev).toBe(rev + 1);
      expect(catalogReads).toBe(2);
    } finally {
      menus.stop();
      redis.disconnect();
    }
  });

  it('an unknown store is 404; a malformed store id is 400', async () => {
    expect((await call<ErrorAnswer>(s.url, 'GET', '/v1/stores/987/menu')).body.code).toBe('store_not_configured');
    const r = await call<ErrorAnswer>(s.url, 'GET', '/v1/stores/abc/menu');
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('validation_failed');
  });
});

describe('the shared table cart', () => {
  it('two diners at one table add to one cart and both see every line', async () => {
    const a = await seatedDiner(s, 5);
    const b = await seatedDiner(s, 5);
    expect(a.dinerId).not.toBe(b.dinerId);
    const ra = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: a.token,
      body: { lineId: 'a-1', skuId: 'yuxiang-rousi', qty: 1 },
    });
    const rb = await call(s.url, 'POST', '/v1/diner/table/cart', {
      token: b.token,
      body: { lineId: 'b-1', skuId: 'mapo-doufu', qty: 2, options: [{ group: 'spice', choice: 'hot' }] },
    });
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(201);
    for (const who of [a, b]) {
      const t = await call<TableView>(s.url, 'GET', '/v1/diner/table', { token: who.token });
      expect(t.body.cart.map((l) => [l.lineId, l.dinerId])).toEqual([
        ['a-1', a.dinerId],
        ['b-1', b.dinerId],
      ]);
      expect(t.body.diners).toEqual(expect.arrayContaining([a.dinerId, b.dinerId]));
    }
    const q = await call<Quote>(s.url, 'POST', '/v1/diner/quote', { token: b.token, body: {} });
    expect(q.status).toBe(200);
    expect(q.body.totalFen).toBe(2900 + 2 * 2200);
    const removed = await call<TableView>(s.url, 'DELETE', '/v1/diner/table/cart/a-1', { token: b.token });
    expect(removed.body.cart.map((l) => l.lineId)).toEqual(['b-1']);
    // A quantity change in place, by PATCH or by PUT (wx.request cannot send PATCH).
    for (const [method, qty] of [
      ['PATCH', 3],
      ['PUT', 4],
    ] as const) {
      const changed = await call<TableView>(s.url, method, '/v1/diner/table/cart/b-1', {
        token: a.token,
        body: { qty },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.cart.map((l) => [l.lineId, l.qty])).toEqual([['b-1', qty]]);
    }
  });

  it('cart routes need a session and a scanned table', async () => {
    expect((await call(s.url, 'GET', '/v1/diner/table')).status).toBe(401);
    const d = await login(s);
    const r = await call<ErrorAnswer>(s.url, 'GET', '/v1/diner/table', { token: d.token });
    expect(r.status).toBe(409);
    expect(r.body.code).toBe('no_table');
    expect((await call(s.url, 'GET', '/v1/diner/table', { token: 'ds_forgedforgedforgedforgedforgedfo' })).status).toBe(
      401,
    );
  });
});
