/**
 * The CPU meter attributes a process's CPU time to its role (a real child process
 * that burns a known amount of its own CPU time, then waits to be stopped).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { expect, it } from 'vitest';
import { CpuMeter, cpuPerUnit, machineTicksOf } from '../src/cpu.js';

it('charges a child its CPU seconds, and reports the bench, the machine and per-unit figures', async () => {
  // Burns 300 ms of its own user CPU (by its own clock), says so, then waits for stdin to close.
  const child = spawn(
    process.execPath,
    [
      '-e',
      `process.stdin.once('data', () => { while (process.cpuUsage().user < 300_000) {} process.stdout.write('done\\n'); }); process.stdin.once('end', () => process.exit(0));`,
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  try {
    const meter = new CpuMeter([{ role: 'spinner', pid: child.pid! }]);
    expect(meter.supported).toBe(true);
    meter.start();
    child.stdin.write('go\n');
    await once(child.stdout, 'data');
    const r = meter.stop()!;
    expect(r.cpuS.spinner).toBeGreaterThanOrEqual(0.25);
    expect(r.stackCpuS).toBeGreaterThanOrEqual(r.cpuS.spinner!);
    expect(r.cores).toBeGreaterThanOrEqual(1);
    expect(Object.keys(r.pctOfCore)).toContain('spinner');
    expect(r.stealPct).toBeGreaterThanOrEqual(0);
    expect(r.idlePct + r.stealPct).toBeLessThanOrEqual(100);
    expect(cpuPerUnit(r, 10).stack).toBe(Math.round((r.stackCpuS * 1000 * 100) / 10) / 100);
  } finally {
    child.stdin.end();
    await once(child, 'exit');
  }
});

it("reads the hypervisor's steal apart from the machine's busy time, and guest time once", () => {
  // user nice system idle iowait irq softirq steal guest guest_nice
  expect(machineTicksOf('cpu  100 2 30 500 5 1 2 40 7 0')).toEqual({ busy: 135, idle: 505, steal: 40 });
  // An older kernel's shorter line: no steal column.
  expect(machineTicksOf('cpu  100 2 30 500 5 1 2')).toEqual({ busy: 135, idle: 505, steal: 0 });
});
