/**
 * Diner sessions. A mini-program logs in with `wx.login()`'s one-time code; the
 * gateway trades it for the diner's openid with WeChat's `code2session` (a local
 * simulator by default) and keeps a session in Redis under the SHA-256 of a
 * random bearer token (a Redis dump yields no usable tokens). The openid stays in
 * the session only (JSAPI prepay names the payer by it); the engine, its events and
 * analytics see a hash of it as the diner id. WeChat's `session_key` is dropped:
 * nothing here decrypts WeChat user data.
 */
// `hash` is the one-shot digest (no Hash object): it runs on every diner request.
import { createHash, hash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { randomText } from './random.js';
import type { GatewayConfig } from './config.js';
import { GenerationCache } from './generation-cache.js';
import { ErrorCode, HttpError, ensureError } from './errors.js';

export interface DinerSession {
  readonly sessionId: string;
  readonly dinerId: string;
  /** Kept so payments can name the payer; WeChat needs it for JSAPI prepay. */
  readonly openid: string;
  readonly createdAt: number;
  /** Set once the diner scans a table QR code. */
  readonly store?: string;
  readonly tableId?: string;
  readonly tableSessionId?: string;
}

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

const TOKEN_RE = /^ds_[A-Za-z0-9_-]{32}$/;

/** The 401 message for a diner token that names no live session. */
export const NO_SESSION = 'no such diner session (log in again)';

export function dinerIdOf(appId: string, openid: string): string {
  return `d_${createHash('sha256').update(`${appId}:${openid}`).digest('base64url').slice(0, 22)}`;
}

export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlS: number,
  ) {}

  private key(token: string): string {
    return `${this.prefix}:sess:${hash('sha256', token, 'base64url')}`;
  }

  /** Where a well-formed token's session lives and for how long a use renews it; undefined for a malformed token. */
  locate(token: string): { key: string; ttlS: number } | undefined {
    return TOKEN_RE.test(token) ? { key: this.key(token), ttlS: this.ttlS } : undefined;
  }

  async create(dinerId: string, openid: string, nowMs = Date.now()): Promise<{ token: string; session: DinerSession }> {
    const token = `ds_${randomText(24, 'base64url')}`;
    const session: DinerSession = {
      sessionId: `s${randomText(12, 'base64url')}`,
      dinerId,
      openid,
      createdAt: nowMs,
    };
    await this.redis.set(this.key(token), JSON.stringify(session), 'EX', this.ttlS);
    return { token, session };
  }

  /** The session, its lifetime renewed (sliding expiry); undefined when unknown or expired. */
  async get(token: string): Promise<DinerSession | undefined> {
    if (!TOKEN_RE.test(token)) return undefined;
    const raw = await this.redis.getex(this.key(token), 'EX', this.ttlS);
    return raw === null ? undefined : (JSON.parse(raw) as DinerSession);
  }

  async update(token: string, session: DinerSession): Promise<void> {
    await this.redis.set(this.key(token), JSON.stringify(session), 'EX', this.ttlS);
  }
}

/**
 * The diner of each session key seen by this process. A session's diner is fixed when it is
 * created (scanning a table changes the table, not the diner), so an entry never goes stale;
 * whether the session still exists is asked of Redis on every request all the same.
 */
export class DinerIdCache extends GenerationCache<string, string> {}
