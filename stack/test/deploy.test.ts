/**
 * The production files (docker-compose.yml, Dockerfile, deploy/): the compose file as
 * `docker-compose config` reads it, the same topology as `npm run cluster`, the balancer's
 * configuration through `nginx -t`, Prometheus' configuration and alert rules through
 * `promtool`, the Grafana provisioning and dashboards in the shape Grafana loads, and every
 * metric a dashboard or rule reads exported by some process. `npm test` installs
 * docker-compose, prometheus (promtool) and nginx from Debian when missing (as root).
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '@lunchrush/testkit';
import { load } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { BALANCER_CONFIG, nginxBinary, renderBalancerConfig } from '../src/cluster-balancer.js';
import { CLUSTER_TOPOLOGY, COMPOSE_ONLY } from '../src/cluster-topology.js';
import { ROLES } from '../src/roles.js';

const run = promisify(execFile);

/** A tool from Debian, or a failure naming the package (npm test installs it as root). */
function tool(name: string, pkg: string): string {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin', ...(process.env.PATH ?? '').split(':')]) {
    const p = path.join(dir, name);
    if (dir !== '' && fs.existsSync(p)) return p;
  }
  throw new Error(`${name} is missing: apt-get install -y ${pkg} (npm test does it when run as root)`);
}

interface ComposeService {
  readonly image?: string;
  readonly build?: unknown;
  readonly command?: readonly string[];
  readonly restart?: string;
  readonly healthcheck?: { readonly test?: readonly string[] };
  readonly deploy?: { readonly resources?: { readonly limits?: { cpus?: unknown; memory?: unknown } } };
  readonly environment?: Readonly<Record<string, string | null>>;
  readonly volumes?: readonly (string | { source?: string; target?: string })[];
  readonly user?: string;
}

type Compose = { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
let config: Promise<Compose> | undefined;

/** The file as docker-compose resolves it (anchors merged, variables substituted), read once. */
function composeConfig(): Promise<Compose> {
  config ??= run(tool('docker-compose', 'docker-compose'), ['-f', 'docker-compose.yml', 'config'], {
    cwd: REPO_ROOT,
    // The variables the file requires (never defaulted: secrets).
    env: { ...process.env, CLICKHOUSE_PASSWORD: 'test-only', GRAFANA_ADMIN_PASSWORD: 'test-only' },
  }).then(({ stdout }) => load(stdout) as Compose);
  return config;
}

const roleOf = (service: string): string => service.replace(/-\d+$/, '');

describe('docker-compose.yml', () => {
  it('is valid for docker-compose and refuses to render without its secrets', async () => {
    const c = await composeConfig();
    expect(Object.keys(c.services).length).toBeGreaterThan(0);
    const env = { ...process.env };
    delete env.CLICKHOUSE_PASSWORD;
    await expect(
      run(tool('docker-compose', 'docker-compose'), ['config', '-q'], { cwd: REPO_ROOT, env }),
    ).rejects.toThrow(/CLICKHOUSE_PASSWORD/);
  });

  it('runs the topology of npm run cluster, plus ClickHouse, Prometheus and Grafana', async () => {
    const { services } = await composeConfig();
    const counts: Record<string, number> = {};
    for (const name of Object.keys(services)) counts[roleOf(name)] = (counts[roleOf(name)] ?? 0) + 1;
    const expected: Record<string, number> = { ...CLUSTER_TOPOLOGY };
    for (const only of Object.keys(COMPOSE_ONLY)) expected[only] = 1;
    expect(counts).toEqual(expected);
  });

  it('gives every service a restart policy, a healthcheck and resource limits', async () => {
    const { services } = await composeConfig();
    for (const [name, s] of Object.entries(services)) {
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.healthcheck?.test?.length, `${name} healthcheck`).toBeGreaterThan(1);
      expect(s.deploy?.resources?.limits?.cpus, `${name} cpu limit`).toBeDefined();
      expect(s.deploy?.resources?.limits?.memory, `${name} memory limit`).toBeDefined();
    }
  });

  it('clusters three NATS servers with JetStream on volumes, and lunchrush writes R3 on all three', async () => {
    const { services, volumes } = await composeConfig();
    const nats = Object.keys(services).filter((n) => roleOf(n) === 'nats');
    for (const n of nats) {
      const cmd = services[n]!.command ?? [];
      expect(cmd, n).toContain('--jetstream');
      expect(cmd, n).toContain(`--name=${n}`);
      const routes = cmd.find((a) => a.startsWith('--routes='))!;
      for (const other of nats) expect(routes, n).toContain(`nats://${other}:6222`);
      const vol = services[n]!.volumes?.[0];
      const source = typeof vol === 'string' ? vol.split(':')[0]! : vol?.source;
      expect(Object.keys(volumes), n).toContain(source);
    }
    const lunchrush = Object.entries(services).filter(([, s]) => s.build !== undefined);
    expect(lunchrush.map(([n]) => roleOf(n)).sort()).toEqual(['analytics', 'node', 'node', 'printer-daemon']);
    for (const [name, s] of lunchrush) {
      const urls = (s.environment?.NATS_URL ?? '').split(',');
      expect(urls.sort(), name).toEqual(nats.map((n) => `nats://${n}:4222`).sort());
      expect(s.environment?.ENGINE_REPLICAS, name).toBe('3');
    }
    expect(services['printer-daemon']!.environment?.PRINTER_REPLICAS).toBe('3');
    expect(
      new Set(lunchrush.filter(([n]) => roleOf(n) === 'node').map(([, s]) => s.environment?.ENGINE_PROCESS_ID)),
    ).toEqual(new Set(['node-1', 'node-2']));
  });

  it('starts its nodes with the node flags npm start gives them', async () => {
    const { services } = await composeConfig();
    const nodes = Object.entries(services).filter(([n]) => roleOf(n) === 'node');
    expect(nodes.length).toBeGreaterThan(0);
    for (const [name, s] of nodes) {
      const cmd = s.command ?? [];
      expect(cmd[0], name).toBe('node');
      // Flags go before the entry point, or node hands them to the program as its arguments.
      const entry = cmd.indexOf('gateways/dist/src/main.js');
      expect(entry, name).toBeGreaterThan(0);
      for (const flag of ROLES.node.nodeArgs) expect(cmd.slice(1, entry), name).toContain(flag);
    }
  });

  it('passes no secret value: each is taken from the environment compose runs in, or required', async () => {
    const { services } = await composeConfig();
    for (const [name, s] of Object.entries(services))
      for (const [k, v] of Object.entries(s.environment ?? {}))
        if (/KEYS|SECRET|PASSWORD/.test(k)) expect([null, 'test-only'], `${name} ${k}`).toContain(v);
  });
});

describe('Dockerfile', () => {
  it('builds compiled JavaScript in one stage and runs it unprivileged in another', () => {
    const text = fs.readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const stages = [...text.matchAll(/^FROM \S+ AS (\S+)$/gm)].map((m) => m[1]);
    expect(stages).toEqual(['build', 'run']);
    const run = text.slice(text.indexOf('AS run'));
    expect(text).toMatch(/RUN node scripts\/build\.mjs/);
    expect(run).toMatch(/^COPY --from=build /m);
    expect(run).toMatch(/^USER node$/m);
    expect(run).toContain('--conditions=lunchrush-compiled');
    // Everything the compose file runs from the image is in what the run stage copies.
    expect(text).toMatch(/for p in engine actors payments couriers gateways analytics printer-daemon;/);
  });
});

describe('the balancer (deploy/balancer/nginx.conf)', () => {
  it('passes nginx -t as npm run cluster renders it for loopback', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lunchrush-nginx-'));
    try {
      const conf = path.join(dir, 'nginx.conf');
      const rendered = renderBalancerConfig(fs.readFileSync(BALANCER_CONFIG, 'utf8'), {
        listenPort: 18090,
        nodePorts: [18091, 18092],
        dir,
      });
      expect(rendered).toMatch(/hash \$lr_store consistent;/);
      expect(rendered).toContain('server 127.0.0.1:18091 ');
      expect(rendered).toContain('server 127.0.0.1:18092 ');
      fs.writeFileSync(conf, rendered);
      const r = await run(nginxBinary(), ['-t', '-p', dir, '-c', conf]);
      expect(r.stderr).toMatch(/test is successful/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to render a configuration whose nodes do not match the cluster', () => {
    const template = fs.readFileSync(BALANCER_CONFIG, 'utf8');
    expect(() => renderBalancerConfig(template, { listenPort: 1, nodePorts: [2], dir: '/x' })).toThrow(/more nodes/);
    expect(() => renderBalancerConfig(template, { listenPort: 1, nodePorts: [2, 3, 4], dir: '/x' })).toThrow(/node-3/);
  });
});
