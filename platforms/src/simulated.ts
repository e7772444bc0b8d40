/**
 * Both platforms' simulators, their first copy of each mapped store's menu and stock read from
 * ours (as after a first full sync), and the adapters that talk to them. `main.ts` in simulator
 * mode and the bench start platforms this way.
 */
import { catalogOf, stockOf, type CommandSender } from '@lunchrush/actors';
import { ElemeApi } from './eleme.js';
import type { MappingFile } from './mapping.js';
import { MeituanApi } from './meituan.js';
import { PLATFORMS, type AppCredentials, type PlatformApi, type PlatformName } from './platform.js';
import { PlatformSimulator, type SimItem } from './simulator.js';

export interface SimulatedPlatforms {
  readonly sims: Record<PlatformName, PlatformSimulator>;
  /** Our side's adapters, pointed at the simulators. */
  readonly apis: Record<PlatformName, { api: PlatformApi; apiBase: string }>;
  close(): Promise<void>;
}

export async function startSimulators(o: {
  readonly pushBase: string;
  readonly mapping: MappingFile;
  readonly engine: CommandSender;
  readonly meituan: AppCredentials;
  readonly eleme: AppCredentials & { readonly token: string };
  readonly toleranceS?: number;
}): Promise<SimulatedPlatforms> {
  const sims = {
    meituan: await PlatformSimulator.start({
      api: (b) => new MeituanApi(o.meituan, o.pushBase, b),
      pushTo: o.pushBase,
    }),
    eleme: await PlatformSimulator.start({ api: (b) => new ElemeApi(o.eleme, b), pushTo: o.pushBase }),
  };
  for (const p of PLATFORMS)
    for (const m of o.mapping[p]) {
      const items: Record<string, SimItem> = {};
      const { catalog } = await catalogOf(o.engine, m.store).send({ type: 'get' });
      for (const spu of catalog.spus)
        for (const k of spu.skus) {
          const theirs = m.skus[k.skuId];
          if (theirs === undefined) continue;
          const st = await stockOf(o.engine, m.store, k.skuId).send({ type: 'get' });
          const name = k.spec === '' ? spu.name : `${spu.name} ${k.spec}`;
          items[theirs] = { name, priceFen: k.priceFen, stock: st.level === 'out' ? 0 : st.available };
        }
      sims[p].seed(m.poi, items);
    }
  return {
    sims,
    apis: {
      meituan: {
        api: new MeituanApi(o.meituan, o.pushBase, sims.meituan.url, o.toleranceS),
        apiBase: sims.meituan.url,
      },
      eleme: { api: new ElemeApi(o.eleme, sims.eleme.url, o.toleranceS), apiBase: sims.eleme.url },
    },
    close: async () => {
      await Promise.all(PLATFORMS.map((p) => sims[p].close()));
    },
  };
}
