/**
 * Where the time goes: aggregate self time by function (and by package), and the
 * inclusive time of each function (itself and all it calls, idle left out), from the
 * .cpuprofile files `--cpu-prof` writes (`npm run bench -- lunch-rush --cpu-prof dir`).
 *
 *   node --import tsx bench/src/profile-summary.ts <file.cpuprofile>… [--top 25] [--last s] [--skip-end s]
 *     [--callers name]
 *
 * `--last s` keeps only the samples of the profile's last `s` seconds: a process the bench
 * started is stopped right after the measured phase, so this leaves start-up and set-up out.
 * `--skip-end s` leaves out the profile's final `s` seconds too (the process's shutdown: a node
 * writing its dirty snapshots as it stops). `--callers name`: for each function whose name starts
 * with `name`, the share of its inclusive time under each of its callers.
 * tsx strips line numbers from our own files; functions there are told apart by column
 * (`server.ts:1:5934`).
 */
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '@lunchrush/testkit';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime?: number;
  endTime?: number;
}

const REPO = REPO_ROOT;

/** node_modules package, lunchrush folder, node internals, or the VM's own entries ((garbage collector), (idle)). */
function packageOf(file: string, fn: string): string {
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (dep !== null) return dep[1]!;
  if (file.startsWith(`${REPO}/`)) return `lunchrush/${file.slice(REPO.length + 1).split('/')[0]!}`;
  if (file.startsWith('node:')) return 'node';
  return fn.startsWith('(') ? fn : 'native';
}

function keyOf(f: ProfileNode['callFrame']): string {
  const file = f.url.replace(/^file:\/\//, '');
  const col = f.columnNumber === undefined ? '' : `:${f.columnNumber + 1}`;
  const where = file === '' ? '' : `${path.basename(file)}:${f.lineNumber + 1}${col}`;
  return `${f.functionName || '(anonymous)'} ${where}`.trim();
}

export function summarizeProfile(p: Profile, top = 25, lastS?: number, skipEndS = 0, callersOf?: string) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // Sample i was taken at startTime + the sum of timeDeltas[0..i].
  let t = p.startTime ?? 0;
  const end = p.endTime ?? p.timeDeltas.reduce((a, b) => a + b, t);
  const to = end - skipEndS * 1e6;
  const from = lastS === undefined ? -Infinity : to - lastS * 1e6;
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    t += p.timeDeltas[i] ?? 0;
    if (t <= from || t > to) continue; // sample i covers (t - delta, t]
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const callers = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^file:\/\//, '');
    const key = keyOf(f);
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkg = packageOf(file, f.functionName);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
    if (f.functionName === '(idle)') continue;
    busy += us;
    // Every function on the stack once (recursion counts once), the root included.
    const seen = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const k = keyOf(byId.get(n)!.callFrame);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
      const up = parent.get(n);
      if (callersOf !== undefined && up !== undefined && k.startsWith(callersOf)) {
        const ck = `${k}  <-  ${keyOf(byId.get(up)!.callFrame)}`;
        callers.set(ck, (callers.get(ck) ?? 0) + us);
      }
    }
  }
  const pct = (us: number, of = total): number => Math.round((us / (of || 1)) * 1000) / 10;
  const sorted = (m: Map<string, number>, of = total) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ name: k, selfMs: Math.round(us / 1000), pct: pct(us, of) }));
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    functions: sorted(fns),
    packages: sorted(pkgs),
    /** Share of busy (non-idle) time spent in each function and what it called. */
    inclusive: sorted(inclusive, busy).filter((x) => x.name !== '(root)'),
    /** With `callersOf`: inclusive time of the matching functions, split by immediate caller. */
    callers: sorted(callers, busy),
  };
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const args = process.argv.slice(2);
  const opt = (name: string): number | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const top = opt('--top') ?? 25;
  const lastS = opt('--last');
  const skipEnd = opt('--skip-end') ?? 0;
  const ci = args.indexOf('--callers');
  const callersOf = ci >= 0 ? args[ci + 1] : undefined;
  const values = new Set(
    ['--top', '--last', '--skip-end', '--callers'].map((o) => args.indexOf(o) + 1).filter((i) => i > 0),
  );
  for (const f of args.filter((a, i) => a.endsWith('.cpuprofile') && !values.has(i))) {
    const s = summarizeProfile(JSON.parse(fs.readFileSync(f, 'utf8')) as Profile, top, lastS, skipEnd, callersOf);
    const window =
      (lastS === undefined ? '' : ` (last ${lastS} s)`) + (skipEnd === 0 ? '' : ` ending ${skipEnd} s before its end`);
    process.stdout.write(
      `\n== ${f}: ${s.totalMs} ms sampled${window}, ${s.busyMs} ms busy\n-- by package (self time)\n`,
    );
    for (const x of s.packages) process.stdout.write(`${String(x.pct).padStart(5)}%  ${x.name}\n`);
    process.stdout.write('-- by function (self time)\n');
    for (const x of s.functions) process.stdout.write(`${String(x.pct).padStart(5)}%  ${x.name}\n`);
    process.stdout.write('-- by function, inclusive (share of busy time)\n');
    for (const x of s.inclusive) process.stdout.write(`${String(x.pct).padStart(5)}%  ${x.name}\n`);
    if (callersOf === undefined) continue;
    process.stdout.write(`-- ${callersOf}…, inclusive, by caller (share of busy time)\n`);
    for (const x of s.callers) process.stdout.write(`${String(x.pct).padStart(5)}%  ${x.name}\n`);
  }
}
