/**
 * Diner sessions. A mini-program logs in with `wx.login()`'s one-time code; the
 * gateway trades it for the diner's openid with WeChat's `code2session` (in development mode
 * only, a local simulator) and answers a signed, expiring session token
 * (`d1.…`, see tokens.ts) that carries the session: every gateway checks it in
 * process, with no round trip (HMAC under a rotatable key ring, GATEWAY_SESSION_KEYS).
 * Scanning a table answers a new token that also names the table; a token past half
 * its lifetime is renewed on use (the `Session-Token` answer header), so a diner who
 * keeps using the mini-program stays logged in (sliding expiry). Logout and revocation
 * are a list every gateway keeps in memory (revocations.ts). The openid stays in the
 * token only (JSAPI prepay names the payer by it); the engine, its events and
 * analytics see a hash of it as the diner id. WeChat's `session_key` is dropped:
 * nothing here decrypts WeChat user data.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { randomText } from '@lunchrush/payments';
import type { GatewayConfig, KeyRing } from './config.js';
import { ErrorCode, HttpError, ensureError } from './errors.js';
import { GenerationCache } from './generation-cache.js';
import { signDinerToken, verifyDinerToken, type DinerClaims } from './tokens.js';

/** A verified diner session: what its token carries. */
export type DinerSession = DinerClaims;

export interface Code2SessionResult {
  readonly openid: string;
  readonly unionid?: string;
}

/** WeChat `code2session`: the real endpoint or the simulator. */
export interface WeChatLogin {
  code2session(code: string): Promise<Code2SessionResult>;
}

const Code2SessionAnswer = z.object({
  openid: z.string().optional(),
  unionid: z.string().optional(),
  session_key: z.string().optional(),
  errcode: z.number().optional(),
  errmsg: z.string().optional(),
});

/** `GET /sns/jscode2session` on api.weixin.qq.com (or `WECHAT_API_BASE`). */
export class RealWeChatLogin implements WeChatLogin {
  constructor(private readonly cfg: GatewayConfig['wechat']) {}

  async code2session(code: string): Promise<Code2SessionResult> {
    const u = new URL('/sns/jscode2session', this.cfg.apiBase);
    u.search = new URLSearchParams({
      appid: this.cfg.appId,
      secret: this.cfg.appSecret,
      js_code: code,
      grant_type: 'authorization_code',
    }).toString();
    let answer: z.infer<typeof Code2SessionAnswer>;
    try {
      const r = await fetch(u, { signal: AbortSignal.timeout(5_000) });
      answer = Code2SessionAnswer.parse(await r.json());
    } catch (e) {
      throw new HttpError(ErrorCode.Unavailable, `code2session did not answer: ${ensureError(e).message}`, {
        retryAfterS: 1,
      });
    }
    if (answer.errcode !== undefined && answer.errcode !== 0) {
      throw new HttpError(
        ErrorCode.LoginFailed,
        `code2session refused the code: ${answer.errcode} ${answer.errmsg ?? ''}`,
      );
    }
    if (answer.openid === undefined) throw new HttpError(ErrorCode.LoginFailed, 'code2session gave no openid');
    return { openid: answer.openid, ...(answer.unionid === undefined ? {} : { unionid: answer.unionid }) };
  }
}

/**
 * Behaves like WeChat for what the gateway relies on: a code works once (40163
 * after), codes starting with `invalid` are refused (40029), and the same code
 * text always maps to the same openid, so a test or the bench can log one diner in
 * twice with `<name>-1`, `<name>-2` … and stay distinct diners with other names.
 */
export class SimulatedWeChatLogin implements WeChatLogin {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly appId: string,
  ) {}

  async code2session(code: string): Promise<Code2SessionResult> {
    if (code.startsWith('invalid'))
      throw new HttpError(ErrorCode.LoginFailed, 'code2session refused the code: 40029 invalid code');
    const fresh = await this.redis.set(`${this.prefix}:sim:code:${code}`, '1', 'EX', 300, 'NX');
    if (fresh !== 'OK')
      throw new HttpError(ErrorCode.LoginFailed, 'code2session refused the code: 40163 code been used');
    // The diner is the code's text up to its last "-<n>": "alice-1" and "alice-2" are the same person.
    const who = code.replace(/-\d+$/, '');
    const openid = `o${createHash('sha256').update(`${this.appId}:${who}`).digest('base64url').slice(0, 27)}`;
    return { openid };
  }
}

export function dinerIdOf(appId: string, openid: string): string {
  return `d_${createHash('sha256').update(`${appId}:${openid}`).digest('base64url').slice(0, 22)}`;
}

/** Issues and checks diner session tokens; no I/O. */
export class SessionTokens {
  /**
   * Tokens this process has verified, by their exact text: a diner sends one token many times, and
   * its HMAC, base64url and JSON cost ~20 µs against a lookup's ~1 µs. Only a token that verified
   * gets in; its expiry is still checked on every use.
   */
  private readonly verified = new GenerationCache<string, DinerSession>(20_000);

  constructor(
    private readonly ring: KeyRing,
    readonly ttlS: number,
  ) {}

  /** A new session (a login): a new session id, not seated. */
  create(dinerId: string, openid: string, nowMs = Date.now()): { token: string; session: DinerSession } {
    return this.issue({ sessionId: `s${randomText(12, 'base64url')}`, dinerId, openid, createdAt: nowMs }, nowMs);
  }

  /** A token for `session` (seated at another table, or renewed) that lives `ttlS` from now. */
  issue(session: Omit<DinerSession, 'expiresAt'>, nowMs = Date.now()): { token: string; session: DinerSession } {
    const s: DinerSession = { ...session, expiresAt: nowMs + this.ttlS * 1000 };
    const token = signDinerToken(this.ring, s);
    // Signed here: its first use (the diner's next request, usually to this process) needs no check.
    this.verified.set(token, s);
    return { token, session: s };
  }

  /** The session a token carries; throws 401 when it is forged, malformed, of a retired key or expired. */
  verify(token: string, nowMs = Date.now()): DinerSession {
    const known = this.verified.get(token);
    if (known !== undefined && known.expiresAt > nowMs) return known;
    const s = verifyDinerToken(this.ring, token, nowMs);
    this.verified.set(token, s);
    return s;
  }

  /** Past half its lifetime: answer a renewed token with the request (sliding expiry). */
  stale(s: DinerSession, nowMs = Date.now()): boolean {
    return s.expiresAt - nowMs < (this.ttlS * 1000) / 2;
  }
}
