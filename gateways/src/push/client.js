// The push protocol's client, in plain JavaScript so browsers load it as is
// (the screens serve it at /screens/push-client.js) and Node runs it with the
// `ws` package. Its topics are sequenced by ./topic-sequencer.js (per-topic seqs,
// stale entity versions dropped, a resync on any gap or `heads`/`resync` hint),
// which the mini-program's client shares; this file is the transport: a WebSocket
// reconnected with backoff, staff actions and their answers, snapshot reads
// retried after `snapshot_failed`. Types: ./client.d.ts. Protocol: gateways/PUSH.md.

import { TopicSequencer } from './topic-sequencer.js';

const CLOSED_BY_US = 4000;

export class PushClient {
  /**
   * @param {string} url ws://host:port/ws?token=…
   * @param {object} [opts]
   */
  constructor(url, opts = {}) {
    this.url = url;
    this.WebSocket = opts.WebSocket ?? globalThis.WebSocket;
    this.reconnect = opts.reconnect ?? true;
    this.backoffMs = opts.backoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.onStatus = opts.onStatus ?? (() => {});
    this.onError = opts.onError ?? (() => {});
    this.sequencer = new TopicSequencer((m) => this.sendRaw(m));
    this.topics = this.sequencer.topics;
    this.stats = this.sequencer.stats;
    this.pending = new Map();
    this.welcome = null;
    this.socket = null;
    this.closed = false;
    this.attempt = 0;
    this.refs = 0;
    this.connect();
  }

  connect() {
    const ws = new this.WebSocket(this.url);
    this.socket = ws;
    ws.onopen = () => {
      this.attempt = 0;
      this.onStatus('open');
      this.sequencer.opened();
    };
    ws.onmessage = (ev) => this.receive(typeof ev.data === 'string' ? ev.data : String(ev.data));
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      this.onStatus('closed', ev.code);
      this.sequencer.closed();
      for (const p of this.pending.values()) p.reject(new Error('connection closed'));
      this.pending.clear();
      if (this.closed || !this.reconnect || ev.code === CLOSED_BY_US) return;
      const wait = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** this.attempt++);
      this.stats.reconnects++;
      setTimeout(
        () => {
          if (!this.closed) this.connect();
        },
        wait * (0.5 + Math.random() / 2),
      );
    };
  }

  /**
   * Follows a topic: `handlers.snapshot(data, msg)` on every (re)snapshot,
   * `handlers.delta(data, msg)` for each new delta in order.
   */
  subscribe(topic, handlers) {
    return this.sequencer.subscribe(topic, handlers);
  }

  unsubscribe(topic) {
    // The server is told even of a topic no longer followed (one it refused): it answers either way.
    if (!this.sequencer.unsubscribe(topic)) this.sendRaw({ type: 'unsubscribe', topic });
  }

  /** A staff action (accept, start, finish, serve); resolves with the engine's answer. */
  action(action, orderId, station) {
    const ref = `r${Date.now().toString(36)}${(this.refs++).toString(36)}`;
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject });
      const m = { type: 'action', ref, action, orderId };
      if (station !== undefined) m.station = station;
      if (!this.sendRaw(m)) {
        this.pending.delete(ref);
        reject(new Error('not connected'));
      }
    });
  }

  resync(topic) {
    this.sequencer.resync(topic);
  }

  close() {
    this.closed = true;
    this.socket?.close(CLOSED_BY_US, 'bye');
  }

  sendRaw(m) {
    const ws = this.socket;
    if (ws === null || ws.readyState !== 1) return false;
    ws.send(JSON.stringify(m));
    return true;
  }

  receive(text) {
    let m;
    try {
      m = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof m !== 'object' || m === null) return;
    switch (m.type) {
      case 'welcome':
        this.welcome = m;
        this.onStatus('welcome', m);
        return;
      case 'ack': {
        const p = this.pending.get(m.ref);
        this.pending.delete(m.ref);
        p?.resolve(m.result);
        return;
      }
      case 'error': {
        if (m.ref !== undefined) {
          const p = this.pending.get(m.ref);
          this.pending.delete(m.ref);
          p?.reject(Object.assign(new Error(m.message), { code: m.code }));
          return;
        }
        if (m.code === 'snapshot_failed') this.retrySnapshot(m.topic);
        this.sequencer.receive(m);
        this.onError(m);
        return;
      }
      case 'snapshot': {
        const st = this.topics.get(m.topic);
        if (st !== undefined) st.failures = 0;
        this.sequencer.receive(m);
        return;
      }
      default:
        this.sequencer.receive(m);
        return;
    }
  }

  /** The engine or a stream was not reachable for a topic's snapshot: ask again, backing off. */
  retrySnapshot(topic) {
    const st = topic === undefined ? undefined : this.topics.get(topic);
    if (st === undefined) return;
    st.failures = (st.failures ?? 0) + 1;
    const wait = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** st.failures);
    setTimeout(() => {
      if (this.topics.get(topic) === st && !st.ready) this.resync(topic);
    }, wait);
  }
}
