import { describe, expect, it } from 'vitest';
import { summarizeProfile } from '../src/profile-summary.js';

// root → a → b (b calls itself once), root → (idle); one sample per 1 ms.
const frame = (id: number, functionName: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url: id === 1 ? '' : 'file:///x/app.ts', lineNumber: 0, columnNumber: id * 10 },
  children,
});
const profile = {
  nodes: [frame(1, '(root)', [2, 5]), frame(2, 'a', [3]), frame(3, 'b', [4]), frame(4, 'b'), frame(5, '(idle)')],
  // a, b, b(recursive), idle, idle, b
  samples: [2, 3, 4, 5, 5, 3],
  timeDeltas: [1000, 1000, 1000, 1000, 1000, 1000],
  startTime: 0,
  endTime: 6000,
};

describe('profile summary', () => {
  it('adds self time by function and inclusive time of busy samples, recursion counted once', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(6);
    expect(s.busyMs).toBe(4);
    expect(s.functions.find((f) => f.name === 'b app.ts:1:41')?.selfMs).toBe(1);
    expect(s.functions.find((f) => f.name === 'b app.ts:1:31')?.selfMs).toBe(2);
    expect(s.inclusive.find((f) => f.name === 'a app.ts:1:21')).toMatchObject({ selfMs: 4, pct: 100 });
    expect(s.inclusive.find((f) => f.name === 'b app.ts:1:31')).toMatchObject({ selfMs: 3, pct: 75 });
    expect(s.inclusive.some((f) => f.name.startsWith('(idle)'))).toBe(false);
  });

  it('--last keeps only the final seconds', () => {
    const s = summarizeProfile(profile, 25, 0.003); // samples at 4, 5, 6 ms: idle, idle, b
    expect(s.totalMs).toBe(3);
    expect(s.busyMs).toBe(1);
    expect(s.inclusive.find((f) => f.name === 'a app.ts:1:21')).toMatchObject({ selfMs: 1, pct: 100 });
  });

  it('--skip-end leaves the final seconds out, alone or with --last', () => {
    const head = summarizeProfile(profile, 25, undefined, 0.002); // samples at 1–4 ms: a, b, b, idle
    expect(head).toMatchObject({ totalMs: 4, busyMs: 3 });
    const middle = summarizeProfile(profile, 25, 0.002, 0.002); // samples at 3, 4 ms: b (recursive), idle
    expect(middle).toMatchObject({ totalMs: 2, busyMs: 1 });
    expect(middle.inclusive.find((f) => f.name === 'b app.ts:1:41')).toMatchObject({ selfMs: 1, pct: 100 });
  });

  it('--callers splits the inclusive time of a function by who called it', () => {
    const s = summarizeProfile(profile, 25, undefined, 0, 'b ');
    expect(s.callers).toEqual([
      { name: 'b app.ts:1:31  <-  a app.ts:1:21', selfMs: 3, pct: 75 },
      { name: 'b app.ts:1:41  <-  b app.ts:1:31', selfMs: 1, pct: 25 },
    ]);
    expect(summarizeProfile(profile).callers).toEqual([]);
  });
});
