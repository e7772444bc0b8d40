/**
 * deploy/prometheus and deploy/grafana: `promtool check config` and `check rules`, the alerts
 * the lunch rush needs, Grafana's provisioning files and dashboards in the shape Grafana loads
 * them, every panel query through promtool's parser, and every metric a query or rule reads
 * exported by one of the processes (names read from their sources).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@lunchrush/testkit';
import { dump, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DEPLOY = path.join(REPO_ROOT, 'deploy');
const GRAFANA = path.join(DEPLOY, 'grafana');

function promtool(): string {
  for (const p of ['/usr/bin/promtool', '/usr/local/bin/promtool']) if (fs.existsSync(p)) return p;
  throw new Error('promtool is missing: apt-get install -y prometheus (npm test does it when run as root)');
}

interface Rule {
  readonly alert: string;
  readonly expr: string;
}

const rules = (): Rule[] =>
  (
    load(fs.readFileSync(path.join(DEPLOY, 'prometheus', 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }
  ).groups.flatMap((g) => g.rules);

interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly gridPos: { h: number; w: number; x: number; y: number };
  readonly datasource?: { type: string; uid: string };
  readonly targets?: { refId: string; expr: string; datasource?: { uid: string } }[];
}
interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly schemaVersion: number;
  readonly panels: Panel[];
}

function dashboards(): { file: string; d: Dashboard }[] {
  const dir = path.join(GRAFANA, 'dashboards');
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => ({ file: f, d: JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as Dashboard }));
}

const queries = (): { where: string; expr: string }[] =>
  dashboards().flatMap(({ file, d }) =>
    d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `${file} "${p.title}" ${t.refId}`, expr: t.expr }))),
  );

/** Every metric name some process registers (`name: 'lunchrush_…'` in a package's src/), with default-metric prefixes. */
function exportedMetrics(): { names: Set<string>; prefixes: string[] } {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts'))
        for (const m of fs.readFileSync(p, 'utf8').matchAll(/name: '(lunchrush_[a-z0-9_]+)'/g)) names.add(m[1]!);
    }
  };
  for (const pkg of ['engine', 'gateways', 'payments', 'analytics', 'printer-daemon'])
    walk(path.join(REPO_ROOT, pkg, 'src'));
  // prom-client's default metrics: unprefixed in a node's registry, prefixed in the others'.
  return {
    names,
    prefixes: [
      'nodejs_',
      'process_',
      'lunchrush_engine_nodejs_',
      'lunchrush_analytics_nodejs_',
      'lunchrush_printer_nodejs_',
    ],
  };
}

function unknownMetrics(expr: string, known: { names: Set<string>; prefixes: string[] }): string[] {
  const used = [...expr.matchAll(/\b((?:lunchrush|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1]!);
  return used.filter((n) => {
    const base = n.replace(/_(bucket|sum|count)$/, '');
    return !known.names.has(base) && !known.names.has(n) && !known.prefixes.some((p) => n.startsWith(p));
  });
}

describe('Prometheus (deploy/prometheus)', () => {
  it('passes promtool check config and check rules', async () => {
    const cfg = await run(promtool(), ['check', 'config', path.join(DEPLOY, 'prometheus', 'prometheus.yml')]);
    expect(cfg.stdout).toMatch(/SUCCESS/);
    const r = await run(promtool(), ['check', 'rules', path.join(DEPLOY, 'prometheus', 'alerts.yml')]);
    expect(r.stdout).toMatch(/SUCCESS: \d+ rules found/);
  });

  it('alerts on what the lunch rush needs, reading only metrics the processes export', () => {
    const names = rules().map((r) => r.alert);
    for (const a of [
      'EngineOverloaded',
      'PartitionWithoutOwner',
      'PrinterOutOfPaper',
      'AnalyticsLagging',
      'PaymentCallbacksFailing',
    ])
      expect(names).toContain(a);
    const known = exportedMetrics();
    for (const r of rules()) expect(unknownMetrics(r.expr, known), r.alert).toEqual([]);
  });

  it('finds a metric name that no process exports', () => {
    expect(unknownMetrics('rate(lunchrush_engine_no_such_thing_total[1m])', exportedMetrics())).toEqual([
      'lunchrush_engine_no_such_thing_total',
    ]);
  });
});

describe('Grafana (deploy/grafana)', () => {
  it('provisions the Prometheus datasource and a file provider for the dashboards folder compose mounts', () => {
    const ds = load(fs.readFileSync(path.join(GRAFANA, 'provisioning', 'datasources', 'prometheus.yml'), 'utf8')) as {
      apiVersion: number;
      datasources: { uid: string; type: string; url: string }[];
    };
    expect(ds.apiVersion).toBe(1);
    expect(ds.datasources).toEqual([expect.objectContaining({ uid: 'prometheus', type: 'prometheus' })]);
    const dp = load(fs.readFileSync(path.join(GRAFANA, 'provisioning', 'dashboards', 'lunchrush.yml'), 'utf8')) as {
      apiVersion: number;
      providers: { type: string; options: { path: string } }[];
    };
    expect(dp.apiVersion).toBe(1);
    const compose = fs.readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8');
    for (const p of dp.providers) {
      expect(p.type).toBe('file');
      expect(compose).toContain(`./deploy/grafana/dashboards:${p.options.path}:ro`);
    }
  });

  it('has dashboards Grafana loads: uid, title, schema version, panels with ids, positions and Prometheus queries', () => {
    const all = dashboards();
    expect(all.length).toBeGreaterThan(0);
    const uids = new Set<string>();
    for (const { file, d } of all) {
      expect(d.uid, file).toMatch(/^[A-Za-z0-9_-]{1,40}$/);
      expect(uids.has(d.uid), `${file}: uid ${d.uid} twice`).toBe(false);
      uids.add(d.uid);
      expect(d.title, file).not.toBe('');
      expect(d.schemaVersion, file).toBeGreaterThanOrEqual(36);
      const ids = d.panels.map((p) => p.id);
      expect(new Set(ids).size, `${file} panel ids`).toBe(ids.length);
      for (const p of d.panels) {
        expect(p.gridPos.w, p.title).toBeGreaterThan(0);
        expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
        if (p.type === 'row') continue;
        expect(p.datasource?.uid, p.title).toBe('prometheus');
        expect(p.targets?.length, p.title).toBeGreaterThan(0);
      }
    }
  });

  it('queries only metrics the processes export, and promtool parses every query', async () => {
    const known = exportedMetrics();
    for (const q of queries()) expect(unknownMetrics(q.expr, known), q.where).toEqual([]);
    // promtool parses expressions in rule files: each query as a recording rule.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunchrush-promql-'));
    try {
      const file = path.join(dir, 'queries.yml');
      const group = {
        name: 'dashboards',
        rules: queries().map((q, i) => ({ record: `dashboard:query${i}`, expr: q.expr })),
      };
      fs.writeFileSync(file, dump({ groups: [group] }));
      const r = await run(promtool(), ['check', 'rules', file]);
      expect(r.stdout).toContain(`SUCCESS: ${group.rules.length} rules found`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
