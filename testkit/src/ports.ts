import { readFileSync } from 'node:fs';
import net from 'node:net';

/**
 * A loopback TCP port that was free a moment ago, for a server a test starts with a port of its
 * choosing (a nats-server, a service told where to listen).
 *
 * Not one the kernel picks for `listen(0)`: those come from the ephemeral range, which every
 * outgoing connection on the machine draws its local port from too, so a port handed out that
 * way can be some connection's end a moment later. A CI run lost a whole test file to that
 * ("listen EADDRINUSE 127.0.0.1:36179", 7 Dec). These ports are drawn below the ephemeral range,
 * where only listeners live; each is bound once to check it is free, and none is handed out
 * twice by this process. Another process can still take one before the caller binds it.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  const [low, high] = LISTEN_RANGE;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    if (handedOut.has(port)) continue;
    // Taken before the check, so two calls at once never both get it.
    handedOut.add(port);
    if (await bindable(port, host)) return port;
    handedOut.delete(port);
  }
  // The range is crowded: let the kernel pick, as before.
  return kernelPort(host);
}

const handedOut = new Set<number>();

/** Below the ephemeral range (Linux's /proc/sys/net/ipv4/ip_local_port_range; 32768 elsewhere). */
const LISTEN_RANGE: readonly [number, number] = (() => {
  let ephemeralLow = 32_768;
  try {
    const [lo] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && Number.isInteger(lo) && lo > 12_000) ephemeralLow = lo;
  } catch {
    // not Linux
  }
  return [10_000, ephemeralLow - 1];
})();

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function kernelPort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('freePort: no port assigned'));
      });
    });
  });
}
