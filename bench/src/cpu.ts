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

function machineTicks(): { busy: number; idle: number } | undefined {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: v.reduce((a, b) => a + b, 0) - idle, idle };
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
  private machine0: { busy: number; idle: number } | undefined;
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
    const cores =
      (this.machine0 !== undefined &&
        m1 !== undefined &&
        wallS > 0 &&
        Math.round((m1.busy + m1.idle - this.machine0.busy - this.machine0.idle) / hz / wallS)) ||
      1;
    const ours = Object.values(cpuS).reduce((a, b) => a + b, 0);
    let idlePct = 0;
    if (this.machine0 !== undefined && m1 !== undefined) {
      const busyS = (m1.busy - this.machine0.busy) / hz;
      const idleS = (m1.idle - this.machine0.idle) / hz;
      cpuS.others = Math.max(0, Math.round((busyS - ours) * 100) / 100);
      idlePct = Math.round((idleS / Math.max(0.001, busyS + idleS)) * 1000) / 10;
    }
    const pctOfCore: Record<string, number> = {};
    for (const [role, s] of Object.entries(cpuS)) pctOfCore[role] = Math.round((s / wallS) * 1000) / 10;
    const stackCpuS =
      Math.round(
        Object.entries(cpuS)
          .filter(([role]) => role !== 'bench' && role !== 'others')
          .reduce((a, [, s]) => a + s, 0) * 100,
      ) / 100;
    return { wallS: Math.round(wallS * 100) / 100, cores, cpuS, pctOfCore, idlePct, stackCpuS };
  }
}

/** CPU milliseconds per answer: of the stack under test, and of the bench (the load generator). */
export function cpuPerUnit(r: CpuReport | undefined, units: number): { stack?: number; bench?: number } {
  if (r === undefined || units <= 0) return {};
  const ms = (s: number): number => Math.round((s * 1000 * 100) / units) / 100;
  return { stack: ms(r.stackCpuS), bench: ms(r.cpuS.bench ?? 0) };
}
