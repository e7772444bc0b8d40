/**
 * The platforms' side of a bench run in a process of its own: `PlatformsLoad` (both platform
 * simulators, the platforms service, platform customers and staff stock changes), driven by the
 * bench over IPC (`spawnPlatformsLoad` in `platforms-load.ts`). Apart from the load generator, as
 * the platforms role runs apart from the nodes in production: sharing the bench's event loop, the
 * service's calls to a simulator in the same process took 0.5 s at 200 arrivals/s.
 */
import { EngineClient } from '@lunchrush/engine';
import { connectNats, connectRedis } from '@lunchrush/testkit';
import { PlatformsLoad, type PlatformsLoadOptions } from './platforms-load.js';
import { PARTITIONS } from './stack.js';

export type PlatformsRequest =
  | { readonly op: 'start'; readonly options: Omit<PlatformsLoadOptions, 'nc' | 'redis' | 'engine'> }
  | { readonly op: 'ready' }
  | { readonly op: 'run'; readonly durationS: number; readonly rates: { orders: number; changes: number } }
  | { readonly op: 'finish' }
  | { readonly op: 'close' };

export type PlatformsReply =
  { readonly ok: true; readonly value?: unknown } | { readonly ok: false; readonly error: string };

const nc = await connectNats();
const redis = await connectRedis();
let load: PlatformsLoad | undefined;

async function handle(r: PlatformsRequest): Promise<unknown> {
  switch (r.op) {
    case 'start':
      load = await PlatformsLoad.start({
        ...r.options,
        nc,
        redis,
        engine: new EngineClient(nc, { namespace: r.options.namespace, partitions: PARTITIONS }),
      });
      return undefined;
    case 'ready':
      return load!.ready();
    case 'run':
      return load!.run(r.durationS, r.rates);
    case 'finish':
      return load!.finish();
    case 'close':
      await load?.close();
      await nc.close();
      redis.disconnect();
      setImmediate(() => process.exit(0));
      return undefined;
  }
}

process.on('message', (r: PlatformsRequest) => {
  handle(r).then(
    (value) => process.send!({ ok: true, value } satisfies PlatformsReply),
    (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
  );
});
process.send!({ ok: true } satisfies PlatformsReply);
