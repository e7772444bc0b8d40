/**
 * `npm run analytics -- <command>`: the analysts' and operators' command line.
 *
 *   heatmap|slots|turnover|dishes|channels|soldout|conversion|kitchen|stores|summary
 *          [--store 001] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--limit N] [--json] [--api URL]
 *   sql "SELECT …" [--json] [--api URL]      read-only
 *   serve                                     ingestion + HTTP API + dashboard (same as main.ts)
 *   backfill                                  rebuild every table from the whole streams, with a progress bar
 *   generate [--stores 20] [--days 90] [--start YYYY-MM-DD] [--seed N] [--orders-per-day 210] [--direct]
 *                                             to analytics' history stream, never the engine's (sources.ts)
 *   migrate                                   create the schema
 *   recommend-train [--to YYYY-MM-DD] [--days 90] [--every SECONDS] [--no-publish]
 *                                             train the recommendation models, publish them to the gateways
 *   recommend-eval [--holdout 7] [--days 90] [--to YYYY-MM-DD] [--json]   precision@5, recall@10, coverage vs popularity
 *
 * Views open the warehouse directly (chDB at ANALYTICS_CHDB_PATH, or CLICKHOUSE_URL),
 * or ask a running analytics server with --api (chDB allows one process per data folder).
 */
import { parseArgs } from 'node:util';
import { SingleBar, Presets } from 'cli-progress';
import { connect } from '@nats-io/transport-node';
import { parseConfig } from './config.js';
import { AnalyticsError, ErrorCode, ensureError } from './errors.js';
import { generateHistory } from './generator.js';
import { backfill, loadHistoryDirect, publishHistory } from './history.js';
import {
  isViewName,
  parseViewParams,
  runView,
  VIEW_HELP,
  VIEW_NAMES,
  type ViewName,
  type ViewParams,
} from './queries.js';
import { recoEvalCommand, recoTrainCommand } from './reco-cli.js';
import { migrate } from './schema.js';
import { historySource } from './sources.js';
import { Warehouse } from './warehouse.js';

export interface CliIo {
  out: (s: string) => void;
  err: (s: string) => void;
  /** An open warehouse to use instead of opening one (tests, or a caller that has one). */
  warehouse?: Warehouse;
  env?: NodeJS.ProcessEnv;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

const USAGE = `usage: npm run analytics -- <command> [options]

views (--store 001|all --from YYYY-MM-DD --to YYYY-MM-DD --limit N --json --api URL):
${VIEW_NAMES.map((v) => `  ${v.padEnd(11)} ${VIEW_HELP[v]}`).join('\n')}
other:
  sql "SELECT …"   read-only SQL (--json, --api URL)
  serve            ingestion + HTTP API + dashboard
  backfill         rebuild every table from the whole JetStream history (the engine's log and the generated history)
  generate         publish a realistic history to analytics' history stream (--stores --days --start --seed --orders-per-day; --direct: straight into ClickHouse)
  migrate          create the schema
  recommend-train  train the recommendation models in ClickHouse and publish them to the gateways' KV bucket
                   (--to YYYY-MM-DD --days 90; --every SECONDS: again and again; --no-publish: tables only)
  recommend-eval   hold out the last days (--holdout 7 of --days 90, ending --to): precision@5, recall@10, coverage vs popularity
`;

/** Formats a cell: money columns (`*_fen`) as yuan, rates as percentages. */
function cell(key: string, v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' && key.endsWith('_fen')) return (v / 100).toFixed(2);
  if (typeof v === 'number' && (key.endsWith('_rate') || key.endsWith('_share') || key === 'conversion'))
    return `${(v * 100).toFixed(1)}%`;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint')
    return String(v);
  return JSON.stringify(v);
}

/** A plain text table: headers, a rule, right-aligned numbers. */
export function formatTable(rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return '(no rows)\n';
  const keys = Object.keys(rows[0]!);
  const heads = keys.map((k) => (k.endsWith('_fen') ? `${k.slice(0, -4)}_yuan` : k));
  const cells = rows.map((r) => keys.map((k) => cell(k, r[k])));
  const width = (s: string): number => [...s].reduce((n, ch) => n + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
  const w = heads.map((h, i) => Math.max(width(h), ...cells.map((c) => width(c[i]!))));
  const numeric = keys.map((k) => rows.every((r) => typeof r[k] === 'number'));
  const pad = (s: string, i: number): string => {
    const fill = ' '.repeat(w[i]! - width(s));
    return numeric[i] ? fill + s : s + fill;
  };
  const line = (c: string[]): string => c.map(pad).join('  ').trimEnd();
  return [line(heads), w.map((n) => '-'.repeat(n)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

/** The heatmap as a weekday × hour matrix of paid orders. */
export function formatHeatmap(
  rows: readonly { weekday: number; hour: number; orders: number; revenue_fen: number }[],
): string {
  if (rows.length === 0) return '(no rows)\n';
  const hours = [...new Set(rows.map((r) => r.hour))].sort((a, b) => a - b);
  const lo = hours[0]!;
  const hi = hours[hours.length - 1]!;
  const span = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  const by = new Map(rows.map((r) => [`${r.weekday}:${r.hour}`, r]));
  const cellW = Math.max(3, ...rows.map((r) => String(r.orders).length));
  const head = ['orders', ...span.map((h) => String(h).padStart(cellW)), '  total'].join(' ');
  const lines = [head];
  let total = 0;
  let revenue = 0;
  for (let d = 1; d <= 7; d++) {
    let sum = 0;
    const cells = span.map((h) => {
      const r = by.get(`${d}:${h}`);
      sum += r?.orders ?? 0;
      revenue += r?.revenue_fen ?? 0;
      return String(r?.orders ?? '.').padStart(cellW);
    });
    total += sum;
    lines.push([WEEKDAYS[d - 1]!.padEnd(6), ...cells, String(sum).padStart(7)].join(' '));
  }
  lines.push(`paid orders ${total}, revenue ${(revenue / 100).toFixed(2)} yuan (hours are Asia/Shanghai)`);
  return lines.join('\n') + '\n';
}

async function viaApi<T>(api: string, path: string): Promise<T> {
  const res = await fetch(new URL(path, api));
  const body = (await res.json()) as { error?: { code: string; message: string } } & T;
  if (!res.ok) {
    const code = (body.error?.code ?? ErrorCode.Query) as ErrorCode;
    throw new AnalyticsError(code, body.error?.message ?? `HTTP ${res.status}`);
  }
  return body;
}

type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

function parseCliArgs(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      store: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
      api: { type: 'string' },
      stores: { type: 'string' },
      days: { type: 'string' },
      start: { type: 'string' },
      seed: { type: 'string' },
      'orders-per-day': { type: 'string' },
      direct: { type: 'boolean', default: false },
      every: { type: 'string' },
      holdout: { type: 'string' },
      'no-publish': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

type CliValues = ReturnType<typeof parseCliArgs>['values'];

/** What a command needs: its options, the configuration, the warehouse (opened on first use), where to write. */
interface CommandContext {
  readonly values: CliValues;
  readonly rest: string[];
  readonly cfg: ReturnType<typeof parseConfig>;
  readonly env: NodeJS.ProcessEnv;
  readonly io: CliIo;
  readonly warehouse: () => Promise<Warehouse>;
}

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs(argv);
  const [command, ...rest] = positionals;
  if (command === undefined || values.help) {
    io.out(USAGE);
    return command === undefined && !values.help ? 2 : 0;
  }
  const env = io.env ?? process.env;
  const cfg = parseConfig(env);
  let opened: Warehouse | undefined;
  const warehouse = async (): Promise<Warehouse> => {
    if (io.warehouse !== undefined) return io.warehouse;
    opened = Warehouse.open(cfg);
    await migrate(opened);
    return opened;
  };
  const cx: CommandContext = { values, rest, cfg, env, io, warehouse };
  try {
    if (isViewName(command)) return await viewCommand(cx, command);
    switch (command) {
      case 'sql':
        return await sqlCommand(cx);
      case 'migrate':
        await warehouse();
        io.out(`schema ready (${opened?.kind ?? io.warehouse?.kind} at ${opened?.where ?? io.warehouse?.where})\n`);
        return 0;
      case 'serve': {
        const { main } = await import('./main.js');
        await main(env);
        return 0;
      }
      case 'backfill':
        return await backfillCommand(cx);
      case 'generate':
        return await generateCommand(cx);
      case 'recommend-train':
        return await recoTrainCommand({ ...cx, warehouse: await warehouse() });
      case 'recommend-eval':
        return await recoEvalCommand({ ...cx, warehouse: await warehouse(), formatTable });
      default:
        io.err(`unknown command "${command}"\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    const err = ensureError(e);
    io.err(`analytics ${command}: ${err instanceof AnalyticsError ? `[${err.code}] ` : ''}${err.message}\n`);
    return 1;
  } finally {
    await opened?.close();
  }
}

async function viewCommand({ values, io, warehouse }: CommandContext, command: ViewName): Promise<number> {
  const params: ViewParams = parseViewParams({
    store: values.store,
    from: values.from,
    to: values.to,
    limit: values.limit,
  });
  const rows =
    values.api !== undefined
      ? (
          await viaApi<{ rows: Record<string, unknown>[] }>(
            values.api,
            `/api/${command}?${new URLSearchParams({ store: params.store, from: params.from, to: params.to, limit: String(params.limit) }).toString()}`,
          )
        ).rows
      : await runView(await warehouse(), command, params);
  if (values.json) io.out(JSON.stringify(rows, null, 2) + '\n');
  else {
    io.out(
      `${command}: ${VIEW_HELP[command]} — store ${params.store === '' ? 'all' : params.store}, ${params.from} … ${params.to}\n`,
    );
    io.out(command === 'heatmap' ? formatHeatmap(rows as never) : formatTable(rows));
  }
  return 0;
}

async function sqlCommand({ values, rest, io, warehouse }: CommandContext): Promise<number> {
  const sql = rest.join(' ');
  const rows =
    values.api !== undefined
      ? (
          await viaApi<{ rows: Record<string, unknown>[] }>(
            values.api,
            `/api/sql?${new URLSearchParams({ q: sql }).toString()}`,
          )
        ).rows
      : await (await warehouse()).readonlyQuery(sql);
  io.out(values.json ? JSON.stringify(rows, null, 2) + '\n' : formatTable(rows));
  return 0;
}

async function backfillCommand({ cfg, io, warehouse }: CommandContext): Promise<number> {
  const wh = await warehouse();
  const nc = await connect({ servers: cfg.natsUrl.split(','), noAsyncTraces: true });
  const bar = new SingleBar(
    {
      format: 'backfill |{bar}| {percentage}% {value}/{total} records, {events} events, eta {eta_formatted}',
      stream: process.stderr,
    },
    Presets.shades_classic,
  );
  let started = false;
  try {
    const r = await backfill({
      nc,
      warehouse: wh,
      namespace: cfg.namespace,
      onProgress: (p) => {
        if (!started) {
          bar.start(p.total, 0, { events: 0 });
          started = true;
        }
        bar.update(p.done, { events: p.events });
      },
    });
    bar.stop();
    io.out(
      `backfill: ${r.records} records, ${r.events} events from ${r.streams.map((x) => `${x.stream} up to seq ${x.last}`).join(' and ')}\n`,
    );
  } finally {
    await nc.close();
  }
  return 0;
}

async function generateCommand({ values, cfg, io, warehouse }: CommandContext): Promise<number> {
  const num = (s: string | undefined, d: number): number => (s === undefined ? d : Number(s));
  const opts = {
    stores: num(values.stores, 20),
    days: num(values.days, 90),
    ...(values.start === undefined ? {} : { start: values.start }),
    seed: num(values.seed, 20261101),
    ordersPerStoreDay: num(values['orders-per-day'], 210),
  };
  const bar = new SingleBar(
    { format: 'generate |{bar}| {value} records, {events} events', stream: process.stderr },
    Presets.shades_classic,
  );
  const approx = Math.round(opts.stores * opts.days * opts.ordersPerStoreDay * 2.6);
  bar.start(approx, 0, { events: 0 });
  const progress = (p: { records: number; events: number }): void =>
    bar.update(Math.min(p.records, approx), { events: p.events });
  let r: { records: number; events: number };
  if (values.direct) {
    r = await loadHistoryDirect(await warehouse(), generateHistory(opts), { onProgress: progress });
  } else {
    const nc = await connect({ servers: cfg.natsUrl.split(','), noAsyncTraces: true });
    try {
      r = await publishHistory(nc, cfg.namespace, generateHistory(opts), { onProgress: progress });
    } finally {
      await nc.close();
    }
  }
  bar.stop();
  io.out(
    `generated ${r.records} records, ${r.events} events (${opts.stores} stores × ${opts.days} days) → ${values.direct ? 'ClickHouse directly' : historySource(cfg.namespace).stream}\n`,
  );
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const code = await runCli(process.argv.slice(2), {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  });
  process.exitCode = code;
}
