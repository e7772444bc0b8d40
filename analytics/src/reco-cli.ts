/** `recommend-train` and `recommend-eval` for the command line (`cli.ts` dispatches here). */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { chainTemplate } from '@lunchrush/actors/demo';
import { AnalyticsError, ErrorCode } from './errors.js';
import { evaluate } from './reco-eval.js';
import { runRecoJob, scheduleRecoJob, type RecoJobResult } from './reco-job.js';
import type { Warehouse } from './warehouse.js';

interface RecoCommandContext {
  readonly values: {
    to?: string | undefined;
    days?: string | undefined;
    every?: string | undefined;
    holdout?: string | undefined;
    'no-publish'?: boolean | undefined;
    json?: boolean | undefined;
  };
  readonly cfg: { natsUrl: string; namespace: string };
  readonly io: { out: (s: string) => void; err: (s: string) => void };
  readonly warehouse: Warehouse;
}

function positive(name: string, v: string | undefined, d: number): number {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1)
    throw new AnalyticsError(ErrorCode.BadRequest, `--${name} must be a whole number ≥ 1, got "${v}"`);
  return n;
}

const line = (r: RecoJobResult): string =>
  `recommend-train: ${r.orders} paid orders ${r.from} … ${r.to}; ${r.rows.reco_cf} item-CF, ${r.rows.reco_slope} Slope One, ` +
  `${r.rows.reco_hot} hot, ${r.rows.reco_content} content rows in ${r.seconds} s; ` +
  (r.publishedBytes > 0
    ? `${r.scopes} models and ${r.diners} diners' histories (${Math.round(r.publishedBytes / 1024)} KB) published\n`
    : `not published\n`);

export async function recoTrainCommand({ values, cfg, io, warehouse }: RecoCommandContext): Promise<number> {
  const days = positive('days', values.days, 90);
  const every = values.every === undefined ? undefined : positive('every', values.every, 3600);
  let nc: NatsConnection | undefined;
  if (values['no-publish'] !== true) nc = await connect({ servers: cfg.natsUrl.split(','), noAsyncTraces: true });
  const opts = { warehouse, nc, namespace: cfg.namespace, to: values.to, days };
  try {
    if (every === undefined) {
      io.out(line(await runRecoJob(opts)));
      return 0;
    }
    const job = scheduleRecoJob(opts, every, (r) =>
      r instanceof Error ? io.err(`recommend-train: ${r.message}\n`) : io.out(line(r)),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await job.stop();
    return 0;
  } finally {
    await nc?.close();
  }
}

export async function recoEvalCommand(
  cx: RecoCommandContext & { formatTable: (rows: readonly Record<string, unknown>[]) => string },
): Promise<number> {
  const { values, io, warehouse } = cx;
  const r = await evaluate(warehouse, {
    catalog: chainTemplate(),
    holdoutDays: positive('holdout', values.holdout, 7),
    days: positive('days', values.days, 90),
    to: values.to,
  });
  if (values.json === true) {
    io.out(JSON.stringify(r, null, 2) + '\n');
    return 0;
  }
  io.out(
    `recommend-eval: trained on ${r.trainedFrom} … ${r.trainedTo}, held out ${r.heldOutFrom} … ${r.heldOutTo}\n` +
      `(the first half of each held-out order's dishes and the diner's earlier orders are shown; the rest is to be found)\n`,
  );
  io.out(
    cx.formatTable(
      r.rows.map((x) => ({
        method: x.method,
        orders: x.orders,
        'precision@5': x.precision_at_5,
        'recall@10': x.recall_at_10,
        coverage: x.coverage,
      })),
    ),
  );
  return 0;
}
