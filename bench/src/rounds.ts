/**
 * `compare --rounds n`: every design runs n times, in the listed order in odd rounds and reversed
 * in even ones, so a box whose speed drifts (other tenants, CPU frequency) weighs on every side
 * alike; each round gives its own ratios, and the median of each ratio over the rounds is the
 * figure to quote. On this 2-core box one compare's ratios move by ±15% from run to run (the paid
 * lunch rush gave 1.25× and 0.9× (a) on two days with nothing changed between); a median of three
 * or five alternating rounds holds still where a single run does not.
 */

/** The order the designs run in round `round` (from 0): as listed, then reversed, and so on. */
export function roundOrder<T>(designs: readonly T[], round: number): T[] {
  return round % 2 === 0 ? [...designs] : [...designs].reverse();
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of nothing');
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Each ratio every round has, as the median over the rounds (2 decimals). */
export function medianRatios(perRound: readonly Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  const first = perRound[0];
  if (first === undefined) return out;
  for (const k of Object.keys(first)) {
    const xs = perRound.map((r) => r[k]);
    if (xs.every((x): x is number => typeof x === 'number')) out[k] = Math.round(median(xs) * 100) / 100;
  }
  return out;
}

/** The ratios people quote, one line per round, for the log. */
const HEADLINE = ['ordersPerS', 'attemptsPerS', 'cpuMsPerOrder', 'cpuMsPerAttempt', 'orderP50Ms', 'orderP99Ms'];

export function roundLines(perRound: readonly Record<string, number>[]): string {
  return perRound
    .map((r, i) => {
      const parts = HEADLINE.filter((k) => r[k] !== undefined).map((k) => `${k} ${r[k]}`);
      return `  round ${i + 1}: ${parts.join(', ')}`;
    })
    .join('\n');
}

/** What `opsTable` reads of a design's result in one round: its operations' latencies. */
export interface OpsOf {
  readonly ops: Readonly<Record<string, { readonly p50Ms: number; readonly p99Ms: number }>>;
}

/** 3 significant figures at most: 0.923, 6.83, 13.4, 208. */
const short = (ms: number): string => (ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : String(Math.round(ms)));

/**
 * Each operation's p50 / p99 per design, as the median over the rounds (`rounds[r][d]`: design `d`
 * of round `r`, in the order of `names`): where a design's tail comes from, e.g. a menu read with
 * no engine behind it against an order. `–` where a design has no such operation.
 */
export function opsTable(names: readonly string[], rounds: readonly (readonly OpsOf[])[]): string {
  const ops = [...new Set(rounds.flatMap((rs) => rs.flatMap((r) => Object.keys(r.ops))))];
  const cell = (d: number, op: string): string => {
    const xs = rounds.map((rs) => rs[d]?.ops[op]).filter((x) => x !== undefined);
    if (xs.length === 0) return '–';
    return `${short(median(xs.map((x) => x.p50Ms)))} / ${short(median(xs.map((x) => x.p99Ms)))}`;
  };
  const rows = [['p50 / p99 ms', ...names], ...ops.map((op) => [op, ...names.map((_, d) => cell(d, op))])];
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows
    .map((r) =>
      r
        .map((x, c) => x.padEnd(widths[c]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Past this share of the machine taken by the hypervisor during a run, the compare says so. */
export const STEAL_WARN_PCT = 5;

/** What `stealLines` reads of a design's result in one round: the CPU meter's report, if any. */
export interface StealOf {
  readonly extra?: Readonly<Record<string, unknown>>;
}

export function stealPctOf(r: StealOf): number | undefined {
  const cpu = r.extra?.cpu as { stealPct?: unknown } | undefined;
  return typeof cpu?.stealPct === 'number' ? cpu.stealPct : undefined;
}

/**
 * The hypervisor's share of the machine (steal) in each design's run, round by round, and a warning
 * when it passed STEAL_WARN_PCT in any: such a run ran on a slower machine than its neighbours in the
 * compare, and its ratios say more about the host than about the designs. Empty without readings.
 */
export function stealLines(names: readonly string[], rounds: readonly (readonly StealOf[])[]): string {
  const pcts = rounds.map((rs) => rs.map(stealPctOf));
  if (pcts.every((rs) => rs.every((x) => x === undefined))) return '';
  const lines = pcts.map(
    (rs, i) => `  round ${i + 1}: ${names.map((n, d) => `${n} ${rs[d] === undefined ? '–' : `${rs[d]}%`}`).join(', ')}`,
  );
  const worst = Math.max(...pcts.flat().map((x) => x ?? 0));
  const warning =
    worst > STEAL_WARN_PCT
      ? `\nwarning: the hypervisor took up to ${worst}% of the machine during a run (over ${STEAL_WARN_PCT}%): ` +
        'those runs had a slower machine than the others; rerun the compare when it is quieter'
      : '';
  return `steal (the machine's time given to other guests):\n${lines.join('\n')}${warning}`;
}

/** Runs of one design a round gives at most when `--max-steal` sends them again. */
export const STEAL_RERUNS = 2;

/**
 * Every design once a round, in `roundOrder`: `rounds[r][i]` is `designs[i]` in round `r`. With
 * `maxStealPct`, a run during which the hypervisor took more of the machine than that is run again
 * (STEAL_RERUNS times at most; the last run is kept, its steal shown beside the ratios).
 */
export async function runRounds<D, R extends StealOf>(
  designs: readonly D[],
  rounds: number,
  run: (design: D) => Promise<R>,
  opts: { readonly maxStealPct?: number; log(msg: string): void; ran?(result: R): void },
): Promise<R[][]> {
  const out: R[][] = [];
  for (let r = 0; r < rounds; r++) {
    const order = roundOrder(designs, r);
    if (rounds > 1) opts.log(`round ${r + 1} of ${rounds}: ${order.join(', ')}`);
    const got = new Map<D, R>();
    for (const d of order) {
      for (let again = 0; ; again++) {
        const result = await run(d);
        opts.ran?.(result);
        const steal = stealPctOf(result);
        const stolen = opts.maxStealPct !== undefined && steal !== undefined && steal > opts.maxStealPct;
        if (!stolen || again === STEAL_RERUNS) {
          got.set(d, result);
          break;
        }
        opts.log(`${String(d)}: ${steal}% steal (over --max-steal ${opts.maxStealPct}): running it again`);
      }
    }
    out.push(designs.map((d) => got.get(d)!));
  }
  return out;
}
