/** Engine-specific test helpers: engine child processes and a look at who owns what. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface EngineChild {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly processId: string;
  readonly output: string[];
  kill(signal: NodeJS.Signals): void;
  readonly exited: Promise<number | null>;
}

/** Starts `engine/src/main.ts` in its own process and waits until it says it is ready. */
export async function startEngineChild(
  ns: string,
  processId: string,
  env: Record<string, string> = {},
): Promise<EngineChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    env: {
      ...process.env,
      ENGINE_NAMESPACE: ns,
      ENGINE_PROCESS_ID: processId,
      ENGINE_METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output: string[] = [];
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer): void => {
      output.push(d.toString());
      if (d.toString().includes('ENGINE READY')) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d: Buffer) => output.push(d.toString()));
    void exited.then((code) =>
      reject(new Error(`engine ${processId} exited (${code}) before it was ready:\n${output.join('')}`)),
    );
  });
  return { child, pid: child.pid!, processId, output, kill: (s) => child.kill(s), exited };
}

/** partition → owner process id, as the lease bucket says. */
export async function leaseOwners(nc: NatsConnection, ns: string): Promise<Map<number, string>> {
  const kv = await new Kvm(jetstream(nc)).open(`${ns}_leases`);
  const out = new Map<number, string>();
  const keys = await kv.keys('p.*');
  for await (const k of keys) {
    const e = await kv.get(k);
    if (e?.operation === 'PUT') out.set(Number(k.slice(2)), e.json<{ owner: string }>().owner);
  }
  return out;
}

export async function waitFor<T>(
  fn: () => T | Promise<T>,
  { timeoutMs = 20_000, intervalMs = 25, what = 'condition' } = {},
): Promise<NonNullable<T>> {
  const end = performance.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (performance.now() > end)
      throw new Error(`timed out waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
