/** `compare --rounds n`: the order each round runs the designs in, and the ratios quoted from them. */
import { expect, it } from 'vitest';
import { parseArgs } from '../src/cli.js';
import {
  median,
  medianRatios,
  opsTable,
  roundLines,
  roundOrder,
  runRounds,
  STEAL_RERUNS,
  stealLines,
  type OpsOf,
} from '../src/rounds.js';

it('rounds alternate the order of the designs, so a drifting box weighs on every side alike', () => {
  const designs = ['lunchrush', 'a', 'null'];
  expect([0, 1, 2, 3].map((r) => roundOrder(designs, r).join(' '))).toEqual([
    'lunchrush a null',
    'null a lunchrush',
    'lunchrush a null',
    'null a lunchrush',
  ]);
  expect(designs).toEqual(['lunchrush', 'a', 'null']);
});

it('each ratio is the median over the rounds: one slow round does not move it', () => {
  expect(median([3, 1, 2])).toBe(2);
  expect(median([4, 1, 3, 2])).toBe(2.5);
  expect(() => median([])).toThrow();
  const perRound: Record<string, number>[] = [
    { ordersPerS: 0.84, cpuMsPerOrder: 1.04, orderP99Ms: 0.8 },
    { ordersPerS: 0.59, cpuMsPerOrder: 1.49 },
    { ordersPerS: 0.86, cpuMsPerOrder: 1.02, orderP99Ms: 0.9 },
  ];
  // A ratio a round lacks is left out rather than taken from the others.
  expect(medianRatios(perRound)).toEqual({ ordersPerS: 0.84, cpuMsPerOrder: 1.04 });
  expect(roundLines(perRound).split('\n')).toEqual([
    '  round 1: ordersPerS 0.84, cpuMsPerOrder 1.04, orderP99Ms 0.8',
    '  round 2: ordersPerS 0.59, cpuMsPerOrder 1.49',
    '  round 3: ordersPerS 0.86, cpuMsPerOrder 1.02, orderP99Ms 0.9',
  ]);
});

it('--rounds takes a whole number of at least 1, and only with compare', () => {
  expect(parseArgs(['compare', 'lunch-rush', '--rounds', '3']).rounds).toBe(3);
  expect(parseArgs(['compare', 'lunch-rush']).rounds).toBe(1);
  expect(() => parseArgs(['compare', 'lunch-rush', '--rounds', '0'])).toThrow(/--rounds/);
  expect(() => parseArgs(['compare', 'lunch-rush', '--rounds', '1.5'])).toThrow(/--rounds/);
  expect(() => parseArgs(['lunch-rush', '--rounds', '2'])).toThrow(/compare/);
});

it('each operation shows the median p50 / p99 of every design over the rounds', () => {
  const op = (p50Ms: number, p99Ms: number) => ({ p50Ms, p99Ms });
  const rounds: OpsOf[][] = [
    [{ ops: { menu: op(0.95, 6.8), order: op(1.66, 13.0) } }, { ops: { menu: op(0.91, 3.6), order: op(1.59, 6.2) } }],
    [{ ops: { menu: op(0.92, 7.1), order: op(1.61, 9.9) } }, { ops: { menu: op(0.88, 5.4), order: op(1.55, 6.7) } }],
    [
      { ops: { menu: op(0.93, 6.2), order: op(1.59, 13.0), turnover: op(3.1, 208.4) } },
      { ops: { menu: op(0.89, 3.7) } },
    ],
  ];
  expect(opsTable(['lunchrush', 'a'], rounds).split('\n')).toEqual([
    'p50 / p99 ms  lunchrush    a',
    'menu          0.93 / 6.80  0.89 / 3.70',
    'order         1.61 / 13.0  1.57 / 6.45',
    'turnover      3.10 / 208   –',
  ]);
});

it('says how much of the machine the hypervisor took in each run, and warns past 5%', () => {
  const run = (stealPct?: number) => ({ extra: stealPct === undefined ? {} : { cpu: { stealPct } } });
  const quiet = stealLines(
    ['lunchrush', 'a'],
    [
      [run(0.5), run(1.2)],
      [run(3), run(0)],
    ],
  );
  expect(quiet.split('\n')).toEqual([
    "steal (the machine's time given to other guests):",
    '  round 1: lunchrush 0.5%, a 1.2%',
    '  round 2: lunchrush 3%, a 0%',
  ]);
  const stolen = stealLines(['lunchrush', 'a', 'null'], [[run(2), run(21.4), run()]]);
  expect(stolen).toContain('  round 1: lunchrush 2%, a 21.4%, null –');
  expect(stolen).toMatch(/warning: the hypervisor took up to 21.4% of the machine/);
  // No meter (not Linux): nothing to say.
  expect(stealLines(['lunchrush', 'a'], [[run(), run()]])).toBe('');
});

it('--max-steal runs a design again when the hypervisor took more than that of the machine, twice at most', async () => {
  // Steal each design's runs report, in the order they are asked for.
  const steals: Record<string, number[]> = { lunchrush: [12, 3, 0], a: [0, 0], null: [40, 30, 20, 0] };
  const asked: string[] = [];
  const logs: string[] = [];
  const run = (d: string) => {
    asked.push(d);
    return Promise.resolve({ design: d, extra: { cpu: { stealPct: steals[d]!.shift()! } } });
  };
  const rounds = await runRounds(['lunchrush', 'a', 'null'], 2, run, { maxStealPct: 5, log: (m) => logs.push(m) });
  // Round 1: lunchrush again once (12% → 3%); null twice more and kept at 20% (no third rerun). Round 2 reversed.
  expect(asked).toEqual(['lunchrush', 'lunchrush', 'a', 'null', 'null', 'null', 'null', 'a', 'lunchrush']);
  expect(STEAL_RERUNS).toBe(2);
  expect(rounds.map((rs) => rs.map((r) => `${r.design} ${r.extra.cpu.stealPct}`))).toEqual([
    ['lunchrush 3', 'a 0', 'null 20'],
    ['lunchrush 0', 'a 0', 'null 0'],
  ]);
  expect(logs.filter((m) => m.includes('running it again'))).toHaveLength(3);
  // Without the option every design runs once a round, whatever its steal.
  asked.length = 0;
  const once = await runRounds(
    ['x', 'y'],
    1,
    (d: string) => {
      asked.push(d);
      return Promise.resolve({ extra: { cpu: { stealPct: 90 } } });
    },
    { log: () => undefined },
  );
  expect(asked).toEqual(['x', 'y']);
  expect(once).toHaveLength(1);
});

it('--max-steal is a percent of the machine', () => {
  expect(parseArgs(['compare', 'lunch-rush', '--max-steal', '5']).maxStealPct).toBe(5);
  expect(parseArgs(['compare', 'lunch-rush']).maxStealPct).toBeUndefined();
  expect(() => parseArgs(['compare', 'lunch-rush', '--max-steal', '120'])).toThrow(/--max-steal/);
  expect(() => parseArgs(['compare', 'lunch-rush', '--max-stale', '5'])).toThrow(/unknown option --max-stale/);
});
