/** A WebSocket push client as PUSH.md asks one to behave, and what the ws-fanout scenario counts of them. */
import WebSocket from 'ws';

export interface PushCounters {
  connected: number;
  failed: number;
  snapshots: number;
  deltas: number;
  gaps: number;
  serverResyncs: number;
  resynced: number;
  errors: number;
}

/**
 * One push client following one topic at a time (seq gaps → resync, as PUSH.md asks).
 * `follow(topic)` moves it to another topic; deltas of the old one are ignored.
 */
export class PushFollower {
  private ws!: WebSocket;
  private topic = '';
  private last = -1;
  private waiting = false;
  private onSnapshot: (() => void) | undefined;

  constructor(
    private readonly c: PushCounters,
    private readonly record: (topic: string, ms: number) => void,
  ) {}

  open(url: string, topic: string): Promise<void> {
    return new Promise<void>((resolve) => {
      this.onSnapshot = resolve;
      const ws = (this.ws = new WebSocket(url));
      ws.on('open', () => {
        this.c.connected++;
        this.follow(topic);
      });
      ws.on('message', (raw: Buffer) => this.message(raw));
      ws.on('error', () => {
        this.c.failed++;
        resolve();
      });
      ws.on('close', () => resolve());
    });
  }

  follow(topic: string): void {
    if (this.topic !== '') this.send({ type: 'unsubscribe', topic: this.topic });
    this.topic = topic;
    this.last = -1;
    this.waiting = true;
    this.send({ type: 'subscribe', topic });
  }

  private send(m: unknown): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private message(raw: Buffer): void {
    const m = JSON.parse(raw.toString()) as { type: string; topic?: string; seq?: number; data?: { at?: number } };
    if (m.topic !== undefined && m.topic !== this.topic) return; // an old subscription's
    if (m.type === 'snapshot') {
      this.c.snapshots++;
      if (this.waiting && this.last >= 0) this.c.resynced++;
      this.last = m.seq ?? 0;
      this.waiting = false;
      this.onSnapshot?.();
      this.onSnapshot = undefined;
    } else if (m.type === 'delta') {
      if (this.waiting) return;
      if (m.seq !== this.last + 1) {
        this.c.gaps++;
        this.waiting = true;
        this.send({ type: 'resync', topic: this.topic });
        return;
      }
      this.last = m.seq;
      this.c.deltas++;
      if (typeof m.data?.at === 'number') this.record(this.topic, Date.now() - m.data.at);
    } else if (m.type === 'resync') {
      this.c.serverResyncs++;
      this.waiting = true;
      this.send({ type: 'resync', topic: this.topic });
    } else if (m.type === 'error') {
      this.c.errors++;
      this.onSnapshot?.();
      this.onSnapshot = undefined;
    }
  }

  close(): void {
    this.ws.terminate();
  }
}
