/**
 * `bench diff a.json b.json`: the ratios of two saved results, by the command an SRE
 * types (a child process), and the pairing rules underneath.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { diffResults, readResultFile } from '../src/diff.js';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

function result(scenario: string, ordersPerS: number, p99: number, extra: Record<string, unknown> = {}) {
  return {
    scenario,
    target: 'x',
    rate: 100,
    durationS: 1,
    summary: { ordersPerS, orderP99Ms: p99, errorsByCode: {}, ...extra },
    ops: { order: { count: 10, ok: 10, ratePerS: ordersPerS, p50Ms: 1, p99Ms: p99, p999Ms: p99, errors: {} } },
    timeline: [],
    correctness: {},
  };
}

function write(dir: string, name: string, results: unknown[]): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, JSON.stringify({ meta: { loadAverage: [1, 2, 3], loadAverageAfter: [4, 5, 6] }, results }));
  return f;
}

describe('bench diff', () => {
  it('prints b / a for every number both results have, as one command', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-diff-'));
    const a = write(dir, 'a.json', [result('lunch-rush', 200, 40)]);
    const b = write(dir, 'b.json', [result('lunch-rush', 500, 10)]);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/src/cli.ts', 'diff', a, b], {
      cwd: root,
    });
    expect(stdout).toMatch(/^ordersPerS\s+200\s+500\s+2\.5×$/m);
    expect(stdout).toMatch(/^orderP99Ms\s+40\s+10\s+0\.25×$/m);
    expect(stdout).toMatch(/^order\.ratePerS\s+200\s+500\s+2\.5×$/m);
    expect(stdout).toContain('load 1 2 3 → 4 5 6');
  });

  it('exits 2 with a message when a file is not a result', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-diff-'));
    const a = write(dir, 'a.json', [result('lunch-rush', 1, 1)]);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"results": 3}');
    const r = await run(process.execPath, ['--import', 'tsx', 'bench/src/cli.ts', 'diff', a, bad], {
      cwd: root,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a bench result');
  });

  it('pairs results by scenario in order (a compare file against another), zero gives no ratio', () => {
    const a = { results: [result('lunch-rush', 100, 5), result('lunch-rush', 50, 9, { zero: 0 })] };
    const b = {
      results: [result('flash-sale', 1, 1), result('lunch-rush', 300, 5), result('lunch-rush', 25, 9, { zero: 7 })],
    };
    const rows = diffResults(a, b);
    const orders = rows.filter((r) => r.field === 'ordersPerS');
    expect(orders.map((r) => r.ratio)).toEqual([3, 0.5]);
    expect(rows.find((r) => r.field === 'zero')).toMatchObject({ a: 0, b: 7, ratio: null });
    expect(rows.some((r) => r.scenario === 'flash-sale')).toBe(false);
  });

  it('refuses a file that is not JSON, naming it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-diff-'));
    const f = path.join(dir, 'x.json');
    fs.writeFileSync(f, 'not json');
    expect(() => readResultFile(f)).toThrow(/x\.json: not a readable JSON file/);
  });
});
