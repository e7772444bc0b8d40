// The push protocol's topic sequencing (gateways/PUSH.md), written once for every client: a topic
// is whole from its snapshot (at seq s) and takes the deltas s+1, s+2 … in order; a delta at or
// below the version held for its entity is skipped (it still counts in seq); a gap, a `heads`
// ahead of us or the server's `resync` asks for a fresh snapshot; after a new connection every
// topic starts again from a snapshot, since seqs belong to one gateway process.
//
// No socket, timer, DOM or wx here: each client hands it the frames it receives and a way to
// send, and keeps its own transport. The staff screens' client (./client.js) imports it; the
// gateway serves it beside that one (/screens/topic-sequencer.js). The mini-program's client
// (miniprogram/src/lib/push.ts) imports a copy its WeChat build puts in its package
// (miniprogram/scripts/shared-code.js). Plain JavaScript so browsers and WeChat load it as is;
// types: ./topic-sequencer.d.ts.

/** Error codes after which the server will not serve a topic to this socket: it is forgotten. */
const REFUSED = ['forbidden', 'not_found', 'unknown_topic'];

export class TopicSequencer {
  /** @param {(frame: object) => boolean} send a client frame on the socket; false when not connected */
  constructor(send) {
    this.send = send;
    this.topics = new Map();
    // `reconnects` is the transport's to count; one object keeps a client's counters together.
    this.stats = { snapshots: 0, deltas: 0, stale: 0, gaps: 0, resyncs: 0, serverResyncs: 0, heads: 0, reconnects: 0 };
  }

  subscribe(topic, handlers) {
    const st = { seq: 0, versions: {}, ready: false, handlers };
    this.topics.set(topic, st);
    this.send({ type: 'subscribe', topic });
    return st;
  }

  /** Forgets a topic, telling the server when it was followed; false when it was not. */
  unsubscribe(topic) {
    if (!this.topics.delete(topic)) return false;
    this.send({ type: 'unsubscribe', topic });
    return true;
  }

  /** Asks for a fresh snapshot of a topic; its deltas are ignored until it comes. */
  resync(topic) {
    const st = this.topics.get(topic);
    if (st === undefined) return;
    st.ready = false;
    this.stats.resyncs++;
    this.send({ type: 'resync', topic });
  }

  isReady(topic) {
    return this.topics.get(topic)?.ready === true;
  }

  /** A connection opened: every topic is subscribed again and waits for its snapshot. */
  opened() {
    for (const [topic, st] of this.topics) {
      st.ready = false;
      this.send({ type: 'subscribe', topic });
    }
  }

  /** The connection is gone: no topic is whole until its next snapshot. */
  closed() {
    for (const st of this.topics.values()) st.ready = false;
  }

  /** One parsed server frame; frames other than snapshot, delta, heads, resync and error are ignored. */
  receive(m) {
    if (typeof m !== 'object' || m === null) return;
    const st = typeof m.topic === 'string' ? this.topics.get(m.topic) : undefined;
    switch (m.type) {
      case 'snapshot':
        if (st === undefined) return;
        st.seq = m.seq;
        st.versions = { ...m.versions };
        st.ready = true;
        this.stats.snapshots++;
        st.handlers?.snapshot?.(m.data, m);
        return;
      case 'delta':
        if (st !== undefined) this.applyDelta(st, m);
        return;
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
        if (st === undefined) return;
        if (REFUSED.includes(m.code)) this.topics.delete(m.topic);
        st.handlers?.error?.(m);
        return;
      default:
        return;
    }
  }

  /** A delta of a followed topic: in order, not stale, or a resync. */
  applyDelta(st, m) {
    if (!st.ready || m.seq <= st.seq) return;
    if (m.seq !== st.seq + 1) {
      this.stats.gaps++;
      this.resync(m.topic);
      return;
    }
    st.seq = m.seq;
    if (typeof m.v === 'number' && m.v > 0) {
      const have = st.versions[m.key];
      if (have !== undefined && have >= m.v) {
        this.stats.stale++;
        return;
      }
      st.versions[m.key] = m.v;
    }
    this.stats.deltas++;
    st.handlers?.delta?.(m.data, m);
  }
}
