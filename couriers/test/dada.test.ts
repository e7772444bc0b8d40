/**
 * 达达's signatures, the API client against the local simulator over real HTTP (create, find again,
 * tip, cancel, a wrong secret refused), and its callbacks: a rider's steps verified and confirmed
 * with the platform's status query (with the rider's position from it), while a callback that is
 * signed right but names a step the platform has not reached (达达's sign has no secret: anyone
 * can make one), a tampered sign and an old push are refused.
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@lunchrush/testkit';
import type { CommandSender } from '@lunchrush/actors';
import {
  CourierError,
  DadaCallbacks,
  DadaPlatform,
  DadaSimulator,
  dadaCallbackSign,
  dadaSign,
  type Shipment,
} from '@lunchrush/couriers';

const KEY = { appKey: 'dada6612f445e22d755', appSecret: 'edeb3632c1107860bef8d4a9663a8054' };
const HOME = { lng: 112.981, lat: 28.199 };
const SHOP_AT = { lng: 112.976, lat: 28.196 };
let sim: DadaSimulator;
let api: DadaPlatform;
let base: string;
let receiver: Server;
const received: Buffer[] = [];

const shipment = (shopOrderId: string): Shipment => ({
  shopOrderId,
  from: { name: '五一广场店', phone: '', address: '长沙市芙蓉区五一大道 1 号', location: SHOP_AT },
  to: { name: '王女士', phone: '13800138000', address: '黄兴中路 88 号', location: HOME },
  totalFen: 3600,
  items: [{ name: '扬州炒饭', qty: 2 }],
});

const platform = (apiBase: string, appSecret: string, callbackUrl: string): DadaPlatform =>
  new DadaPlatform({
    apiBase,
    appKey: KEY.appKey,
    appSecret,
    sourceId: '73753',
    shopNo: '11047059',
    cityCode: '0731',
    callbackUrl,
    timeoutMs: 5_000,
  });

/** The callbacks only verify and confirm here: nothing reaches a delivery. */
const noEngine: CommandSender = { send: () => Promise.reject(new Error('no engine in this test')) };

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(Buffer.concat(chunks));
      res.writeHead(200).end('{"status":"ok"}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  sim = new DadaSimulator({ ...KEY, stepMs: 30 });
  base = await sim.listen(0);
  api = platform(base, KEY.appSecret, `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/dada`);
});
afterAll(async () => {
  await sim?.close();
  receiver?.close();
});

describe('达达 signatures', () => {
  it('a request: upper(md5(secret + the six system parameters sorted by name, key then value + secret))', () => {
    const p = {
      app_key: 'k',
      timestamp: '1574927842',
      format: 'json',
      v: '1.0',
      source_id: '73753',
      body: '{"a":1}',
    } as const;
    const want = createHash('md5')
      .update('sapp_keykbody{"a":1}formatjsonsource_id73753timestamp1574927842v1.0s')
      .digest('hex')
      .toUpperCase();
    expect(dadaSign(p, 's')).toBe(want);
  });

  it('a callback: md5 of client_id, order_id and update_time sorted as strings and joined', () => {
    expect(dadaCallbackSign('DD1', 'o_001_x-a1', 1700000000)).toBe(
      createHash('md5').update('1700000000DD1o_001_x-a1').digest('hex'),
    );
  });
});

describe('DadaPlatform against the simulator', () => {
  it('creates, finds it again by the merchant number, tips, cancels; a wrong secret is refused for good', async () => {
    sim.riders = 'none';
    const made = await api.create(shipment('o_001_d1-a1'));
    expect(made).toEqual({ platformOrderId: 'o_001_d1-a1', feeFen: 600 });
    expect(await api.find('o_001_d1-a1')).toEqual({ platformOrderId: 'o_001_d1-a1', feeFen: 600 });
    expect(await api.find('o_001_none-a1')).toBeUndefined();
    await api.addTip('o_001_d1-a1', 300);
    expect(sim.tips).toEqual([{ originId: 'o_001_d1-a1', tipYuan: 3 }]);
    await api.cancel('o_001_d1-a1', 'no_rider');
    expect(sim.cancels).toEqual(['o_001_d1-a1']);
    const wrong = platform(base, 'not-the-secret', '');
    const e = await wrong.create(shipment('o_001_d2-a1')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CourierError);
    expect((e as CourierError).retryable).toBe(false);
    expect(sim.creates).toEqual(['o_001_d1-a1']);
  });
});

describe('达达 callbacks', () => {
  it("a rider's steps are verified and confirmed by the platform's query; forged, tampered and old ones are refused", async () => {
    const callbacks = new DadaCallbacks({ engine: noEngine, status: (id) => api.status(id), signatureToleranceS: 60 });
    sim.riders = 'normal';
    await api.create(shipment('o_001_d3-a1'));
    await waitFor(() => received.length >= 4, { what: "the rider's four callbacks" });
    const steps = [];
    for (const raw of received.slice(0, 4)) steps.push(await callbacks.verify(raw));
    expect(steps.map((s) => s?.status)).toEqual(['accepted', 'arrived', 'picked_up', 'delivered']);
    expect(steps[3]).toMatchObject({
      store: '001',
      orderId: 'o_001_d3',
      attempt: 1,
      rider: { name: '王师傅' },
      position: HOME,
    });

    // Signed right (no secret is needed to sign one), but the platform has it waiting: not believed.
    sim.riders = 'none';
    await api.create(shipment('o_001_d4-a1'));
    const now = Math.floor(Date.now() / 1000);
    const forged = { client_id: 'DDx', order_id: 'o_001_d4-a1', order_status: 4, update_time: now };
    const body = (o: object) => Buffer.from(JSON.stringify(o));
    const signed = { ...forged, signature: dadaCallbackSign('DDx', 'o_001_d4-a1', now) };
    await expect(callbacks.verify(body(signed))).rejects.toMatchObject({ code: 'courier_invalid_signature' });
    await expect(callbacks.verify(body({ ...signed, signature: '0'.repeat(32) }))).rejects.toMatchObject({
      code: 'courier_invalid_signature',
    });
    const old = now - 3600;
    const stale = { ...forged, update_time: old, signature: dadaCallbackSign('DDx', 'o_001_d4-a1', old) };
    await expect(callbacks.verify(body(stale))).rejects.toMatchObject({ code: 'courier_stale_push' });
  });
});
