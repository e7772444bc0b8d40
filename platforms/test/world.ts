/**
 * A real stack (engine, gateway, NATS, Redis: `@lunchrush/stack/testing`) with both platform
 * simulators and the platforms service beside it, in the test's own process. The simulators'
 * copies of store 001 start from our menu and stock, as after a first full sync.
 */
import { catalogOf, stockOf } from '@lunchrush/actors';
import { startStack, type Stack } from '@lunchrush/stack/testing';
import { freePort, testLogger } from '@lunchrush/testkit';
import { ElemeApi } from '../src/eleme.js';
import { demoMapping, type MappingFile } from '../src/mapping.js';
import { MeituanApi } from '../src/meituan.js';
import { openPlatforms, type Platforms } from '../src/service.js';
import { PlatformSimulator, type SimItem } from '../src/simulator.js';

export const OPS_TOKEN = 'ops-token-of-this-test';
export const MT_POI = 'mt001';
export const EL_POI = '5000001';
export const elSku = (skuId: string): string => `el-${skuId}`;

export interface World {
  readonly s: Stack;
  readonly mt: PlatformSimulator;
  readonly el: PlatformSimulator;
  readonly p: Platforms;
  readonly mapping: MappingFile;
  /** Our stock of a SKU of store 001 as a platform should show it (0 when sold out). */
  shown(skuId: string): Promise<number>;
  ops(method: 'GET' | 'POST', path: string): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const s = await startStack();
  const skuIds = s.data.template.spus.flatMap((spu) => spu.skus.map((k) => k.skuId));
  const mapping = demoMapping(['001'], skuIds);
  const port = await freePort();
  const pushTo = `http://127.0.0.1:${port}`;
  const mtCreds = { appId: '4321', secret: 'mt-secret-of-this-test' };
  const elCreds = { appId: 'el-app', secret: 'el-secret-of-this-test', token: 'el-token' };
  const mt = await PlatformSimulator.start({ api: (base) => new MeituanApi(mtCreds, pushTo, base), pushTo });
  const el = await PlatformSimulator.start({ api: (base) => new ElemeApi(elCreds, base), pushTo });
  const shown = async (skuId: string): Promise<number> => {
    const k = await stockOf(s.client, '001', skuId).send({ type: 'get' });
    return k.level === 'out' ? 0 : k.available;
  };
  const mtItems: Record<string, SimItem> = {};
  const elItems: Record<string, SimItem> = {};
  // Seeded before the service starts, so its first calls find the store on both platforms.
  const { catalog } = await catalogOf(s.client, '001').send({ type: 'get' });
  for (const spu of catalog.spus)
    for (const k of spu.skus) {
      const name = k.spec === '' ? spu.name : `${spu.name} ${k.spec}`;
      const item = { name, priceFen: k.priceFen, stock: await shown(k.skuId) };
      mtItems[k.skuId] = item;
      elItems[elSku(k.skuId)] = { name: item.name, priceFen: item.priceFen, stock: item.stock };
    }
  mt.seed(MT_POI, mtItems);
  el.seed(EL_POI, elItems);
  const p = await openPlatforms({
    nc: s.t.nc,
    redis: s.t.redis!,
    namespace: s.t.ns,
    prefix: s.t.ns,
    engine: s.client,
    mapping,
    platforms: {
      meituan: { api: new MeituanApi(mtCreds, pushTo, mt.url), apiBase: mt.url },
      eleme: { api: new ElemeApi(elCreds, el.url), apiBase: el.url },
    },
    port,
    opsToken: OPS_TOKEN,
    toleranceS: 300,
    sender: { retryBaseMs: 50, retryMaxMs: 400, downAfterMs: 300 },
    log: testLogger('platforms'),
  });
  return {
    s,
    mt,
    el,
    p,
    mapping,
    shown,
    async ops(method, path) {
      const r = await fetch(p.url + path, { method, headers: { authorization: `Bearer ${OPS_TOKEN}` } });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    },
    async close() {
      await p.close();
      await mt.close();
      await el.close();
      await s.close();
    },
  };
}
