/**
 * Where the time goes: aggregate self time by function (and by package) from the
 * .cpuprofile files `--cpu-prof` writes (`npm run bench -- lunch-rush --cpu-prof dir`).
 *
 *   node --import tsx bench/src/profile-summary.ts <file.cpuprofile>… [--top 25]
 */
import fs from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules package, lunchrush folder, node internals, or the VM's own entries ((garbage collector), (idle)). */
function packageOf(file: string, fn: string): string {
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(file);
  if (dep !== null) return dep[1]!;
  const ours = /\/work\/main\/([^/]+)\//.exec(file);
  if (ours !== null) return `lunchrush/${ours[1]!}`;
  if (file.startsWith('node:')) return 'node';
  return fn.startsWith('(') ? fn : 'native';
}

export function summarizeProfile(p: Profile, top = 25) {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++)
    selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + (p.timeDeltas[i] ?? 0));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const f = byId.get(id)!.callFrame;
    const file = f.url.replace(/^file:\/\//, '');
    const where = file === '' ? '' : `${path.basename(file)}:${f.lineNumber + 1}`;
    const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkg = packageOf(file, f.functionName);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const pct = (us: number): number => Math.round((us / total) * 1000) / 10;
  const sorted = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ name: k, selfMs: Math.round(us / 1000), pct: pct(us) }));
  return { totalMs: Math.round(total / 1000), functions: sorted(fns), packages: sorted(pkgs) };
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const args = process.argv.slice(2);
  const t = args.indexOf('--top');
  const top = t >= 0 ? Number(args[t + 1]) : 25;
  for (const f of args.filter((a, i) => a.endsWith('.cpuprofile') && (t < 0 || i !== t + 1))) {
    const s = summarizeProfile(JSON.parse(fs.readFileSync(f, 'utf8')) as Profile, top);
    process.stdout.write(`\n== ${f}: ${s.totalMs} ms sampled\n-- by package (self time)\n`);
    for (const x of s.packages) process.stdout.write(`${String(x.pct).padStart(5)}%  ${x.name}\n`);
    process.stdout.write('-- by function (self time)\n');
    for (const x of s.functions) process.stdout.write(`${String(x.pct).padStart(5)}%  ${x.name}\n`);
  }
}
