/**
 * One GET on a connection of its own (`Connection: close`, no agent): where several processes or
 * threads listen on one port (SO_REUSEPORT), the kernel picks a listener anew for each.
 */
import http from 'node:http';

export function getOnNewConnection(url: string, path: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    http
      .get({ host: u.hostname, port: u.port, path, agent: false, headers: { connection: 'close' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}
