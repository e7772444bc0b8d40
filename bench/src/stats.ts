/**
 * Latency histograms (HDR, microseconds) per operation, answers counted by code,
 * and a per-second timeline for the report's plots and the live progress line.
 */
import * as hdr from 'hdr-histogram-js';

const MAX_LATENCY_US = 120_000_000;

export function histogram(): hdr.Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: MAX_LATENCY_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

const ms = (us: number): number => Math.round(us) / 1000;

export function summarize(h: hdr.Histogram): LatencySummary {
  return {
    count: h.totalCount,
    p50Ms: ms(h.getValueAtPercentile(50)),
    p90Ms: ms(h.getValueAtPercentile(90)),
    p99Ms: ms(h.getValueAtPercentile(99)),
    p999Ms: ms(h.getValueAtPercentile(99.9)),
    maxMs: ms(h.maxValue),
    meanMs: ms(h.mean),
  };
}

export interface SecondPoint {
  /** Seconds since the measured phase started. */
  readonly t: number;
  readonly ok: Record<string, number>;
  readonly errors: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** One op's answers: the latency of every answer (ok or not) and a count per code. */
class OpStats {
  readonly hist = histogram();
  readonly codes = new Map<string, number>();
  ok = 0;
}

export class Recorder {
  readonly ops = new Map<string, OpStats>();
  readonly timeline: SecondPoint[] = [];
  private second = histogram();
  private secondOk: Record<string, number> = {};
  private secondErrors = 0;
  private started = 0;
  private lastTick = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Set false during warm-up: answers are not kept. */
  recording = false;

  constructor(
    private readonly primary: string,
    private readonly progress = true,
  ) {}

  private op(name: string): OpStats {
    let s = this.ops.get(name);
    if (s === undefined) this.ops.set(name, (s = new OpStats()));
    return s;
  }

  /** `code` is 'ok' for a success, else the HTTP status and error code (`409 sold_out`). */
  record(op: string, latencyMs: number, code: string): void {
    if (!this.recording) return;
    const s = this.op(op);
    const us = Math.max(1, Math.min(MAX_LATENCY_US, Math.round(latencyMs * 1000)));
    s.hist.recordValue(us);
    if (code === 'ok') {
      s.ok++;
      this.secondOk[op] = (this.secondOk[op] ?? 0) + 1;
    } else {
      s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
      this.secondErrors++;
    }
    if (op === this.primary) this.second.recordValue(us);
  }

  start(): void {
    this.recording = true;
    this.started = this.lastTick = performance.now();
    this.timer = setInterval(() => this.tick(), 1000);
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.tick();
    this.recording = false;
  }

  get elapsedS(): number {
    return (performance.now() - this.started) / 1000;
  }

  private tick(): void {
    const now = performance.now();
    if (now - this.lastTick < 200) return;
    this.lastTick = now;
    const p: SecondPoint = {
      t: Math.round((now - this.started) / 100) / 10,
      ok: this.secondOk,
      errors: this.secondErrors,
      p50Ms: ms(this.second.getValueAtPercentile(50)),
      p99Ms: ms(this.second.getValueAtPercentile(99)),
    };
    this.timeline.push(p);
    if (this.progress) {
      const oks = Object.entries(p.ok)
        .map(([k, v]) => `${k} ${v}/s`)
        .join(' ');
      process.stderr.write(
        `[bench] t=${p.t.toFixed(0)}s ${oks || 'no answers'} | ${this.primary} p50 ${p.p50Ms} ms p99 ${p.p99Ms} ms | errors ${p.errors}/s\n`,
      );
    }
    this.second.reset();
    this.secondOk = {};
    this.secondErrors = 0;
  }

  summary(): Record<string, LatencySummary & { ok: number; ratePerS: number; errors: Record<string, number> }> {
    const seconds = Math.max(0.001, this.timeline.at(-1)?.t ?? this.elapsedS);
    return Object.fromEntries(
      [...this.ops].map(([name, s]) => [
        name,
        {
          ...summarize(s.hist),
          ok: s.ok,
          ratePerS: Math.round((s.ok / seconds) * 10) / 10,
          errors: Object.fromEntries(s.codes),
        },
      ]),
    );
  }
}

/**
 * Fixed arrival rate (open model): arrival i is due at start + i / rate, whatever
 * happened to earlier ones, and `fire` gets that due time so latency is measured
 * from it: a stalled server shows up as latency, not as a lower send rate.
 * Past `maxInFlight` outstanding arrivals the arrival is counted as `client_backlog`
 * instead of piling up without bound.
 */
export async function openLoop(opts: {
  rate: number;
  durationS: number;
  maxInFlight?: number;
  fire: (dueAt: number, i: number) => Promise<void>;
  onBacklog?: (dueAt: number) => void;
}): Promise<{ sent: number; backlog: number }> {
  const { rate, durationS, fire } = opts;
  const maxInFlight = opts.maxInFlight ?? 50_000;
  const start = performance.now();
  const total = Math.floor(rate * durationS);
  let i = 0;
  let inFlight = 0;
  let backlog = 0;
  const pending = new Set<Promise<void>>();
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const now = performance.now();
      const due = Math.min(total, Math.floor(((now - start) * rate) / 1000) + 1);
      for (; i < due; i++) {
        const dueAt = start + (i * 1000) / rate;
        if (inFlight >= maxInFlight) {
          backlog++;
          opts.onBacklog?.(dueAt);
          continue;
        }
        inFlight++;
        const p: Promise<void> = fire(dueAt, i)
          .catch(() => undefined)
          .finally(() => {
            inFlight--;
            pending.delete(p);
          });
        pending.add(p);
      }
      if (i >= total) resolve();
      else setTimeout(step, 1);
    };
    step();
  });
  await Promise.all(pending);
  return { sent: i - backlog, backlog };
}
