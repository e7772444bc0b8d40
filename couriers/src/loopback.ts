/** The simulators' HTTP server on 127.0.0.1: listen and close, as both platforms' simulators do. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Listens on 127.0.0.1 (`port` 0: any free one); answers the server and its base URL. */
export async function listenLoopback(
  serve: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  port: number,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => void serve(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Stops listening and drops the connections still open (keep-alive ones included). */
export async function closeLoopback(server: Server | undefined): Promise<void> {
  await new Promise<void>((r) => (server === undefined ? r() : server.close(() => r())));
  server?.closeAllConnections();
}
