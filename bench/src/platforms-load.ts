/**
 * The delivery platforms beside a bench run (issue 20): both platform simulators and the
 * platforms service (`@lunchrush/platforms`) in the bench's own process, on the stack's NATS,
 * Redis and namespace, and two open-model arrivals of their own:
 *
 * - platform orders: a 美团 or 饿了么 customer (in turn) orders one unit of a dish from the
 *   platform's copy of a store (stores in turn), pushed to us signed, sold through the sale actor
 *   or refused sold out in the platform's shape;
 * - stock changes: staff leave a dish of a store low (`scarceUnits`, under the low threshold), the
 *   other channels sell it out, staff restock it `restockAfterMs` later; each step is a level
 *   change every platform must hear (low, out, ok).
 *
 * Sync lag: from a change stored (the side output's message time) to the platform's
 * acknowledgement of the call carrying it (or a newer level of the SKU), every change, both
 * platforms; `syncLagFromCommand` counts from the change's command time instead, so it adds the
 * engine's queueing before the change was made (on a saturated box, most of it). Oversold: a platform
 * order the platform kept (we answered ok) with no sale recorded, or a SKU whose stock reads below
 * zero. Used by `lunch-rush --platforms` and by `src/platforms-sync.ts`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { saleActorId, saleOf, stockOf, type CommandSender } from '@lunchrush/actors';
import {
  DEV_CREDENTIALS,
  PLATFORMS,
  demoMapping,
  openPlatforms,
  startSimulators,
  type MappingFile,
  type Platforms,
  type PlatformName,
  type SimulatedPlatforms,
} from '@lunchrush/platforms';
import { freePort, testLogger, waitFor } from '@lunchrush/testkit';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Redis } from 'ioredis';
import type { PlatformsReply, PlatformsRequest } from './platforms-proc.js';
import { histogram, openLoop, summarize, type LatencySummary } from './stats.js';

export interface PlatformsLoadOptions {
  readonly nc: NatsConnection;
  readonly redis: Redis;
  readonly engine: CommandSender;
  readonly namespace: string;
  readonly stores: readonly string[];
  readonly skus: readonly string[];
  /** Units a dish is left with by a stock change (default 3: low, sold out by the next orders). */
  readonly scarceUnits?: number;
  /** Units a restock sets (default 1,000,000, as the lunch rush stocks every dish). */
  readonly restockUnits?: number;
  readonly restockAfterMs?: number;
}

export interface PlatformsResult {
  readonly syncLag: LatencySummary;
  readonly syncLagFromCommand: LatencySummary;
  readonly platformOrders: {
    readonly accepted: number;
    readonly refusedSoldOut: number;
    readonly refusedByPlatformCopy: number;
    readonly failed: number;
  };
  readonly stockChanges: number;
  readonly oversold: number;
  /** This process's event-loop delay while measured (the service, simulators and load generator share it). */
  readonly eventLoopDelayMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly health: Awaited<ReturnType<Platforms['health']>>['platforms'];
}

/** What a bench run asks of the platforms' side, in this process or in one of its own. */
export interface PlatformsSide {
  ready(): Promise<void>;
  run(durationS: number, rates: { orders: number; changes: number }): Promise<void>;
  finish(): Promise<PlatformsResult>;
  close(): Promise<void>;
}

export class PlatformsLoad implements PlatformsSide {
  readonly lag = histogram();
  readonly lagFromCommand = histogram();
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 10 });
  private readonly accepted: { platform: PlatformName; store: string; id: string }[] = [];
  private refused = 0;
  private refusedByCopy = 0;
  private failed = 0;
  private changes = 0;
  private readonly restocks = new Set<Promise<void>>();

  private constructor(
    private readonly o: PlatformsLoadOptions,
    readonly mapping: MappingFile,
    readonly sim: SimulatedPlatforms,
    readonly service: Platforms,
  ) {
    for (const pf of PLATFORMS)
      service.senders[pf].health.onLags = (ls, fromCommand) => {
        for (const l of ls) this.lag.recordValue(Math.max(1, l * 1000));
        for (const l of fromCommand) this.lagFromCommand.recordValue(Math.max(1, l * 1000));
      };
  }

  static async start(o: PlatformsLoadOptions): Promise<PlatformsLoad> {
    const mapping = demoMapping(o.stores, o.skus);
    const port = await freePort();
    const pushBase = `http://127.0.0.1:${port}`;
    const sim = await startSimulators({
      pushBase,
      mapping,
      engine: o.engine,
      meituan: DEV_CREDENTIALS.meituan,
      eleme: DEV_CREDENTIALS.eleme,
    });
    const service = await openPlatforms({
      nc: o.nc,
      redis: o.redis,
      namespace: o.namespace,
      prefix: o.namespace,
      engine: o.engine,
      mapping,
      platforms: sim.apis,
      port,
      opsToken: DEV_CREDENTIALS.opsToken,
      toleranceS: 300,
      log: testLogger('platforms', 'warn'),
    });
    return new PlatformsLoad(o, mapping, sim, service);
  }

  /** Waits until what came before (demo data, set-up) reached the platforms; the lag is measured from here. */
  async ready(timeoutMs = 120_000): Promise<void> {
    await waitFor(async () => (await this.service.backlog()) === 0, { timeoutMs, what: 'the platforms caught up' });
    this.lag.reset();
    this.lagFromCommand.reset();
    this.loopDelay.reset();
    this.loopDelay.enable();
  }

  /** Both arrivals for `durationS` (and the restocks they started). */
  async run(durationS: number, rates: { orders: number; changes: number }): Promise<void> {
    await Promise.all([
      openLoop({ rate: rates.orders, durationS, fire: (_d, i) => this.order(i) }),
      openLoop({ rate: rates.changes, durationS, fire: (_d, i) => this.change(i) }),
    ]);
    await Promise.all(this.restocks);
  }

  /** A platform customer orders one unit (美团 and 饿了么 in turn, stores in turn, a dish at random). */
  async order(i: number): Promise<void> {
    const platform = PLATFORMS[i % 2]!;
    const m = this.mapping[platform][Math.floor(i / 2) % this.mapping[platform].length]!;
    const sku = this.o.skus[Math.floor(Math.random() * this.o.skus.length)]!;
    const r = await this.sim.sims[platform].order(m.poi, [{ sku: m.skus[sku]!, qty: 1 }]);
    if (r.ok) this.accepted.push({ platform, store: m.store, id: r.id });
    else if (r.code !== 'sold_out') this.failed++;
    else if (r.message.endsWith('(平台)')) this.refusedByCopy++;
    else this.refused++;
  }

  /** Staff leave a dish low (stores in turn, the dishes in turn); it is restocked `restockAfterMs` later. */
  async change(i: number): Promise<void> {
    const store = this.o.stores[i % this.o.stores.length]!;
    const sku = this.o.skus[Math.floor(i / this.o.stores.length) % this.o.skus.length]!;
    const set = (available: number) =>
      stockOf(this.o.engine, store, sku).send({ type: 'set', available, at: Date.now() });
    await set(this.o.scarceUnits ?? 3);
    this.changes++;
    const restock = new Promise<void>((r) => setTimeout(r, this.o.restockAfterMs ?? 2_000))
      .then(() => set(this.o.restockUnits ?? 1_000_000))
      .then(
        () => undefined,
        () => undefined,
      );
    this.restocks.add(restock);
    void restock.finally(() => this.restocks.delete(restock));
  }

  /** Once every change reached the platforms: the figures, and the oversold count (it must be 0). */
  async finish(timeoutMs = 120_000): Promise<PlatformsResult> {
    this.loopDelay.disable();
    const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
    const d = this.loopDelay;
    const eventLoopDelayMs = { p50: ms(d.percentile(50)), p99: ms(d.percentile(99)), max: ms(d.max) };
    await waitFor(async () => (await this.service.backlog()) === 0, { timeoutMs, what: 'the platforms caught up' });
    let oversold = 0;
    for (const o of this.accepted) {
      const sale = await saleOf(this.o.engine, o.store, saleActorId('delivery', `${o.platform}.${o.id}`)).send({
        type: 'get',
      });
      if (sale === null) oversold++;
    }
    for (const store of this.o.stores)
      for (const k of this.o.skus)
        if ((await stockOf(this.o.engine, store, k).send({ type: 'get' })).available < 0) oversold++;
    return {
      syncLag: summarize(this.lag),
      syncLagFromCommand: summarize(this.lagFromCommand),
      platformOrders: {
        accepted: this.accepted.length,
        refusedSoldOut: this.refused,
        refusedByPlatformCopy: this.refusedByCopy,
        failed: this.failed,
      },
      stockChanges: this.changes,
      oversold,
      eventLoopDelayMs,
      health: (await this.service.health()).platforms,
    };
  }

  async close(): Promise<void> {
    await this.service.close();
    await this.sim.close();
  }
}

/** `PlatformsLoad` in a process of its own (`platforms-proc.ts`), compiled or through tsx as this file runs. */
export async function spawnPlatformsLoad(
  options: Omit<PlatformsLoadOptions, 'nc' | 'redis' | 'engine'>,
): Promise<PlatformsSide & { readonly pid: number }> {
  const compiled = import.meta.url.endsWith('.js');
  const child: ChildProcess = fork(new URL(`./platforms-proc.${compiled ? 'js' : 'ts'}`, import.meta.url), {
    execArgv: compiled ? ['--conditions=lunchrush-compiled'] : ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const died = once(child, 'exit').then(([code]) => {
    throw new Error(`platforms process exited (${String(code)})`);
  });
  died.catch(() => undefined);
  let queue = Promise.resolve<unknown>(undefined);
  const ask = <T>(r: PlatformsRequest): Promise<T> => {
    const next = queue.then(async () => {
      child.send(r);
      const [reply] = (await Promise.race([once(child, 'message'), died])) as [PlatformsReply];
      if (!reply.ok) throw new Error(`platforms process: ${reply.error}`);
      return reply.value as T;
    });
    queue = next.catch(() => undefined);
    return next;
  };
  const [first] = (await Promise.race([once(child, 'message'), died])) as [PlatformsReply];
  if (!first.ok) throw new Error(`platforms process: ${first.error}`);
  await ask({ op: 'start', options });
  return {
    pid: child.pid!,
    ready: () => ask({ op: 'ready' }),
    run: (durationS, rates) => ask({ op: 'run', durationS, rates }),
    finish: () => ask({ op: 'finish' }),
    async close() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      await ask({ op: 'close' }).catch(() => child.kill('SIGKILL'));
      await exited;
    },
  };
}
