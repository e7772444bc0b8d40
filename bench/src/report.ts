/** The HTML report: inline SVG plots (throughput over time, p50/p99 over time, percentiles per op). */
import type { ScenarioResult } from './scenarios/index.js';

const esc = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];

function lineChart(title: string, xs: number[], series: { name: string; ys: number[] }[], unit: string): string {
  const W = 720;
  const H = 260;
  const L = 60;
  const B = 30;
  const maxX = Math.max(1, ...xs);
  const maxY = Math.max(1, ...series.flatMap((s) => s.ys));
  const x = (v: number): number => L + (v / maxX) * (W - L - 10);
  const y = (v: number): number => H - B - (v / maxY) * (H - B - 20);
  const paths = series
    .map((s, k) => {
      const d = s.ys.map((v, i) => `${i === 0 ? 'M' : 'L'}${x(xs[i]!).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      return `<path d="${d}" fill="none" stroke="${COLORS[k % COLORS.length]}" stroke-width="1.5"/>
<text x="${W - 150}" y="${20 + k * 14}" fill="${COLORS[k % COLORS.length]}" font-size="11">${esc(s.name)}</text>`;
    })
    .join('\n');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (f) =>
        `<line x1="${L}" x2="${W - 10}" y1="${y(maxY * f)}" y2="${y(maxY * f)}" stroke="#eee"/><text x="${L - 4}" y="${y(maxY * f) + 4}" text-anchor="end" font-size="10">${Math.round(maxY * f * 10) / 10}</text>`,
    )
    .join('');
  return `<h3>${esc(title)}</h3><svg width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">
${ticks}<line x1="${L}" x2="${L}" y1="10" y2="${H - B}" stroke="#999"/><line x1="${L}" x2="${W - 10}" y1="${H - B}" y2="${H - B}" stroke="#999"/>
<text x="${W / 2}" y="${H - 5}" font-size="10" text-anchor="middle">seconds</text><text x="10" y="14" font-size="10">${esc(unit)}</text>
${paths}</svg>`;
}

export function htmlReport(results: ScenarioResult[], meta: Record<string, unknown>): string {
  const body = results
    .map((r) => {
      const xs = r.timeline.map((p) => p.t);
      const ops = [...new Set(r.timeline.flatMap((p) => Object.keys(p.ok)))];
      const thr = lineChart(
        'Throughput over time (successful answers per second)',
        xs,
        [
          ...ops.map((op) => ({ name: op, ys: r.timeline.map((p) => p.ok[op] ?? 0) })),
          { name: 'errors', ys: r.timeline.map((p) => p.errors) },
        ],
        'per s',
      );
      const lat = lineChart(
        'Primary op latency per second (from the scheduled send time)',
        xs,
        [
          { name: 'p50', ys: r.timeline.map((p) => p.p50Ms) },
          { name: 'p99', ys: r.timeline.map((p) => p.p99Ms) },
        ],
        'ms',
      );
      const rows = Object.entries(r.ops)
        .map(
          ([op, s]) =>
            `<tr><td>${esc(op)}</td><td>${s.count}</td><td>${s.ratePerS}</td><td>${s.p50Ms}</td><td>${s.p90Ms}</td><td>${s.p99Ms}</td><td>${s.p999Ms}</td><td>${s.maxMs}</td><td>${esc(JSON.stringify(s.errors))}</td></tr>`,
        )
        .join('');
      const pct = lineChart(
        'Latency percentiles per op (p50, p90, p99, p99.9, max)',
        [0, 1, 2, 3, 4],
        Object.entries(r.ops).map(([op, s]) => ({ name: op, ys: [s.p50Ms, s.p90Ms, s.p99Ms, s.p999Ms, s.maxMs] })),
        'ms',
      );
      return `<section><h2>${esc(r.scenario)} — ${esc(r.target)}</h2>
<p>rate ${r.rate}/s, ${r.durationS} s. Correctness: <b>${esc(JSON.stringify(r.correctness))}</b></p>
<pre>${esc(JSON.stringify(r.summary, null, 2))}</pre>
<table border="1" cellspacing="0" cellpadding="3"><tr><th>op</th><th>answers</th><th>ok/s</th><th>p50 ms</th><th>p90</th><th>p99</th><th>p99.9</th><th>max</th><th>errors</th></tr>${rows}</table>
${thr}${lat}${pct}</section>`;
    })
    .join('<hr>');
  return `<!doctype html><html><head><meta charset="utf-8"><title>lunchrush bench</title>
<style>body{font-family:sans-serif;margin:2em;max-width:60em}td,th{font-size:12px}pre{background:#f6f6f6;padding:.5em}</style></head>
<body><h1>lunchrush bench</h1><pre>${esc(JSON.stringify(meta, null, 2))}</pre>${body}</body></html>`;
}
