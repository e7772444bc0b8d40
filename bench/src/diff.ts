/**
 * `npm run bench -- diff a.json b.json`: two saved results side by side, with the
 * ratio b / a of every number in the summary and of each operation's rate and
 * percentiles. Results are paired by scenario (in file order), so a `compare` file
 * (lunchrush then a reference) diffs against another `compare` file run by run.
 */
import fs from 'node:fs';

export interface DiffRow {
  readonly scenario: string;
  readonly field: string;
  readonly a: number;
  readonly b: number;
  /** b / a, rounded to 2 decimals; null when a is 0. */
  readonly ratio: number | null;
}

interface SavedResult {
  scenario: string;
  target?: string;
  summary: Record<string, unknown>;
  ops?: Record<string, Record<string, unknown>>;
}

interface SavedFile {
  meta?: { argv?: string[]; loadAverage?: number[]; loadAverageAfter?: number[] };
  results: SavedResult[];
}

const OP_FIELDS = ['ratePerS', 'p50Ms', 'p99Ms', 'p999Ms'] as const;

export function readResultFile(file: string): SavedFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not a readable JSON file (${e instanceof Error ? e.message : String(e)})`, {
      cause: e,
    });
  }
  const results = (parsed as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.some((r) => typeof (r as SavedResult)?.scenario !== 'string'))
    throw new Error(`${file}: not a bench result (no results[].scenario)`);
  return parsed as SavedFile;
}

function numbers(r: SavedResult): Map<string, number> {
  const out = new Map<string, number>();
  for (const [k, v] of Object.entries(r.summary)) if (typeof v === 'number') out.set(k, v);
  for (const [op, s] of Object.entries(r.ops ?? {}))
    for (const f of OP_FIELDS) if (typeof s[f] === 'number') out.set(`${op}.${f}`, s[f]);
  return out;
}

/** Rows for every number both results have; results are paired by scenario name, in order. */
export function diffResults(a: SavedFile, b: SavedFile): DiffRow[] {
  const rows: DiffRow[] = [];
  const used = new Set<number>();
  for (const ra of a.results) {
    const j = b.results.findIndex((rb, i) => !used.has(i) && rb.scenario === ra.scenario);
    if (j < 0) continue;
    used.add(j);
    const nb = numbers(b.results[j]!);
    for (const [field, x] of numbers(ra)) {
      const y = nb.get(field);
      if (y === undefined) continue;
      rows.push({ scenario: ra.scenario, field, a: x, b: y, ratio: x === 0 ? null : Math.round((y / x) * 100) / 100 });
    }
  }
  return rows;
}

export function formatDiff(fileA: string, a: SavedFile, fileB: string, b: SavedFile, rows: readonly DiffRow[]): string {
  const load = (f: SavedFile): string =>
    `load ${f.meta?.loadAverage?.join(' ') ?? '?'} → ${f.meta?.loadAverageAfter?.join(' ') ?? '?'}`;
  const lines = [`a: ${fileA} (${load(a)})`, `b: ${fileB} (${load(b)})`, ''];
  const w = Math.max(5, ...rows.map((r) => r.field.length));
  let scenario = '';
  for (const r of rows) {
    if (r.scenario !== scenario) {
      scenario = r.scenario;
      lines.push(`== ${scenario}`, `${'field'.padEnd(w)}  ${'a'.padStart(12)}  ${'b'.padStart(12)}  b/a`);
    }
    lines.push(
      `${r.field.padEnd(w)}  ${String(r.a).padStart(12)}  ${String(r.b).padStart(12)}  ${r.ratio === null ? '–' : `${r.ratio}×`}`,
    );
  }
  if (rows.length === 0) lines.push('no scenario in common');
  return `${lines.join('\n')}\n`;
}
