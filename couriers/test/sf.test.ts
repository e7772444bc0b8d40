/**
 * 顺丰同城's signature and the API client against the local simulator over real HTTP: signed
 * requests accepted, a wrong key refused, an order found again by the merchant's number, a tip
 * refused once a rider took it, and the configuration's refusals.
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CourierError,
  SfCityPlatform,
  SfCitySimulator,
  parseCourierConfig,
  sfSign,
  sfVerify,
  type Shipment,
} from '@lunchrush/couriers';

const DEV = { devId: '1550000001', devKey: 'k-0123456789' };
const sims: SfCitySimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
});

const shipment = (shopOrderId: string): Shipment => ({
  shopOrderId,
  from: {
    name: '五一广场店',
    phone: '',
    address: '长沙市芙蓉区五一大道 1 号',
    location: { lng: 112.976, lat: 28.196 },
  },
  to: { name: '王女士', phone: '13800138000', address: '黄兴中路 88 号', location: { lng: 112.981, lat: 28.199 } },
  totalFen: 3600,
  items: [{ name: '扬州炒饭', qty: 2 }],
});

async function platform(key = DEV.devKey): Promise<{ sim: SfCitySimulator; api: SfCityPlatform }> {
  // Riders take orders at once and step every 10 s: nothing moves during a test but the accept.
  const sim = new SfCitySimulator({ ...DEV, callbackUrl: () => 'http://127.0.0.1:9/none', stepMs: 10_000 });
  sims.push(sim);
  const apiBase = await sim.listen(0);
  return { sim, api: new SfCityPlatform({ apiBase, devId: DEV.devId, devKey: key, shopId: 's1', timeoutMs: 2_000 }) };
}

describe('顺丰同城', () => {
  it('signs base64(md5_hex(body&dev_id&dev_key)) and verifies only that', () => {
    const body = '{"order_id":"o_1-a1"}';
    const hex = createHash('md5').update(`${body}&${DEV.devId}&${DEV.devKey}`).digest('hex');
    expect(sfSign(body, DEV.devId, DEV.devKey)).toBe(Buffer.from(hex).toString('base64'));
    expect(sfVerify(body, sfSign(body, DEV.devId, DEV.devKey), DEV.devId, DEV.devKey)).toBe(true);
    expect(sfVerify(`${body} `, sfSign(body, DEV.devId, DEV.devKey), DEV.devId, DEV.devKey)).toBe(false);
    expect(sfVerify(body, sfSign(body, DEV.devId, 'other'), DEV.devId, DEV.devKey)).toBe(false);
  });

  it('creates, finds again by the merchant number, tips and cancels through signed requests', async () => {
    const { sim, api } = await platform();
    sim.riders = 'none';
    const made = await api.create(shipment('o_001_a-a1'));
    expect(made.platformOrderId).toMatch(/^SF/);
    expect(await api.find('o_001_a-a1')).toMatchObject({ platformOrderId: made.platformOrderId });
    expect(await api.find('o_001_b-a1')).toBeUndefined();
    await api.addTip('o_001_a-a1', 300);
    expect(sim.tips).toEqual([{ shopOrderId: 'o_001_a-a1', tipFen: 300 }]);
    await api.cancel('o_001_a-a1', 'no_rider');
    expect(sim.statusOf('o_001_a-a1')).toBe(2);
  });

  it('refuses for good a request signed with another key', async () => {
    const { api } = await platform('not-the-key');
    const e = await api.create(shipment('o_001_c-a1')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CourierError);
    expect(e).toMatchObject({ code: 'courier_refused', retryable: false });
  });
});

describe('courier configuration', () => {
  it('is off in production by default, the simulator in development, and refuses typos and a production simulator', () => {
    expect(parseCourierConfig({}, false).mode).toBe('off');
    expect(parseCourierConfig({}, true).mode).toBe('simulator');
    expect(() => parseCourierConfig({ COURIER_MODE: 'simulator' }, false)).toThrow(/development/);
    expect(() => parseCourierConfig({ COURIER_MAX_TIP: '2' }, true)).toThrow(/unknown variable COURIER_MAX_TIP/);
    expect(() => parseCourierConfig({ COURIER_MODE: 'sf' }, false)).toThrow(/COURIER_SF_DEV_ID is required/);
    expect(parseCourierConfig({ COURIER_MAX_TIPS: '3' }, true).policy.maxTips).toBe(3);
  });
});
