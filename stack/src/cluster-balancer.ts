/**
 * The cluster's balancer: nginx with the compose file's own configuration
 * (`deploy/balancer/nginx.conf`), its upstream servers and listen address replaced by the
 * cluster's loopback ports and its temporary files kept in the cluster's folder. Rendering fails
 * when a line it replaces is missing, so the two never drift apart silently.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ChildProcessHandle, REPO_ROOT, waitFor, type OutputLine } from '@lunchrush/testkit';

export const BALANCER_CONFIG = path.join(REPO_ROOT, 'deploy', 'balancer', 'nginx.conf');

/**
 * The compose file's nginx.conf for loopback: `nodePorts[i]` for `node-<i+1>:8080`, one worker, its
 * temporary files and JSON access log (`access.log`) in `dir`.
 */
export function renderBalancerConfig(
  template: string,
  o: { readonly listenPort: number; readonly nodePorts: readonly number[]; readonly dir: string },
): string {
  const replace = (text: string, from: RegExp, to: string): string => {
    if (!from.test(text)) throw new Error(`${BALANCER_CONFIG} has no line matching ${String(from)}`);
    return text.replace(from, to);
  };
  let s = replace(template, /^worker_processes .*;$/m, 'worker_processes 1;');
  s = replace(s, /^\s*listen 8080 reuseport;$/m, `    listen 127.0.0.1:${o.listenPort};`);
  o.nodePorts.forEach((port, i) => {
    s = replace(s, new RegExp(`server node-${i + 1}:8080 `), `server 127.0.0.1:${port} `);
  });
  if (/server node-\d+:8080/.test(s)) throw new Error(`${BALANCER_CONFIG} names more nodes than the cluster has`);
  s = s.replaceAll('/tmp/', `${o.dir}/`);
  // A child's stdout is a socket here, which nginx cannot open as a file: the access log is a file.
  return replace(s, /access_log \/dev\/stdout /, `access_log ${o.dir}/access.log `);
}

/** nginx on the rendered configuration, in `dir`; resolves once its /healthz answers. */
export async function startBalancer(o: {
  readonly dir: string;
  readonly listenPort: number;
  readonly nodePorts: readonly number[];
  readonly onLine?: (line: OutputLine) => void;
  readonly killOnExit?: boolean;
}): Promise<ChildProcessHandle> {
  fs.mkdirSync(o.dir, { recursive: true });
  // nginx's workers run as nobody when the master is root: their temporary folders are theirs too.
  for (const t of ['nginx-body', 'nginx-proxy', 'nginx-fastcgi', 'nginx-uwsgi', 'nginx-scgi']) {
    fs.mkdirSync(path.join(o.dir, t), { recursive: true });
    fs.chmodSync(path.join(o.dir, t), 0o777);
  }
  const conf = path.join(o.dir, 'nginx.conf');
  fs.writeFileSync(conf, renderBalancerConfig(fs.readFileSync(BALANCER_CONFIG, 'utf8'), o));
  const child = spawn(nginxBinary(), ['-p', o.dir, '-c', conf, '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const handle = new ChildProcessHandle(child, 'balancer', {
    echo: process.env.TESTKIT_ECHO === '1',
    ...(o.onLine === undefined ? {} : { onLine: o.onLine }),
    ...(o.killOnExit === undefined ? {} : { killOnExit: o.killOnExit }),
  });
  try {
    await waitFor(
      async () => {
        if (!handle.running) throw new Error(`nginx exited: ${handle.output().slice(-2000)}`);
        const r = await fetch(`http://127.0.0.1:${o.listenPort}/healthz`).catch(() => undefined);
        return r?.ok === true;
      },
      { timeoutMs: 15_000, intervalMs: 50, what: `the balancer on port ${o.listenPort}` },
    );
  } catch (e) {
    await handle.stop();
    throw e;
  }
  return handle;
}

/** nginx on PATH or in /usr/sbin (Debian's package; `npm run cluster` and `npm test` install it as root). */
export function nginxBinary(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nginx');
    if (dir !== '' && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('nginx not found; install it (Debian: apt-get install -y nginx)');
}
