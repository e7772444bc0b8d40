import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';

/** A port free on loopback now (asked of the kernel). */
export async function freeLoopbackPort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
