/**
 * 顺丰同城's signature: every request and every callback carries `sign` in its query string,
 * `base64(md5_hex(<raw JSON body> + "&" + dev_id + "&" + dev_key))` — the body exactly as
 * sent, never re-serialised. The developer key is the shared secret, so a callback that
 * verifies came from the platform (or from someone holding the key).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export function sfSign(body: string, devId: string, devKey: string): string {
  const hex = createHash('md5').update(`${body}&${devId}&${devKey}`, 'utf8').digest('hex');
  return Buffer.from(hex, 'utf8').toString('base64');
}

export function sfVerify(body: string, sign: string, devId: string, devKey: string): boolean {
  const want = Buffer.from(sfSign(body, devId, devKey));
  const got = Buffer.from(sign);
  return got.length === want.length && timingSafeEqual(got, want);
}
