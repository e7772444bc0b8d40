/**
 * How many engine commands stay in process with N nodes on one port (GATEWAY_WORKERS=N,
 * SO_REUSEPORT): starts lunchrush with N node workers, runs a lunch rush, and reads each
 * worker's `lunchrush_gateway_engine_commands_total{route}` (handed to its own partitions, or
 * sent over NATS to a sibling's).
 *
 *   node scripts/with-services.mjs --build -- node --conditions=lunchrush-compiled \
 *     bench/dist/src/locality.js [workers 2] [rate 600] [seconds 10]
 *
 * Prints `LOCALITY workers=<n>: local <n>, remote <n>, local share <p>%`.
 */
import { getOnNewConnection } from '@lunchrush/testkit';
import { lunchRush } from './scenarios/index.js';
import { startLunchrush, type Stack } from './stack.js';

interface Routed {
  local: number;
  remote: number;
}

const log = (m: string): void => void process.stderr.write(`[locality] ${m}\n`);

/** Each worker's counts, the workers told apart by the partitions their engines own. */
async function perWorker(stack: Stack, workers: number): Promise<Map<string, Routed>> {
  const seen = new Map<string, Routed>();
  for (let i = 0; i < 1_000 && seen.size < workers; i++) {
    const text = await getOnNewConnection(stack.url, '/metrics');
    const parts = [...text.matchAll(/lunchrush_engine_mailbox_depth\{partition="(\d+)"\}/g)].map((m) => m[1]);
    const count = (route: string): number =>
      Number(new RegExp(`lunchrush_gateway_engine_commands_total\\{route="${route}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    seen.set(parts.join(','), { local: count('local'), remote: count('remote') });
  }
  if (seen.size < workers) throw new Error(`reached ${seen.size} of ${workers} workers`);
  return seen;
}

async function main(): Promise<void> {
  const [workers = 2, rate = 600, durationS = 10] = process.argv.slice(2).map(Number);
  const stack = await startLunchrush({ stores: 20, gatewayWorkers: workers, log });
  try {
    const before = await perWorker(stack, workers);
    const r = await lunchRush({
      url: stack.url,
      ...(stack.simulatorUrl === undefined ? {} : { simulatorUrl: stack.simulatorUrl }),
      data: stack.data,
      rate,
      durationS,
      warmupS: 2,
      connections: 256,
      progress: false,
      log,
      payRatio: 0,
    });
    const after = await perWorker(stack, workers);
    const total: Routed = { local: 0, remote: 0 };
    for (const [k, a] of after) {
      const b = before.get(k) ?? { local: 0, remote: 0 };
      const w = { local: a.local - b.local, remote: a.remote - b.remote };
      log(`worker owning partitions ${k}: local ${w.local}, remote ${w.remote}`);
      total.local += w.local;
      total.remote += w.remote;
    }
    const share = (100 * total.local) / Math.max(1, total.local + total.remote);
    console.log(
      `LOCALITY workers=${workers}: local ${total.local}, remote ${total.remote}, local share ${share.toFixed(1)}% (${String(r.summary.ordersPerS)} orders/s, p50 ${String(r.summary.orderP50Ms)} ms)`,
    );
  } finally {
    await stack.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
