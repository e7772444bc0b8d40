import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { spawnTs, waitFor } from '@lunchrush/testkit';
import { isAlive, processState } from './support.js';

const CHILD = fileURLToPath(new URL('./fixtures/child.ts', import.meta.url));
const PARENT = fileURLToPath(new URL('./fixtures/parent.ts', import.meta.url));

describe('spawnTs', () => {
  it('runs a TypeScript file with env and args, capturing stdout and stderr lines', async () => {
    const child = spawnTs(CHILD, { env: { LUNCHRUSH_FIXTURE: 'yes' }, args: ['--flag', 'value'] });
    try {
      const ready = await child.waitForLine(/^ready pid=(\d+)$/);
      expect(Number(ready[1])).toBe(child.pid);
      await child.waitForLine('env LUNCHRUSH_FIXTURE=yes');
      await child.waitForLine('args ["--flag","value"]');
      expect(child.lines).toContainEqual({ stream: 'stderr', text: 'child stderr line' });
    } finally {
      await child.stop();
    }
  });

  it('waits only for lines after a mark', async () => {
    const child = spawnTs(CHILD);
    try {
      const first = await child.waitForLine(/^tick (\d+)$/);
      const mark = child.lines.length;
      const later = await child.waitForLine(/^tick (\d+)$/, 5_000, { from: mark });
      expect(Number(later[1])).toBeGreaterThan(Number(first[1]));
    } finally {
      await child.stop();
    }
  });

  it('rejects a wait when the child exits first, quoting its output', async () => {
    const child = spawnTs(CHILD, { args: ['--exit-now'] });
    await expect(child.waitForLine(/never printed/)).rejects.toThrow(/exited \(code 7.*\n[\s\S]*ready pid=/);
    expect(await child.exited).toEqual({ code: 7, signal: null });
    expect(child.kill('SIGKILL')).toBe(false);
  });

  it('rejects a wait that times out', async () => {
    const child = spawnTs(CHILD);
    try {
      await expect(child.waitForLine(/never printed/, 200)).rejects.toThrow(/no line matched .* within 200 ms/);
    } finally {
      await child.stop();
    }
  });

  it('freezes with SIGSTOP, resumes with SIGCONT, and dies with SIGKILL', async () => {
    const child = spawnTs(CHILD);
    await child.waitForLine(/^ready/);

    child.kill('SIGSTOP');
    await waitFor(() => processState(child.pid) === 'T', { what: 'the child to be stopped' });

    child.kill('SIGCONT');
    await waitFor(() => processState(child.pid) !== 'T', { what: 'the child to run again' });
    await child.waitForLine(/^tick/, 5_000, { from: child.lines.length });

    child.kill('SIGKILL');
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(child.running).toBe(false);
  });

  it('stop() sends SIGTERM and resolves with the exit status', async () => {
    const child = spawnTs(CHILD);
    await child.waitForLine(/^ready/);
    expect(await child.stop()).toEqual({ code: 0, signal: null });
    expect(child.output()).toMatch(/got SIGTERM/);
  });

  it.each([
    ['exits', 'exit', 'SIGUSR2'],
    ['throws', 'throw', 'SIGUSR2'],
    ['gets SIGTERM', 'wait', 'SIGTERM'],
    ['gets SIGINT', 'wait', 'SIGINT'],
  ] as const)('kills its children when the test process %s', async (_, mode, signal) => {
    const parent = spawnTs(PARENT, { args: [mode] });
    const line = await parent.waitForLine(/^child pid=(\d+)$/);
    const childPid = Number(line[1]);
    expect(isAlive(childPid)).toBe(true);

    parent.kill(signal); // SIGUSR2 makes the fixture exit or throw
    const exit = await parent.exited;
    expect(exit).toEqual(
      mode === 'exit'
        ? { code: 0, signal: null }
        : mode === 'throw'
          ? { code: 1, signal: null }
          : { code: null, signal },
    );
    await waitFor(() => !isAlive(childPid), { what: `child ${childPid} to be gone` });
  });
});
