/**
 * 达达's signatures. A request (`newopen.imdada.cn/api/…`) is a JSON object of the system
 * parameters `app_key`, `timestamp`, `format` (`json`), `v` (`1.0`), `source_id` (the merchant)
 * and `body` (the business parameters as one JSON string), with `signature` =
 * `upper(md5(app_secret + k1v1k2v2… + app_secret))` over those six sorted by name.
 *
 * A status callback is signed without any secret: `md5` of the values of `client_id`,
 * `order_id` and `update_time` sorted as strings and joined. Anyone can make one, so the
 * callbacks (`dada-callbacks.ts`) confirm each step with a signed status query before the
 * delivery hears it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** The system parameters of a request, `signature` aside. */
export interface DadaSystemParams {
  readonly app_key: string;
  readonly timestamp: string;
  readonly format: 'json';
  readonly v: '1.0';
  readonly source_id: string;
  readonly body: string;
}

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function dadaSign(p: DadaSystemParams, appSecret: string): string {
  const keys = Object.keys(p).sort() as (keyof DadaSystemParams)[];
  const joined = keys.map((k) => `${k}${p[k]}`).join('');
  return md5(`${appSecret}${joined}${appSecret}`).toUpperCase();
}

export function dadaVerify(p: DadaSystemParams, signature: string, appSecret: string): boolean {
  return same(dadaSign(p, appSecret), signature);
}

/** A callback's `signature`: the three values sorted and joined, md5 (lower-case hex). */
export function dadaCallbackSign(clientId: string, orderId: string, updateTime: number): string {
  return md5([clientId, orderId, String(updateTime)].sort().join(''));
}

export function dadaCallbackVerify(clientId: string, orderId: string, updateTime: number, signature: string): boolean {
  return same(dadaCallbackSign(clientId, orderId, updateTime), signature);
}
