/**
 * Where the machine's CPU went during the measured phase, by role: each process the
 * bench started (with its descendants, e.g. node:cluster workers), the shared services
 * (nats-server, redis-server, postgres — found by name), the bench itself, and
 * everything else on the machine ("others": the neighbours). Read from Linux
 * `/proc/<pid>/stat` (utime + stime, all threads) and `/proc/stat`; elsewhere the
 * meter reports nothing.
 *
 * On a shared 2-core machine the answers per second move ±30% with the neighbours'
 * load; CPU milliseconds per answer of the stack under test move far less, so
 * `cpuMsPerOrder` (and its ratio in `compare`) is the steadier number.
 *
 * On a virtual machine the hypervisor also takes time from our cores for other guests
 * (`steal` in /proc/stat): reported apart as `stealPct`, not as "others". A run during which
 * it took a tenth of the machine is a slower machine, not a slower stack (7 Dec: 3–36% of the
 * machine second by second in one lunch rush, and half the orders/s of the day before).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface CpuRole {
  readonly role: string;
  readonly pid: number;
}

export interface CpuReport {
  readonly wallS: number;
  readonly cores: number;
  /** CPU seconds per role; `bench` is this process, `others` the rest of the machine. */
  readonly cpuS: Record<string, number>;
  /** Share of one core per role over the phase (100 = one core busy). */
  readonly pctOfCore: Record<string, number>;
  /** The machine's idle share, percent of all cores. */
  readonly idlePct: number;
  /** Percent of all cores' time the hypervisor gave to other guests (/proc/stat `steal`). */
  readonly stealPct: number;
  /** CPU seconds of the stack under test: its processes and the shared services (not the bench, not others). */
  readonly stackCpuS: number;
}

const SERVICES: Record<string, string> = { 'nats-server': 'nats', 'redis-server': 'redis', postgres: 'postgres' };

let ticksPerS: number | undefined;
function clockTicks(): number {
  if (ticksPerS === undefined) {
    try {
      ticksPerS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerS = 100;
    }
  }
  return ticksPerS;
}

interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly ticks: number;
}

function readStat(pid: string): ProcStat | undefined {
  let s: string;
  try {
    s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = s.lastIndexOf(')');
  const comm = s.slice(s.indexOf('(') + 1, close);
  const f = s.slice(close + 2).split(' ');
  // Fields after the command: state(0) ppid(1) … utime(11) stime(12).
  return { pid: Number(pid), ppid: Number(f[1]), comm, ticks: Number(f[11]) + Number(f[12]) };
}

interface MachineTicks {
  readonly busy: number;
  readonly idle: number;
  readonly steal: number;
}

/**
 * The first line of /proc/stat: user nice system idle iowait irq softirq steal guest guest_nice.
 * Guest time is already inside user and nice, so it is not added again.
 */
export function machineTicksOf(statLine: string): MachineTicks {
  const v = statLine.trim().split(/\s+/).slice(1).map(Number);
  const at = (i: number): number => v[i] ?? 0;
  return { busy: at(0) + at(1) + at(2) + at(5) + at(6), idle: at(3) + at(4), steal: at(7) };
}

function machineTicks(): MachineTicks | undefined {
  try {
    return machineTicksOf(fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!);
  } catch {
    return undefined;
  }
}

/** Ticks per role right now. */
function snapshot(roles: readonly CpuRole[]): Map<string, number> {
  const all: ProcStat[] = [];
  for (const d of fs.readdirSync('/proc'))
    if (/^\d+$/.test(d)) all.push(readStat(d) ?? { pid: 0, ppid: 0, comm: '', ticks: 0 });
  const children = new Map<number, ProcStat[]>();
  for (const p of all) {
    const c = children.get(p.ppid);
    if (c === undefined) children.set(p.ppid, [p]);
    else c.push(p);
  }
  const byPid = new Map(all.map((p) => [p.pid, p]));
  const out = new Map<string, number>();
  const add = (role: string, t: number): void => void out.set(role, (out.get(role) ?? 0) + t);
  const seen = new Set<number>();
  const tree = (role: string, pid: number): void => {
    if (seen.has(pid)) return;
    seen.add(pid);
    add(role, byPid.get(pid)?.ticks ?? 0);
    for (const c of children.get(pid) ?? []) tree(role, c.pid);
  };
  for (const r of roles) tree(r.role, r.pid);
  tree('bench', process.pid);
  for (const p of all) {
    if (seen.has(p.pid)) continue;
    const svc = SERVICES[p.comm];
    if (svc !== undefined) add(svc, p.ticks);
  }
  return out;
}

export class CpuMeter {
  private t0 = 0;
  private roles0 = new Map<string, number>();
  private machine0: MachineTicks | undefined;
  readonly supported = fs.existsSync('/proc/stat');

  constructor(private readonly roles: readonly CpuRole[]) {}

  start(): void {
    if (!this.supported) return;
    this.t0 = performance.now();
    this.roles0 = snapshot(this.roles);
    this.machine0 = machineTicks();
  }

  stop(): CpuReport | undefined {
    if (!this.supported || this.t0 === 0) return undefined;
    const wallS = (performance.now() - this.t0) / 1000;
    const hz = clockTicks();
    const now = snapshot(this.roles);
    const m1 = machineTicks();
    const cpuS: Record<string, number> = {};
    for (const [role, t] of now) {
      const d = (t - (this.roles0.get(role) ?? t)) / hz;
      if (d > 0) cpuS[role] = Math.round(d * 100) / 100;
    }
    const m0 = this.machine0;
    const total = (m: MachineTicks): number => m.busy + m.idle + m.steal;
    const cores =
      (m0 !== undefined && m1 !== undefined && wallS > 0 && Math.round((total(m1) - total(m0)) / hz / wallS)) || 1;
    const ours = Object.values(cpuS).reduce((a, b) => a + b, 0);
    let idlePct = 0;
    let stealPct = 0;
    if (m0 !== undefined && m1 !== undefined) {
      const busyS = (m1.busy - m0.busy) / hz;
      const allS = Math.max(0.001, (total(m1) - total(m0)) / hz);
      cpuS.others = Math.max(0, Math.round((busyS - ours) * 100) / 100);
      idlePct = Math.round(((m1.idle - m0.idle) / hz / allS) * 1000) / 10;
      stealPct = Math.round(((m1.steal - m0.steal) / hz / allS) * 1000) / 10;
    }
    const pctOfCore: Record<string, number> = {};
    for (const [role, s] of Object.entries(cpuS)) pctOfCore[role] = Math.round((s / wallS) * 1000) / 10;
    const stackCpuS =
      Math.round(
        Object.entries(cpuS)
          .filter(([role]) => role !== 'bench' && role !== 'others')
          .reduce((a, [, s]) => a + s, 0) * 100,
      ) / 100;
    return { wallS: Math.round(wallS * 100) / 100, cores, cpuS, pctOfCore, idlePct, stealPct, stackCpuS };
  }
}

/** CPU milliseconds per answer: of the stack under test, and of the bench (the load generator). */
export function cpuPerUnit(r: CpuReport | undefined, units: number): { stack?: number; bench?: number } {
  if (r === undefined || units <= 0) return {};
  const ms = (s: number): number => Math.round((s * 1000 * 100) / units) / 100;
  return { stack: ms(r.stackCpuS), bench: ms(r.cpuS.bench ?? 0) };
}
