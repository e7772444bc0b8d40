/**
 * One gateway thread of a node (`GATEWAY_THREADS` > 0, see main.ts): the whole gateway (uWS on the
 * node's port, with SO_REUSEPORT, so the kernel spreads connections over the threads), whose
 * `EngineClient` hands commands for the process's own partitions to the engine on the main thread
 * through the port it was given (`LinkedEngine`), and sends the others over NATS. Its `/metrics`
 * carries the engine's after its own (asked of the main thread per scrape).
 *
 * Messages: the main thread sends `{ stop: true }`; this thread answers `{ listening: port }` once it
 * listens, `{ stopped: true }` once it has closed, `{ failed: message }` if it could not start.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LinkedEngine } from '@lunchrush/engine';
import { parseConfig } from './config.js';
import { ensureError } from './errors.js';
import { startGateway } from './server.js';
import { askMetrics } from './thread-metrics.js';

export interface GatewayThreadData {
  readonly link: MessagePort;
  /** Where this thread asks for the engine's metrics at each scrape (thread-metrics.ts). */
  readonly metrics: MessagePort;
  /** The port every thread listens on (fixed: uSockets shares only a fixed port). */
  readonly port: number;
}

export type FromGatewayThread = { listening: number } | { stopped: true } | { failed: string };

async function run(): Promise<void> {
  const parent = parentPort;
  if (parent === null) throw new Error('gateway-thread.ts runs as a worker thread of main.ts');
  const data = workerData as GatewayThreadData;
  const cfg = { ...parseConfig(), port: data.port };
  const linked = new LinkedEngine(data.link, { namespace: cfg.namespace, partitions: cfg.partitions });
  await linked.ready();
  const gw = await startGateway(cfg, { local: linked, moreMetrics: askMetrics(data.metrics) });
  parent.on('message', (m: { stop?: true }) => {
    if (m.stop !== true) return;
    void (async () => {
      await gw.close();
      // Connections still open (keep-alive) are uv handles of this thread's loop: a thread that ends
      // with one open aborts the process (node's CheckedUvLoopClose). A process exit never minded.
      // (The native v20.30 build has `close()`; the package's typings leave it out.)
      (gw.app as typeof gw.app & { close(): void }).close();
      linked.close();
      data.metrics.close();
      parent.postMessage({ stopped: true } satisfies FromGatewayThread);
      parent.close();
    })();
  });
  parent.postMessage({ listening: gw.port } satisfies FromGatewayThread);
}

run().catch((e: unknown) => {
  parentPort?.postMessage({ failed: ensureError(e).message } satisfies FromGatewayThread);
});
