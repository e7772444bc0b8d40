// The push protocol's client, in plain JavaScript so browsers load it as is
// (the screens serve it at /screens/push-client.js) and Node runs it with the
// `ws` package. It keeps per-topic seqs, drops stale entity versions, asks for
// a resync on any gap or `heads`/`resync` hint, and reconnects with backoff.
// Types: ./client.d.ts. Protocol: gateways/PUSH.md. The mini-program has its own client of the
// same rules (miniprogram/src/lib/push.ts, over wx.connectSocket; it is built from its own folder
// only, so it cannot load this file): a change to the rules goes into both.

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
    this.topics = new Map();
    this.pending = new Map();
    this.stats = { snapshots: 0, deltas: 0, stale: 0, gaps: 0, resyncs: 0, serverResyncs: 0, heads: 0, reconnects: 0 };
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
      for (const [topic, st] of this.topics) {
        st.ready = false;
        this.sendRaw({ type: 'subscribe', topic });
      }
    };
    ws.onmessage = (ev) => this.receive(typeof ev.data === 'string' ? ev.data : String(ev.data));
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      this.onStatus('closed', ev.code);
      for (const st of this.topics.values()) st.ready = false;
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
    const st = { seq: 0, versions: {}, ready: false, handlers };
    this.topics.set(topic, st);
    this.sendRaw({ type: 'subscribe', topic });
    return st;
  }

  unsubscribe(topic) {
    this.topics.delete(topic);
    this.sendRaw({ type: 'unsubscribe', topic });
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
    const st = this.topics.get(topic);
    if (st === undefined) return;
    st.ready = false;
    this.stats.resyncs++;
    this.sendRaw({ type: 'resync', topic });
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
    switch (m.type) {
      case 'welcome':
        this.welcome = m;
        this.onStatus('welcome', m);
        return;
      case 'snapshot': {
        const st = this.topics.get(m.topic);
        if (st === undefined) return;
        st.seq = m.seq;
        st.versions = { ...m.versions };
        st.ready = true;
        st.failures = 0;
        this.stats.snapshots++;
        st.handlers?.snapshot?.(m.data, m);
        return;
      }
      case 'delta': {
        const st = this.topics.get(m.topic);
        if (st === undefined || !st.ready || m.seq <= st.seq) return;
        if (m.seq !== st.seq + 1) {
          this.stats.gaps++;
          this.resync(m.topic);
          return;
        }
        st.seq = m.seq;
        const have = st.versions[m.key];
        if (m.v > 0 && have !== undefined && have >= m.v) {
          this.stats.stale++;
          return;
        }
        if (m.v > 0) st.versions[m.key] = m.v;
        this.stats.deltas++;
        st.handlers?.delta?.(m.data, m);
        return;
      }
      case 'heads':
        this.stats.heads++;
        for (const [topic, seq] of Object.entries(m.seqs)) {
          const st = this.topics.get(topic);
          if (st !== undefined && st.ready && seq > st.seq) {
            this.stats.gaps++;
            this.resync(topic);
          }
        }
        return;
      case 'resync':
        this.stats.serverResyncs++;
        this.resync(m.topic);
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
        const st = m.topic === undefined ? undefined : this.topics.get(m.topic);
        if (st !== undefined && (m.code === 'forbidden' || m.code === 'not_found' || m.code === 'unknown_topic')) {
          this.topics.delete(m.topic);
        } else if (st !== undefined && m.code === 'snapshot_failed') {
          // The engine or a stream was not reachable: ask again, backing off.
          st.failures = (st.failures ?? 0) + 1;
          const wait = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** st.failures);
          setTimeout(() => {
            if (this.topics.get(m.topic) === st && !st.ready) this.resync(m.topic);
          }, wait);
        }
        st?.handlers?.error?.(m);
        this.onError(m);
        return;
      }
      default:
        return;
    }
  }
}
