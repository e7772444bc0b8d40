/**
 * menu: a diner opening a store's menu with its pictures, cold (nothing cached): the menu
 * (`GET /v1/stores/{s}/menu`, gzip) and then every dish photo it lists, at most six at a
 * time (a browser's or WebView's connections per host), measured from the arrival's
 * scheduled time to the last picture (`menu+images`). The seed asks a menu in ≤ 1 s.
 *
 * Set-up, through the merchant console's API: one photo per template dish (a 1200×900
 * JPEG of blurred noise, ~50 KB once the gateway has made it an 800 px WebP: a realistic
 * dish photo's size, not a flat colour's), uploaded once (names are content hashes, so
 * every store shares them), and every dish of every store re-saved with its photo.
 */
import type { Spu } from '@lunchrush/actors';
import { signStaffToken } from '@lunchrush/gateways';
import sharp from 'sharp';
import { Api, devConfig, pool } from '../api.js';
import { Recorder, openLoop } from '../stats.js';
import type { RunOptions, ScenarioResult } from './run.js';
import { warmup } from './setup.js';

/** Pictures fetched at once by one diner. */
const PER_CLIENT = 6;

const managerOf = (store: string): string =>
  signStaffToken(devConfig.staffKeys, { store, role: 'manager', staffId: 'bench-menu', ttlS: 3_600 });

async function photo(i: number): Promise<Buffer> {
  return sharp({
    create: {
      width: 1200,
      height: 900,
      channels: 3,
      background: '#000',
      noise: { type: 'gaussian', mean: 60 + (i % 7) * 20, sigma: 60 },
    },
  })
    .blur(2)
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function upload(api: Api, i: number): Promise<string> {
  const r = await api.pool.request({
    method: 'POST',
    path: '/v1/staff/stores/001/images',
    headers: { authorization: `Bearer ${managerOf('001')}`, 'content-type': 'image/jpeg' },
    body: await photo(i),
  });
  const body = (await r.body.json()) as { url?: string; code?: string };
  if (r.statusCode !== 201 || body.url === undefined) throw new Error(`image upload: ${r.statusCode} ${body.code}`);
  return new URL(body.url).pathname;
}

/** Every template dish of every store gets its photo; answers each store's photo paths. */
async function setUp(o: RunOptions, api: Api): Promise<Map<string, string[]>> {
  const spus = o.data.template.spus;
  o.log(`uploading ${spus.length} dish photos`);
  const paths: string[] = [];
  await pool(
    spus.map((_, i) => i),
    2,
    async (i) => void (paths[i] = await upload(api, i)),
  );
  const base = new URL(o.url).origin;
  o.log(`saving ${spus.length} dishes with photos in ${o.data.stores.length} stores`);
  const work = o.data.stores.flatMap((s) => spus.map((spu, i) => [s.storeId, spu, paths[i]!] as const));
  await pool(work, 16, async ([store, spu, path]: readonly [string, Spu, string]) => {
    const r = await api.pool.request({
      method: 'PUT',
      path: `/v1/staff/stores/${store}/menu/spus/${spu.spuId}`,
      headers: { authorization: `Bearer ${managerOf(store)}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...spu, images: [`${base}${path}`] }),
    });
    const text = await r.body.text();
    if (r.statusCode !== 200) throw new Error(`save ${store}/${spu.spuId}: ${r.statusCode} ${text}`);
  });
  return new Map(o.data.stores.map((s) => [s.storeId, paths]));
}

/** One diner's cold menu: the menu, then its photos six at a time. */
function menuArrival(api: Api, rec: Recorder, stores: readonly string[], photos: Map<string, string[]>) {
  return async (dueAt: number, i: number): Promise<void> => {
    const store = stores[i % stores.length]!;
    const m = await api.menu(store);
    rec.record('menu', performance.now() - dueAt, m.code);
    if (m.code !== 'ok') {
      rec.record('menu+images', performance.now() - dueAt, m.code);
      return;
    }
    const queue = [...photos.get(store)!];
    let failed = '';
    await Promise.all(
      Array.from({ length: PER_CLIENT }, async () => {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) {
          const t = performance.now();
          const r = await api.call('GET', p, { discardOk: true });
          rec.record('image', performance.now() - t, r.code);
          if (r.code !== 'ok') failed = r.code;
        }
      }),
    );
    rec.record('menu+images', performance.now() - dueAt, failed === '' ? 'ok' : failed);
  };
}

export async function menuImages(o: RunOptions): Promise<ScenarioResult> {
  const api = new Api(o.url, o.connections);
  try {
    const photos = await setUp(o, api);
    const stores = o.data.stores.map((s) => s.storeId);
    await warmup(o, new Recorder('menu+images', false), menuArrival(api, new Recorder('x', false), stores, photos));
    const rec = new Recorder('menu+images', o.progress);
    o.cpu?.start();
    rec.start();
    const loop = await openLoop({ rate: o.rate, durationS: o.durationS, fire: menuArrival(api, rec, stores, photos) });
    rec.stop();
    const cpu = o.cpu?.stop();
    const s = rec.summary();
    const full = s['menu+images'];
    return {
      scenario: 'menu',
      target: o.url,
      rate: o.rate,
      durationS: o.durationS,
      summary: {
        menusPerS: full?.ratePerS ?? 0,
        photosPerMenu: photos.get(stores[0]!)?.length ?? 0,
        menuWithImagesP50Ms: full?.p50Ms,
        menuWithImagesP99Ms: full?.p99Ms,
        menuP99Ms: s.menu?.p99Ms,
        imageP99Ms: s.image?.p99Ms,
        errors: Object.fromEntries(
          Object.entries(s).flatMap(([op, x]) => Object.entries(x.errors).map(([c, n]) => [`${op}: ${c}`, n])),
        ),
        backlog: loop.backlog,
        target1sP99: (full?.p99Ms ?? Infinity) <= 1_000,
      },
      ops: s,
      timeline: rec.timeline,
      correctness: {},
      ...(cpu === undefined ? {} : { extra: { cpu } }),
    };
  } finally {
    await api.close();
  }
}
