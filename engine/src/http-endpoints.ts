/**
 * An engine process's own HTTP endpoints on 127.0.0.1:ENGINE_METRICS_PORT: `/metrics`
 * (Prometheus) and `/healthz` (process id, partitions owned). Served by an engine-only
 * process (`engine/src/main.ts`, a node with NODE_ROLE=engine); a node serving the API
 * puts the engine's metrics in its own `/metrics` instead.
 */
import { createServer, type Server } from 'node:http';
import type { Engine } from './engine.js';
import { ensureError } from './errors.js';

export type EndpointsResult =
  { readonly server: Server; readonly url: string } | { readonly server: undefined; readonly url: string };

/** Listens when the port is not 0; a port taken costs the endpoints, not the engine (`url` says why). */
export async function serveEngineEndpoints(engine: Engine): Promise<EndpointsResult> {
  const port = engine.cfg.metricsPort;
  if (port === 0) return { server: undefined, url: 'disabled (ENGINE_METRICS_PORT=0)' };
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      engine.metrics.text().then(
        (t) => {
          res.writeHead(200, { 'content-type': engine.metrics.registry.contentType });
          res.end(t);
        },
        (e: unknown) => {
          res.writeHead(500);
          res.end(ensureError(e).message);
        },
      );
    } else if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ processId: engine.cfg.processId, partitions: engine.ownedPartitions() }));
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    return { server: undefined, url: `not served: ${ensureError(e).message}` };
  }
  return { server, url: `http://127.0.0.1:${port}/metrics` };
}
