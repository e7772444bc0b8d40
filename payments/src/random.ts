import { randomBytes, randomFillSync } from 'node:crypto';

const POOL = 4096;
const pool = Buffer.allocUnsafe(POOL);
let used = POOL;

/**
 * `bytes` random bytes from the CSPRNG, as text. They come from a pool filled 4 KB at a time
 * (as Node's own `randomUUID` does) and each byte is handed out once: `randomBytes(n)` costs
 * ~6 µs a call here (an OpenSSL call and a Buffer each), and a paid order took six (nonces,
 * prepay and transaction ids, session tokens).
 */
export function randomText(bytes: number, encoding: 'hex' | 'base64url'): string {
  if (bytes > POOL) return randomBytes(bytes).toString(encoding);
  if (used + bytes > POOL) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString(encoding, used, used + bytes);
  used += bytes;
  return text;
}
