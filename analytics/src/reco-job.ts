/**
 * The recommendation job: train the models in ClickHouse, read them back as
 * one compact model per scope, publish them to the gateways' KV bucket. Run
 * once (`recommend-train`), on a schedule (`recommend-train --every 3600`, or
 * `ANALYTICS_RECO_TRAIN_EVERY_S` inside `serve`, which owns the chDB folder),
 * and evaluated offline (`recommend-eval`).
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { chainTemplate } from '@lunchrush/actors/demo';
import type { CatalogDoc } from '@lunchrush/actors';
import { publishModels, readDiners, readModels } from './reco-export.js';
import { trainModels, trainWindow, type TrainResult } from './reco-train.js';
import type { Warehouse } from './warehouse.js';

export interface RecoJobOptions {
  readonly warehouse: Warehouse;
  /** Where to publish; absent: train only. */
  readonly nc?: NatsConnection | undefined;
  readonly namespace: string;
  /** Last day of the window (default: the newest order's day). */
  readonly to?: string | undefined;
  readonly days?: number | undefined;
  /** The catalog whose attributes give content similarity (default: the chain template). */
  readonly catalog?: CatalogDoc | undefined;
}

export interface RecoJobResult extends TrainResult {
  readonly scopes: number;
  /** Returning diners whose own history was published. */
  readonly diners: number;
  readonly publishedBytes: number;
}

export async function runRecoJob(o: RecoJobOptions): Promise<RecoJobResult> {
  const w = await trainWindow(o.warehouse, { to: o.to, days: o.days });
  const run = await trainModels(o.warehouse, w, o.catalog ?? chainTemplate());
  const models = await readModels(o.warehouse, run);
  const diners = await readDiners(o.warehouse, run);
  const publishedBytes = o.nc === undefined ? 0 : await publishModels(o.nc, o.namespace, models, diners);
  return { ...run, scopes: models.size, diners: diners.size, publishedBytes };
}

/**
 * Runs the job now and every `everyS` seconds after the previous run ended (a run never
 * overlaps the next); `stop()` waits for a run under way.
 */
export function scheduleRecoJob(
  o: RecoJobOptions,
  everyS: number,
  report: (r: RecoJobResult | Error) => void,
): { stop: () => Promise<void> } {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const tick = (): void => {
    running = runRecoJob(o)
      .then(report, (e: unknown) => report(e instanceof Error ? e : new Error(String(e))))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, everyS * 1000);
      });
  };
  tick();
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
