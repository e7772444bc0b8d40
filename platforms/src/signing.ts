/**
 * The two platforms' signing rules, as their open platforms publish them (pure functions).
 *
 * - 美团外卖: `sig = md5(<url> + "?" + <params sorted by name, "k=v" joined by "&", without sig> + <app secret>)`,
 *   lowercase hex; `timestamp` (unix seconds) and `app_id` are among the params.
 * - 饿了么 API calls: `signature = MD5(<action> + <token> + <metas and params sorted by name, "k=" + JSON(v),
 *   concatenated> + <app secret>)`, uppercase hex; `metas.timestamp` is unix seconds.
 * - 饿了么 message pushes: `signature = MD5(<params but signature sorted by name, "k=v" concatenated> + <secret>)`,
 *   uppercase hex; `timestamp` is unix milliseconds.
 *
 * Signatures are compared in constant time; the timestamp is checked after the signature, so an
 * answer says nothing about the clock to someone who cannot sign.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { PlatformError, PlatformErrorCode } from './errors.js';

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

/** How far a signed timestamp may be from now (both platforms allow minutes). */
export const DEFAULT_SIGNATURE_TOLERANCE_S = 300;

export function meituanSign(url: string, params: Readonly<Record<string, string>>, secret: string): string {
  const q = Object.keys(params)
    .filter((k) => k !== 'sig')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  return md5(`${url}?${q}${secret}`);
}

export function elemeCallSign(
  action: string,
  token: string,
  metasAndParams: Readonly<Record<string, unknown>>,
  secret: string,
): string {
  const q = Object.keys(metasAndParams)
    .sort()
    .map((k) => `${k}=${JSON.stringify(metasAndParams[k])}`)
    .join('');
  return md5(`${action}${token}${q}${secret}`).toUpperCase();
}

export function elemePushSign(params: Readonly<Record<string, string | number>>, secret: string): string {
  const q = Object.keys(params)
    .filter((k) => k !== 'signature')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('');
  return md5(`${q}${secret}`).toUpperCase();
}

export function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws unless `given` is `expected` and `tsMs` is within the tolerance of `nowMs`. */
export function checkSigned(given: string, expected: string, tsMs: number, nowMs: number, toleranceS: number): void {
  if (!sameSignature(given, expected)) throw new PlatformError(PlatformErrorCode.InvalidSignature, '签名错误');
  if (!Number.isFinite(tsMs) || Math.abs(nowMs - tsMs) > toleranceS * 1000)
    throw new PlatformError(PlatformErrorCode.StaleTimestamp, `时间戳超出 ${toleranceS} 秒`);
}
