/**
 * The gateway's WebSocket push (gateways/PUSH.md) over `wx.connectSocket`. The topic sequencing
 * (snapshot at seq s → deltas s+1, s+2 …, stale entity versions skipped, a gap, a `heads` ahead of
 * us or a server `resync` asks for a fresh snapshot) is the gateway's `TopicSequencer`, the one the
 * staff screens run: WeChat builds this package from src/ alone, so `scripts/shared-code.js` copies
 * it here as `./topic-sequencer.js` before each compile (the tests and the type-check read the
 * gateway's file itself; see the README). What is this file's own is the transport: after a lost
 * connection it reconnects with backoff and subscribes again, starting from snapshots (seqs belong
 * to one gateway process).
 */

import { TopicSequencer } from './topic-sequencer';

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

const CLOSED_BY_US = 4000;

export class PushClient {
  state: PushState = 'connecting';
  private readonly sequencer = new TopicSequencer((m) => this.send(m));
  readonly stats = this.sequencer.stats;
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
      this.sequencer.opened();
    });
    sock.onMessage((text) => {
      if (this.socket === sock) this.receive(text);
    });
    sock.onError(() => undefined); // a close follows
    sock.onClose((code) => {
      if (this.socket !== sock) return;
      this.open = false;
      this.socket = null;
      this.sequencer.closed();
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
    this.sequencer.subscribe(topic, {
      snapshot: (data) => handlers.snapshot(data as S),
      delta: (data) => handlers.delta(data as D),
      error: (frame) => handlers.error?.(frame.code, frame.message),
    });
  }

  unsubscribe(topic: string): void {
    this.sequencer.unsubscribe(topic);
  }

  /** Asks for a fresh snapshot of a topic (after a gap, or when the page comes back to the front). */
  resync(topic: string): void {
    this.sequencer.resync(topic);
  }

  isReady(topic: string): boolean {
    return this.sequencer.isReady(topic);
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
    let m: unknown;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    this.sequencer.receive(m);
  }
}

/** ws(s)://host/ws from the API base URL. */
export function pushUrl(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/ws`;
}
