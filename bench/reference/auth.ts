/** Same auth as the gateway: Redis diner sessions behind bearer tokens, HMAC staff tokens. */
import { verifyStaffToken, type GatewayConfig } from '@lunchrush/gateways';
import type { Redis } from 'ioredis';
import { Fail, type Req } from './http.js';

export const SESSION_TTL_S = 14_400;

export interface Session {
  dinerId: string;
  store?: string;
  tableId?: string;
}

export class Auth {
  constructor(
    private readonly redis: Redis,
    /** Prefix of the run's Redis keys. */
    private readonly kp: string,
    private readonly cfg: GatewayConfig,
  ) {}

  /** Stores the session of `token` (a login, a scan). */
  async save(token: string, s: Session): Promise<void> {
    await this.redis.set(`${this.kp}sess:${token}`, JSON.stringify(s), 'EX', SESSION_TTL_S);
  }

  async session(req: Req): Promise<Session> {
    const a = req.headers.authorization ?? '';
    if (!a.startsWith('Bearer ')) throw new Fail(401, 'unauthorized');
    const s = await this.redis.get(`${this.kp}sess:${a.slice(7)}`);
    if (s === null) throw new Fail(401, 'unauthorized');
    return JSON.parse(s) as Session;
  }

  staff(req: Req, store: string): void {
    const a = req.headers.authorization ?? '';
    const c = verifyStaffToken(this.cfg.staffKeys, a.slice(7));
    if (c.store !== store) throw new Fail(403, 'forbidden');
  }
}
