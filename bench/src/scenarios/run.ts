/**
 * What every scenario takes and gives back. Each takes a running target (url + the demo data it
 * was seeded with) and returns a result object; correctness counters (oversold, undersold, lost)
 * are in `correctness`, and the CLI exits non-zero when any is not 0.
 */
import type { DemoData } from '@lunchrush/actors/demo';
import type { CpuMeter, CpuReport } from '../cpu.js';
import { openLoop, type Recorder } from '../stats.js';

export interface RunOptions {
  readonly url: string;
  /** The payment simulator's own server (lunchrush started by the bench); else the target's route. */
  readonly simulatorUrl?: string;
  readonly data: DemoData;
  readonly rate: number;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly progress: boolean;
  readonly log: (m: string) => void;
  /** failover: called once, `killAtS` into the measured phase. */
  readonly onKill?: () => void;
  readonly killAtS?: number;
  readonly clients?: number;
  readonly units?: number;
  readonly diners?: number;
  readonly bound?: number;
  /** Started and stopped around the measured phase (lunch-rush, flash-sale): CPU by role. */
  readonly cpu?: CpuMeter;
  /** Fraction of diner orders that go on to pay through the simulator (default 1). */
  readonly payRatio?: number;
  /** Orders a party places before its table turns over, `[min, max]` (default `[2, 6]`). */
  readonly ordersPerParty?: readonly [number, number];
}

export interface ScenarioResult {
  readonly scenario: string;
  readonly target: string;
  readonly rate: number;
  readonly durationS: number;
  readonly summary: Record<string, unknown>;
  readonly ops: ReturnType<Recorder['summary']>;
  readonly timeline: Recorder['timeline'];
  readonly correctness: { oversold?: number; undersold?: number; lost?: number };
  readonly extra?: Record<string, unknown>;
}

/** Errors of every op (but `skip`) by `<op>: <code>`. */
export const errorsOf = (ops: ReturnType<Recorder['summary']>, skip = ''): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const [op, s] of Object.entries(ops).filter(([k]) => k !== skip))
    for (const [code, n] of Object.entries(s.errors)) out[`${op}: ${code}`] = (out[`${op}: ${code}`] ?? 0) + n;
  return out;
};

/**
 * The measured phase: `fire` at the run's rate for its duration, the recorder and the CPU meter
 * started and stopped around it; an arrival past the loop's in-flight bound counts under `op` as
 * `client_backlog`. Answers the CPU by role (when the run measures it).
 */
export async function measure(
  o: RunOptions,
  rec: Recorder,
  op: string,
  fire: (dueAt: number, i: number) => Promise<void>,
): Promise<CpuReport | undefined> {
  rec.start();
  o.cpu?.start();
  await openLoop({
    rate: o.rate,
    durationS: o.durationS,
    fire,
    onBacklog: (due) => rec.record(op, performance.now() - due, 'client_backlog'),
  });
  rec.stop();
  return o.cpu?.stop();
}
