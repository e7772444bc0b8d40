/**
 * npm run bench -- <scenario> [--duration s] [--rate r] [--target url] [--json file]
 * npm run bench -- diff a.json b.json    (two saved results, ratios b / a)
 *   scenarios: lunch-rush, flash-sale, ws-fanout, failover, max, menu, coupon-drop, group-buy, delivery-rush; `compare <scenario>`.
 *   more: --warmup s, --connections n, --stores n, --clients n (ws-fanout), --units n
 *   (flash-sale), --diners n, --bound ms (max), --kill-at s (failover), --reference a|b|null or a
 *   list such as a,null (compare: lunchrush, then each, with ratios to each), --rounds n (compare:
 *   n alternating rounds, the median of each ratio; src/rounds.ts), --gateway-workers n,
 *   --gateway-threads n (lunchrush's node: its gateway on n worker threads, the engine on the main one;
 *   1 by default with one gateway worker, 0: the gateway on the engine's thread),
 *   --simulator process|gateway, --pay 0..1 (share of diner orders paid through the simulator),
 *   --party min-max|none (lunch-rush, max: orders a party places before its table turns over; 2-6),
 *   --design lunchrush|a|b|null (which system to start), --layout node|split (lunchrush as
 *   co-located nodes, the default, or an engine process and a gateway process), --cpu-prof dir, --quiet,
 *   --platforms (lunch-rush: 美团 and 饿了么 simulated beside it, --platform-orders r and --stock-changes r
 *   a second; sync lag and oversold reported, src/platforms-load.ts).
 * Exits 1 when oversold, undersold or lost is not 0 (2 on a usage or start-up error).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCluster, type ClusterFault } from './cluster-stack.js';
import { CpuMeter } from './cpu.js';
import { diffResults, formatDiff, readResultFile } from './diff.js';
import { spawnPlatformsLoad, type PlatformsSide } from './platforms-load.js';
import { htmlReport } from './report.js';
import {
  medianRatios,
  median,
  opsTable,
  roundLines,
  runRounds,
  stealLines,
  stealPctOf,
  STEAL_WARN_PCT,
} from './rounds.js';
import {
  couponDrop,
  deliveryRush,
  flashSale,
  groupBuy,
  lunchRush,
  maxRate,
  menuImages,
  orderableSkus,
  wsFanout,
  type RunOptions,
  type ScenarioResult,
} from './scenarios/index.js';
import { startLunchrush, startNull, startReference, type Stack } from './stack.js';

const SCENARIOS = [
  'lunch-rush',
  'flash-sale',
  'ws-fanout',
  'failover',
  'max',
  'menu',
  'coupon-drop',
  'group-buy',
  'delivery-rush',
] as const;
type Scenario = (typeof SCENARIOS)[number];
const DESIGNS = ['lunchrush', 'a', 'b', 'null'] as const;
/** What the bench can start: lunchrush, reference design (a) or (b), or the null ceiling. */
export type Design = (typeof DESIGNS)[number];
export type Reference = Exclude<Design, 'lunchrush'>;
const DEFAULT_RATE: Record<Scenario, number> = {
  'lunch-rush': 1000,
  'flash-sale': 5000,
  'ws-fanout': 100,
  failover: 500,
  max: 200,
  menu: 50,
  'coupon-drop': 2000,
  'delivery-rush': 200,
  'group-buy': 300,
};

export interface CliOptions {
  scenario: Scenario;
  compare: boolean;
  durationS: number;
  rate?: number;
  target?: string;
  json?: string;
  warmupS: number;
  connections: number;
  stores: number;
  clients?: number;
  units?: number;
  diners?: number;
  bound?: number;
  payRatio?: number;
  /** lunch-rush (and max): orders a party places before its table turns over, `[min, max]`. */
  ordersPerParty?: readonly [number, number];
  gatewayWorkers: number;
  /** lunchrush's node layout: gateway threads beside the engine's (GATEWAY_THREADS; 0: one thread). */
  gatewayThreads: number;
  /** lunchrush: co-located nodes (default) or engine and gateway processes apart. */
  layout: 'node' | 'split';
  killAtS?: number;
  /** compare: the designs run after lunchrush, in order (`--reference a,null`). */
  references: Reference[];
  /** compare: how many rounds of every design (`src/rounds.ts`); 1 by default. */
  rounds: number;
  /** A run with more steal than this (percent of the machine) is run again (`runRounds`). */
  maxStealPct?: number;
  design: Design;
  cpuProf?: string;
  simulator: 'process' | 'gateway';
  quiet: boolean;
  /** failover on the production topology (`--cluster`): which member `--fault` kills. */
  cluster?: ClusterFault;
  /** lunch-rush with the delivery platforms on: platform orders and stock changes a second. */
  platforms?: { orders: number; changes: number };
}

/** Every option the bench takes (`--name value`, `--name=value`, or a switch). */
const KNOWN_FLAGS = [
  'duration',
  'rate',
  'target',
  'json',
  'warmup',
  'connections',
  'stores',
  'clients',
  'units',
  'diners',
  'bound',
  'kill-at',
  'pay',
  'party',
  'gateway-workers',
  'gateway-threads',
  'layout',
  'reference',
  'rounds',
  'max-steal',
  'design',
  'cpu-prof',
  'simulator',
  'quiet',
  'cluster',
  'fault',
  'platforms',
  'platform-orders',
  'stock-changes',
];

/** The words and the options of a command line; an unknown option is refused by name. */
function splitArgs(argv: string[]): { pos: string[]; flags: Map<string, string> } {
  const pos: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith('--')) {
      const [k, v] = a.includes('=') ? a.slice(2).split('=', 2) : [a.slice(2), undefined];
      if (k === 'quiet' || k === 'platforms' || (k === 'cluster' && v === undefined)) flags.set(k, '1');
      else flags.set(k, v ?? argv[++i] ?? '');
    } else pos.push(a);
  }
  for (const k of flags.keys()) if (!KNOWN_FLAGS.includes(k)) throw new Error(`unknown option --${k}`);
  return { pos, flags };
}

export function parseArgs(argv: string[]): CliOptions {
  const { pos, flags } = splitArgs(argv);
  const compare = pos[0] === 'compare';
  const scenario = (compare ? pos[1] : pos[0]) as Scenario;
  if (!SCENARIOS.includes(scenario))
    throw new Error(
      `usage: bench [compare] <${SCENARIOS.join('|')}> [--duration s] [--rate r] [--target url] [--json file]`,
    );
  const num = (k: string): number | undefined => {
    const v = flags.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${k} needs a number, got ${v}`);
    return n;
  };
  const references = (flags.get('reference') ?? 'a').split(',').map((r) => r.trim());
  const design = flags.get('design') ?? 'lunchrush';
  for (const r of references)
    if (r === 'lunchrush' || !DESIGNS.includes(r as Design))
      throw new Error('--reference is a, b or null, or a list of them (a,null)');
  if (new Set(references).size !== references.length) throw new Error('--reference names a design twice');
  const rounds = num('rounds') ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds is a whole number of at least 1');
  if (rounds > 1 && !compare) throw new Error('--rounds goes with compare');
  const maxSteal = num('max-steal');
  if (maxSteal !== undefined && maxSteal > 100) throw new Error('--max-steal is a percent of the machine (0-100)');
  const simulator = flags.get('simulator') ?? 'process';
  if (simulator !== 'process' && simulator !== 'gateway') throw new Error('--simulator is process or gateway');
  if (!DESIGNS.includes(design as Design)) throw new Error('--design is lunchrush, a, b or null');
  const layout = flags.get('layout') ?? 'node';
  if (layout !== 'node' && layout !== 'split') throw new Error('--layout is node or split');
  if (flags.has('gateway-threads') && layout !== 'node') throw new Error('--gateway-threads is for the node layout');
  const fault = flags.get('fault') ?? 'nats';
  if (fault !== 'nats' && fault !== 'node') throw new Error('--fault is nats or node');
  if (flags.has('fault') && !flags.has('cluster')) throw new Error('--fault goes with --cluster');
  if (flags.has('cluster') && scenario !== 'failover') throw new Error('--cluster is for failover');
  if (flags.has('platforms') && (scenario !== 'lunch-rush' || compare || design !== 'lunchrush' || flags.has('target')))
    throw new Error('--platforms is for lunch-rush on the lunchrush stack the bench starts');
  if ((flags.has('platform-orders') || flags.has('stock-changes')) && !flags.has('platforms'))
    throw new Error('--platform-orders and --stock-changes go with --platforms');
  return {
    scenario,
    compare,
    durationS: num('duration') ?? 10,
    rate: num('rate'),
    target: flags.get('target'),
    json: flags.get('json'),
    warmupS: num('warmup') ?? 3,
    connections: num('connections') ?? 256,
    stores: num('stores') ?? 20,
    clients: num('clients'),
    units: num('units'),
    diners: num('diners'),
    bound: num('bound'),
    payRatio: num('pay'),
    ...(flags.has('party') ? { ordersPerParty: partyOf(flags.get('party')!, scenario) } : {}),
    gatewayWorkers: num('gateway-workers') ?? 1,
    // One node: its gateway on a thread beside the engine's, as npm start runs it.
    gatewayThreads: num('gateway-threads') ?? (layout === 'node' && (num('gateway-workers') ?? 1) === 1 ? 1 : 0),
    layout,
    killAtS: num('kill-at'),
    references: references as Reference[],
    rounds,
    ...(maxSteal === undefined ? {} : { maxStealPct: maxSteal }),
    design: design as Design,
    cpuProf: flags.get('cpu-prof'),
    simulator,
    quiet: flags.has('quiet'),
    ...(flags.has('cluster') ? { cluster: fault } : {}),
    ...(flags.has('platforms')
      ? { platforms: { orders: num('platform-orders') ?? 20, changes: num('stock-changes') ?? 20 } }
      : {}),
  };
}

/**
 * `--party 2-6` (orders a party places before its table turns over: a fast-food counter is `1-1`, a hot-pot
 * table `6-12`) or `--party none` (no turnovers: every session grows for the whole run).
 */
function partyOf(v: string, scenario: Scenario): readonly [number, number] {
  if (scenario !== 'lunch-rush' && scenario !== 'max') throw new Error('--party is for lunch-rush and max');
  if (v === 'none') return [Infinity, Infinity];
  const m = /^(\d+)-(\d+)$/.exec(v);
  const [min, max] = m === null ? [0, 0] : [Number(m[1]), Number(m[2])];
  if (min < 1 || max < min) throw new Error(`--party is min-max orders a party places (2-6), or none; got ${v}`);
  return [min, max];
}

/** The delivery platforms beside the stack the bench started (`--platforms`), in a process of their own. */
async function platformsBeside(stack: Stack, skus: string[]): Promise<PlatformsSide> {
  const side = await spawnPlatformsLoad({
    namespace: stack.namespace!,
    stores: stack.data.stores.map((s) => s.storeId),
    skus,
  });
  // Counted by the CPU meter (it reads the roles when the measured phase starts).
  stack.roles.push({ role: 'platforms', pid: side.pid });
  return side;
}

const log = (m: string): void => void process.stderr.write(`[bench] ${m}\n`);

async function runOn(o: CliOptions, design: Design): Promise<ScenarioResult> {
  const failover = o.scenario === 'failover';
  if (failover && o.target !== undefined) throw new Error('failover starts its own engines: no --target');
  if (failover && design !== 'lunchrush') throw new Error('failover is a lunchrush scenario');
  let stack: Stack | undefined;
  const cpuProfDir = o.cpuProf === undefined ? undefined : path.resolve(o.cpuProf);
  if (o.target === undefined) {
    const opts = {
      stores: o.stores,
      standby: failover,
      gatewayWorkers: o.gatewayWorkers,
      gatewayThreads: o.gatewayThreads,
      layout: o.layout,
      simulator: o.simulator,
      cpuProfDir,
      log,
    };
    stack =
      o.cluster !== undefined
        ? await startCluster({ ...opts, fault: o.cluster })
        : design === 'lunchrush'
          ? await startLunchrush(opts)
          : design === 'null'
            ? await startNull(opts)
            : await startReference(design, opts);
  }
  const { generateDemoData } = await import('@lunchrush/actors/demo');
  const run: RunOptions = {
    url: stack?.url ?? o.target!,
    ...(stack?.simulatorUrl === undefined ? {} : { simulatorUrl: stack.simulatorUrl }),
    data: stack?.data ?? generateDemoData({ stores: o.stores }),
    rate: o.rate ?? DEFAULT_RATE[o.scenario],
    durationS: o.durationS,
    warmupS: o.warmupS,
    connections: o.connections,
    progress: !o.quiet,
    log,
    clients: o.clients,
    units: o.units,
    diners: o.diners,
    bound: o.bound,
    payRatio: o.payRatio,
    ...(o.ordersPerParty === undefined ? {} : { ordersPerParty: o.ordersPerParty }),
    // Without a stack of its own the meter still sees the bench, the shared services and the rest.
    cpu: new CpuMeter(stack?.roles ?? []),
    ...(failover
      ? { killAtS: o.killAtS ?? Math.max(1, Math.floor(o.durationS / 3)), onKill: () => stack!.engine!.kill('SIGKILL') }
      : {}),
  };
  let platforms: PlatformsSide | undefined;
  try {
    if (o.platforms !== undefined) platforms = await platformsBeside(stack!, orderableSkus(run.data));
    const r =
      o.scenario === 'lunch-rush'
        ? await lunchRush(run, 'lunch-rush', platforms === undefined ? undefined : { load: platforms, ...o.platforms! })
        : o.scenario === 'failover'
          ? await lunchRush(run, 'failover')
          : o.scenario === 'flash-sale'
            ? await flashSale(run)
            : o.scenario === 'ws-fanout'
              ? await wsFanout(run)
              : o.scenario === 'menu'
                ? await menuImages(run)
                : o.scenario === 'coupon-drop'
                  ? await couponDrop(run)
                  : o.scenario === 'group-buy'
                    ? await groupBuy(run)
                    : o.scenario === 'delivery-rush'
                      ? await deliveryRush(run)
                      : await maxRate(run);
    return { ...r, target: `${stack?.kind ?? 'target'} ${r.target}` };
  } finally {
    await platforms?.close();
    if (stack !== undefined) {
      log(`stopping ${stack.kind}`);
      await stack.stop();
    }
  }
}

function headline(r: ScenarioResult): void {
  process.stdout.write(`\n== ${r.scenario} on ${r.target} ==\n${JSON.stringify(r.summary, null, 2)}\n`);
  if (Object.keys(r.correctness).length > 0) process.stdout.write(`correctness: ${JSON.stringify(r.correctness)}\n`);
  if (r.extra !== undefined) process.stdout.write(`extra: ${JSON.stringify(r.extra)}\n`);
  const steal = stealPctOf(r);
  if (steal !== undefined && steal > STEAL_WARN_PCT)
    process.stdout.write(
      `warning: the hypervisor took ${steal}% of the machine during this run (steal): a slower machine, not a slower stack\n`,
    );
}

/** x / y of every number both summaries have (lunchrush over a reference), to 2 decimals. */
export function ratiosOf(
  x: Pick<ScenarioResult, 'summary'>,
  y: Pick<ScenarioResult, 'summary'>,
): Record<string, number> {
  const ratios: Record<string, number> = {};
  for (const k of Object.keys(x.summary)) {
    const a = x.summary[k];
    const b = y.summary[k];
    if (typeof a === 'number' && typeof b === 'number' && b !== 0) ratios[k] = Math.round((a / b) * 100) / 100;
  }
  return ratios;
}

/**
 * Lunchrush as a share of the null design: its successful answers per second (orders and sales in
 * the lunch rush, attempts in a flash sale) over null's, and its stack CPU per answer over null's.
 */
export function shareOfNull(
  lunchrush: Pick<ScenarioResult, 'summary'>,
  nul: Pick<ScenarioResult, 'summary'>,
): { field: string; pct: number; cpuRatio?: number; text: string } | undefined {
  const field = ['ordersPerS', 'attemptsPerS', 'sustainableArrivalsPerS'].find(
    (k) => typeof lunchrush.summary[k] === 'number' && typeof nul.summary[k] === 'number' && nul.summary[k] !== 0,
  );
  if (field === undefined) return undefined;
  const pct = Math.round(((lunchrush.summary[field] as number) / (nul.summary[field] as number)) * 1000) / 10;
  const cpuField = field === 'attemptsPerS' ? 'cpuMsPerAttempt' : 'cpuMsPerOrder';
  const [a, b] = [lunchrush.summary[cpuField], nul.summary[cpuField]];
  const cpuRatio =
    typeof a === 'number' && typeof b === 'number' && b !== 0 ? Math.round((a / b) * 100) / 100 : undefined;
  const text =
    `lunchrush reaches ${pct}% of null's ${field} (${String(lunchrush.summary[field])} of ${String(nul.summary[field])})` +
    (cpuRatio === undefined ? '' : `; its ${cpuField} is ${cpuRatio}× null's (${String(a)} against ${String(b)})`);
  return { field, pct, ...(cpuRatio === undefined ? {} : { cpuRatio }), text };
}

/** True when any result has oversold, undersold or lost other than 0: the bench then exits 1. */
export function correctnessFailed(results: readonly Pick<ScenarioResult, 'correctness'>[]): boolean {
  return results.some((r) => Object.values(r.correctness).some((v) => v !== undefined && v !== 0));
}

/**
 * The ratios of lunchrush to each reference (with several rounds, the median of each over the
 * rounds, every round's printed too), and its share of null, written to `after` and the log.
 */
function compareSummary(o: CliOptions, rounds: readonly ScenarioResult[][], after: Record<string, unknown>): void {
  const many = rounds.length > 1;
  const over = many ? ` (median of ${rounds.length} rounds)` : '';
  process.stdout.write(`\nper operation${over}:\n${opsTable(['lunchrush', ...o.references], rounds)}\n`);
  const steal = stealLines(['lunchrush', ...o.references], rounds);
  if (steal !== '') process.stdout.write(`\n${steal}\n`);
  const byReference: Record<string, Record<string, number>> = {};
  const byRound: Record<string, Record<string, number>[]> = {};
  o.references.forEach((ref, i) => {
    const perRound = rounds.map((rs) => ratiosOf(rs[0]!, rs[i + 1]!));
    const ratios = many ? medianRatios(perRound) : perRound[0]!;
    byReference[ref] = ratios;
    byRound[ref] = perRound;
    const name = ref === 'null' ? 'null' : `reference ${ref}`;
    const head = many ? `:\n${roundLines(perRound)}\nmedian of ${rounds.length} rounds:` : ':';
    process.stdout.write(`\nratios lunchrush / ${name}${head} ${JSON.stringify(ratios, null, 2)}\n`);
  });
  after.ratiosLunchrushOver = byReference;
  if (many) after.ratiosByRound = byRound;
  // The first reference's ratios under the name older result files used.
  after.ratiosLunchrushOverReference = byReference[o.references[0]!];
  const nullAt = o.references.indexOf('null');
  if (nullAt < 0) return;
  const shares = rounds.map((rs) => shareOfNull(rs[0]!, rs[nullAt + 1]!)).filter((x) => x !== undefined);
  const first = shares[0];
  if (first === undefined) return;
  const pcts = shares.map((x) => x.pct);
  const pct = Math.round(median(pcts) * 10) / 10;
  const share = many
    ? {
        field: first.field,
        pct,
        byRound: pcts,
        text: `lunchrush reaches ${pct.toFixed(1)}% of null's ${first.field} (median of ${shares.length} rounds: ${pcts.map((x) => `${x}%`).join(', ')})`,
      }
    : first;
  after.lunchrushShareOfNull = share;
  process.stdout.write(`\n${share.text}\n`);
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'diff') {
    if (argv.length !== 3) throw new Error('usage: bench diff <a.json> <b.json>');
    const [fa, fb] = [argv[1]!, argv[2]!];
    const [a, b] = [readResultFile(fa), readResultFile(fb)];
    process.stdout.write(formatDiff(fa, a, fb, b, diffResults(a, b)));
    return 0;
  }
  const o = parseArgs(argv);
  const meta = {
    at: new Date().toISOString(),
    argv,
    loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
    cpus: os.cpus().length,
    node: process.version,
  };
  log(`load average ${meta.loadAverage.join(' ')} on ${meta.cpus} cores`);
  const designs: Design[] = o.compare ? ['lunchrush', ...o.references] : [o.design];
  const rounds = await runRounds(designs, o.rounds, (d) => runOn(o, d), {
    ...(o.maxStealPct === undefined ? {} : { maxStealPct: o.maxStealPct }),
    log,
    ran: headline,
  });
  const results = rounds.flat();
  const after: Record<string, unknown> = {
    ...meta,
    loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
    ...(o.rounds > 1 ? { rounds: o.rounds } : {}),
  };
  if (o.compare) compareSummary(o, rounds, after);
  const json =
    o.json ?? path.join('bench', 'results', `${o.compare ? 'compare-' : ''}${o.scenario}-${Date.now()}.json`);
  fs.mkdirSync(path.dirname(path.resolve(json)), { recursive: true });
  fs.writeFileSync(json, JSON.stringify({ meta: after, results }, null, 2));
  const html = json.replace(/\.json$/, '') + '.html';
  fs.writeFileSync(html, htmlReport(results, after));
  log(`wrote ${json} and ${html}; load average now ${(after.loadAverageAfter as number[]).join(' ')}`);
  const bad = correctnessFailed(results);
  if (bad) log('CORRECTNESS FAILURE: oversold, undersold or lost is not 0');
  return bad ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      log(`error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      process.exit(2);
    },
  );
}
