/**
 * The gateway's WebSocket push (gateways/PUSH.md) over `wx.connectSocket`:
 * subscribe → snapshot (at seq s) → deltas s+1, s+2 …; a gap, a `heads` ahead of
 * us or a server `resync` asks for a fresh snapshot; a delta at or below the
 * version we hold for its entity is skipped (but counted in seq). After a lost
 * connection it reconnects with backoff and subscribes again, starting from
 * snapshots: seqs belong to one gateway process.
 *
 * The browsers' client of the same protocol is gateways/src/push/client.js, which the staff
 * screens load as is; this one cannot share its code (the mini-program is built from
 * miniprogram/src alone), so a change to the rules goes into both, each with its test
 * (test/logic.test.ts here, gateways/test/push-versions.test.ts there).
 */

/** The part of `WechatMiniprogram.SocketTask` the client uses. */
export interface SocketLike {
  send(text: string): void;
  close(code: number, reason: string): void;
  onOpen(cb: () => void): void;
  onMessage(cb: (text: string) => void): void;
  onClose(cb: (code: number) => void): void;
  onError(cb: (message: string) => void): void;
}
export type SocketFactory = (url: string, headers: Record<string, string>) => SocketLike;

/** `wx.connectSocket` as a SocketFactory; the session token goes in the Authorization header. */
export function wxSocketFactory(): SocketFactory {
  return (url, headers) => {
    const task = wx.connectSocket({ url, header: headers });
    return {
      send: (text) => task.send({ data: text }),
      close: (code, reason) => task.close({ code, reason }),
      onOpen: (cb) => task.onOpen(() => cb()),
      onMessage: (cb) => task.onMessage((m) => cb(typeof m.data === 'string' ? m.data : '')),
      onClose: (cb) => task.onClose((r) => cb(r.code)),
      onError: (cb) => task.onError((e) => cb(e.errMsg)),
    };
  };
}

export interface TopicHandlers<S = unknown, D = unknown> {
  snapshot(data: S): void;
  delta(data: D): void;
  error?(code: string, message: string): void;
}

export type PushState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface PushOptions {
  url: string;
  /** The session token, or how to get the current one (it is renewed while the app runs): read on each (re)connect. */
  token: string | (() => string);
  socket: SocketFactory;
  backoffMs?: number;
  maxBackoffMs?: number;
  onState?: (state: PushState) => void;
  /** setTimeout, replaceable in tests. */
  schedule?: (fn: () => void, ms: number) => unknown;
  random?: () => number;
}

interface Topic {
  seq: number;
  versions: Record<string, number>;
  ready: boolean;
  handlers: TopicHandlers<any, any>;
}

const CLOSED_BY_US = 4000;

/**
 * The server's frames (gateways/PUSH.md; gateways/src/push/protocol.ts is the server's side), as far
 * as this client reads them. Declared, not imported: the mini-program talks to the API only. A frame
 * of another type is ignored; fields are still checked where a bad value would break the rules.
 */
type ServerFrame =
  | { type: 'snapshot'; topic: string; seq: number; versions?: Record<string, number>; data: unknown }
  | { type: 'delta'; topic: string; seq: number; key: string; v?: number; data: unknown }
  | { type: 'heads'; seqs?: Record<string, number> }
  | { type: 'resync'; topic: string }
  | { type: 'error'; topic?: string; code: string; message: string };

export class PushClient {
  readonly stats = { snapshots: 0, deltas: 0, stale: 0, gaps: 0, resyncs: 0, serverResyncs: 0, heads: 0, reconnects: 0 };
  state: PushState = 'connecting';
  private readonly topics = new Map<string, Topic>();
  private socket: SocketLike | null = null;
  private open = false;
  private closed = false;
  private attempt = 0;

  constructor(private readonly opts: PushOptions) {
    this.connect();
  }

  private setState(s: PushState): void {
    if (this.state === s) return;
    this.state = s;
    this.opts.onState?.(s);
  }

  private connect(): void {
    const token = typeof this.opts.token === 'function' ? this.opts.token() : this.opts.token;
    const sock = this.opts.socket(this.opts.url, { authorization: `Bearer ${token}` });
    this.socket = sock;
    this.open = false;
    sock.onOpen(() => {
      if (this.socket !== sock) return;
      this.open = true;
      this.attempt = 0;
      this.setState('live');
      for (const [topic, st] of this.topics) {
        st.ready = false;
        this.send({ type: 'subscribe', topic });
      }
    });
    sock.onMessage((text) => {
      if (this.socket === sock) this.receive(text);
    });
    sock.onError(() => undefined); // a close follows
    sock.onClose((code) => {
      if (this.socket !== sock) return;
      this.open = false;
      this.socket = null;
      for (const st of this.topics.values()) st.ready = false;
      if (this.closed || code === CLOSED_BY_US) {
        this.setState('closed');
        return;
      }
      this.setState('reconnecting');
      const base = this.opts.backoffMs ?? 300;
      const wait = Math.min(this.opts.maxBackoffMs ?? 10_000, base * 2 ** this.attempt++);
      this.stats.reconnects++;
      const schedule = this.opts.schedule ?? ((fn: () => void, ms: number) => setTimeout(fn, ms));
      const jitter = this.opts.random === undefined ? Math.random() : this.opts.random();
      schedule(() => {
        if (!this.closed) this.connect();
      }, wait * (0.5 + jitter / 2));
    });
  }

  subscribe<S, D>(topic: string, handlers: TopicHandlers<S, D>): void {
    this.topics.set(topic, { seq: 0, versions: {}, ready: false, handlers });
    this.send({ type: 'subscribe', topic });
  }

  unsubscribe(topic: string): void {
    if (!this.topics.delete(topic)) return;
    this.send({ type: 'unsubscribe', topic });
  }

  /** Asks for a fresh snapshot of a topic (after a gap, or when the page comes back to the front). */
  resync(topic: string): void {
    const st = this.topics.get(topic);
    if (st === undefined) return;
    st.ready = false;
    this.stats.resyncs++;
    this.send({ type: 'resync', topic });
  }

  isReady(topic: string): boolean {
    return this.topics.get(topic)?.ready === true;
  }

  close(): void {
    this.closed = true;
    const s = this.socket;
    this.socket = null;
    this.setState('closed');
    s?.close(CLOSED_BY_US, 'bye');
  }

  private send(m: object): boolean {
    if (this.socket === null || !this.open) return false;
    this.socket.send(JSON.stringify(m));
    return true;
  }

  /** One server frame. Public for tests of the protocol rules. */
  receive(text: string): void {
    let m: ServerFrame | null;
    try {
      m = JSON.parse(text) as ServerFrame | null;
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    const st = 'topic' in m && typeof m.topic === 'string' ? this.topics.get(m.topic) : undefined;
    switch (m.type) {
      case 'snapshot':
        if (st === undefined) return;
        st.seq = m.seq;
        st.versions = { ...(m.versions ?? {}) };
        st.ready = true;
        this.stats.snapshots++;
        st.handlers.snapshot(m.data);
        return;
      case 'delta': {
        if (st === undefined || !st.ready || m.seq <= st.seq) return;
        if (m.seq !== st.seq + 1) {
          this.stats.gaps++;
          this.resync(m.topic);
          return;
        }
        st.seq = m.seq;
        const have = st.versions[m.key];
        if (typeof m.v === 'number' && m.v > 0) {
          if (have !== undefined && have >= m.v) {
            this.stats.stale++;
            return;
          }
          st.versions[m.key] = m.v;
        }
        this.stats.deltas++;
        st.handlers.delta(m.data);
        return;
      }
      case 'heads':
        this.stats.heads++;
        for (const [topic, seq] of Object.entries(m.seqs ?? {})) {
          const t = this.topics.get(topic);
          if (t !== undefined && t.ready && seq > t.seq) {
            this.stats.gaps++;
            this.resync(topic);
          }
        }
        return;
      case 'resync':
        this.stats.serverResyncs++;
        this.resync(m.topic);
        return;
      case 'error':
        if (st !== undefined && m.topic !== undefined && ['forbidden', 'not_found', 'unknown_topic'].includes(m.code))
          this.topics.delete(m.topic);
        st?.handlers.error?.(m.code, m.message);
        return;
      default:
        return;
    }
  }
}

/** ws(s)://host/ws from the API base URL. */
export function pushUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/ws`;
}
