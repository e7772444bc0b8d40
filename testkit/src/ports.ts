import net from 'node:net';

/**
 * A loopback TCP port that was free a moment ago. Another process can take it before
 * the caller binds it; callers that start servers retry on "address in use".
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
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
