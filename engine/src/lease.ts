import type { KV } from '@nats-io/kv';
import type { Logger } from 'pino';
import { ensureError } from './errors.js';
import { isWrongLastSequence } from './jsutil.js';

/**
 * Partition ownership through leases in a JetStream KV bucket.
 *
 * - `p.<n>` holds the owner of partition n; its KV revision is the lease epoch.
 *   Taking a free key uses `create`, taking an expired one `update` with the
 *   revision last seen (compare-and-set), renewing `update` with our revision.
 * - Expiry is judged with local monotonic clocks only: an observer calls a lease
 *   expired when its revision has not changed for `ttl` since the observer first
 *   saw it; the owner stops serving once `ttl` has passed since it *sent* its last
 *   successful renewal. The owner's deadline therefore always falls before any
 *   observer's, without trusting wall clocks. The fence record in the event log
 *   backs this up should a process be paused mid-append.
 * - `m.<processId>` is each live process's heartbeat; partitions are balanced to
 *   ceil(P / live members), and a process over its share hands the excess over.
 */

export interface LeaseCallbacks {
  /** We own partition p with this epoch: recover and serve (may take a while; renewals go on). */
  acquired(p: number, epoch: number): void;
  /** Ownership is gone (stolen, expired, fenced): stop serving at once. */
  lost(p: number, reason: string): void;
  /** Hand partition p over: finish in-flight work, then resolve; the lease is deleted afterwards. */
  drain(p: number): Promise<void>;
}

interface Owned {
  rev: number;
  /** Monotonic deadline after which we must not serve. */
  validUntil: number;
  releasing: boolean;
}

interface Seen {
  rev: number;
  owner: string | null;
  standby?: boolean;
  /** Monotonic time this revision was first observed. */
  at: number;
}

const now = (): number => performance.now();

type Watch = Awaited<ReturnType<KV['watch']>>;

export class LeaseManager {
  private readonly owned = new Map<number, Owned>();
  private readonly seen = new Map<number, Seen>();
  private readonly members = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: { stop(): void } | undefined;
  private ticking = false;
  private stopped = false;
  /**
   * Our own heartbeat as a check on the watch: the revision of our last heartbeat put and when it
   * was sent, and the newest revision of it the watch delivered. A watch whose consumer sat on a NATS
   * member that died can stall without ending; it then stops delivering even our own heartbeats.
   */
  private heartbeatPut = { rev: 0, at: 0 };
  private heartbeatSeen = 0;
  readonly renewEveryMs: number;

  constructor(
    private readonly kv: KV,
    private readonly opts: {
      processId: string;
      partitions: number;
      ttlMs: number;
      maxOwned: number;
      standby: boolean;
      log: Logger;
      onChange?: (kind: 'acquired' | 'lost' | 'released', p: number) => void;
    },
    private readonly cb: LeaseCallbacks,
  ) {
    this.renewEveryMs = Math.max(100, Math.floor(opts.ttlMs / 3));
  }

  async start(): Promise<void> {
    const it = await this.kv.watch({ key: '>' });
    this.watcher = it;
    void this.follow(it);
    await this.heartbeat();
    this.timer = setInterval(() => void this.tick(), this.renewEveryMs);
    void this.tick();
  }

  /**
   * Feeds `observe` from the watch. A watch that ends (its consumer was on a NATS member that died)
   * is opened again: without it this process would go on judging leases from a frozen view, and only
   * the re-read after a failed compare-and-set (`refresh`) would ever correct it.
   */
  private async follow(first: Watch): Promise<void> {
    let it: Watch | undefined = first;
    while (!this.stopped) {
      if (it !== undefined) {
        try {
          for await (const e of it) this.observe(e.key, e.revision, e.operation, e.value);
        } catch (err) {
          if (!this.stopped) this.opts.log.warn({ err: ensureError(err).message }, 'lease watch ended; watching again');
        }
      }
      if (this.stopped) return;
      await new Promise((r) => setTimeout(r, this.renewEveryMs));
      it = await this.kv.watch({ key: '>' }).catch(() => undefined);
      if (it !== undefined) {
        if (this.stopped) return it.stop();
        this.watcher = it;
      }
    }
  }

  ownedPartitions(): number[] {
    return [...this.owned.keys()].sort((a, b) => a - b);
  }

  /** True while we may serve partition p (checked before every append). */
  isValid(p: number): boolean {
    const o = this.owned.get(p);
    return o !== undefined && now() < o.validUntil;
  }

  epochOf(p: number): number | undefined {
    return this.owned.get(p)?.rev;
  }

  /** Drop a partition we can no longer serve correctly (e.g. fenced): delete our lease so anyone can recover it. */
  async abandon(p: number, reason: string): Promise<void> {
    const o = this.owned.get(p);
    if (o === undefined) return;
    this.owned.delete(p);
    this.cb.lost(p, reason);
    this.opts.onChange?.('lost', p);
    try {
      await this.kv.delete(`p.${p}`, { previousSeq: o.rev });
    } catch {
      // someone else has it already
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await Promise.all(this.ownedPartitions().map((p) => this.release(p)));
    try {
      await this.kv.delete(`m.${this.opts.processId}`);
    } catch {
      // best effort: it expires anyway
    }
    this.watcher?.stop();
  }

  private observe(key: string, rev: number, op: string, value: Uint8Array): void {
    const t = now();
    if (key.startsWith('m.')) {
      const id = key.slice(2);
      if (op !== 'PUT') {
        this.members.delete(id);
        return;
      }
      if (id === this.opts.processId && rev > this.heartbeatSeen) this.heartbeatSeen = rev;
      let standby = false;
      try {
        standby = (JSON.parse(new TextDecoder().decode(value)) as { standby?: boolean }).standby === true;
      } catch {
        // an old or foreign value: count it as active
      }
      this.members.set(id, { rev, owner: id, at: t, standby });
      return;
    }
    if (!key.startsWith('p.')) return;
    const p = Number(key.slice(2));
    if (!Number.isInteger(p)) return;
    if (op !== 'PUT') {
      this.seen.set(p, { rev, owner: null, at: t });
      return;
    }
    const prev = this.seen.get(p);
    if (prev !== undefined && prev.rev >= rev) return;
    let owner: string | null;
    try {
      owner = (JSON.parse(new TextDecoder().decode(value)) as { owner?: string }).owner ?? null;
    } catch {
      owner = null;
    }
    this.seen.set(p, { rev, owner, at: t });
  }

  private leaseValue(): string {
    return JSON.stringify({ owner: this.opts.processId, renewedAt: new Date().toISOString() });
  }

  private async heartbeat(): Promise<void> {
    try {
      const sentAt = now();
      const rev = await this.kv.put(
        `m.${this.opts.processId}`,
        JSON.stringify({ at: new Date().toISOString(), standby: this.opts.standby }),
      );
      if (this.heartbeatPut.rev <= this.heartbeatSeen) this.heartbeatPut = { rev, at: sentAt };
      this.members.set(this.opts.processId, {
        rev: 0,
        owner: this.opts.processId,
        at: now(),
        standby: this.opts.standby,
      });
    } catch (err) {
      this.opts.log.warn({ err: ensureError(err) }, 'heartbeat failed');
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return;
    this.ticking = true;
    try {
      this.selfFence();
      await Promise.all([this.renewAll(), this.heartbeat()]);
      this.selfFence();
      this.checkWatch();
      await this.balance();
    } catch (err) {
      this.opts.log.error({ err: ensureError(err) }, 'lease tick failed');
    } finally {
      this.ticking = false;
    }
  }

  /**
   * A watch that has not delivered our own heartbeat within a lease TTL of putting it is stalled
   * (its consumer was on a NATS member that died or restarted, and it did not end): stopped here,
   * `follow` opens it again. Without this the process judged leases from a frozen view: it saw a
   * dead process's leases as renewed and its heartbeat as fresh, and never took its partitions
   * (stack/test/cluster-takeover.test.ts).
   */
  private checkWatch(): void {
    const put = this.heartbeatPut;
    if (put.rev === 0 || put.rev <= this.heartbeatSeen || now() - put.at < this.opts.ttlMs) return;
    this.opts.log.warn({ heartbeat: put.rev, seen: this.heartbeatSeen }, 'lease watch stalled; watching again');
    this.heartbeatPut = { rev: 0, at: 0 };
    this.watcher?.stop();
  }

  /** Runs first after a pause (SIGSTOP, GC, swap): anything past its deadline is dropped before any other work. */
  private selfFence(): void {
    const t = now();
    for (const [p, o] of this.owned) {
      if (t >= o.validUntil) {
        this.owned.delete(p);
        this.opts.log.warn({ partition: p }, 'lease expired before renewal: stop serving');
        this.cb.lost(p, 'lease expired');
        this.opts.onChange?.('lost', p);
      }
    }
  }

  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.owned.entries()].map(async ([p, o]) => {
        const sentAt = now();
        try {
          const rev = await this.kv.update(`p.${p}`, this.leaseValue(), o.rev);
          if (this.owned.get(p) === o) {
            o.rev = rev;
            o.validUntil = sentAt + this.opts.ttlMs;
          }
        } catch (err) {
          const msg = ensureError(err).message;
          if (isWrongLastSequence(err)) {
            if (this.owned.get(p) === o) {
              this.owned.delete(p);
              this.opts.log.warn({ partition: p }, 'lease taken by another process');
              this.cb.lost(p, 'lease stolen');
              this.opts.onChange?.('lost', p);
            }
          } else {
            this.opts.log.warn({ partition: p, err: msg }, 'lease renewal failed; retrying until it expires');
          }
        }
      }),
    );
  }

  /** Live active (non-standby) processes other than this one. */
  private otherActiveMembers(): number {
    const t = now();
    let n = 0;
    for (const [id, m] of this.members) {
      if (id !== this.opts.processId && m.standby !== true && t - m.at <= this.opts.ttlMs) n++;
    }
    return n;
  }

  private async balance(): Promise<void> {
    const P = this.opts.partitions;
    const others = this.otherActiveMembers();
    const share = this.opts.standby ? (others > 0 ? 0 : P) : Math.ceil(P / (others + 1));
    const target = Math.min(this.opts.maxOwned, share);
    const active = [...this.owned.values()].filter((o) => !o.releasing).length;
    if (active < target) {
      const t = now();
      const candidates: number[] = [];
      for (let p = 0; p < P; p++) {
        if (this.owned.has(p)) continue;
        const s = this.seen.get(p);
        if (s === undefined || s.owner === null || t - s.at > this.opts.ttlMs) candidates.push(p);
      }
      // Start at a random place so processes starting together do not all race for partition 0.
      const offset = Math.floor(Math.random() * Math.max(1, candidates.length));
      const ordered = [...candidates.slice(offset), ...candidates.slice(0, offset)].slice(0, target - active);
      await Promise.all(ordered.map((p) => this.tryAcquire(p)));
    } else if (active > target) {
      const extra = this.ownedPartitions()
        .filter((p) => !this.owned.get(p)!.releasing)
        .slice(target);
      for (const p of extra) void this.release(p);
    }
  }

  private async tryAcquire(p: number): Promise<void> {
    const s = this.seen.get(p);
    const sentAt = now();
    const rev = await this.take(p, s);
    if (rev === undefined) return;
    if (this.stopped) return;
    this.owned.set(p, { rev, validUntil: sentAt + this.opts.ttlMs, releasing: false });
    this.opts.log.debug({ partition: p, epoch: rev, previousOwner: s?.owner ?? null }, 'partition acquired');
    this.opts.onChange?.('acquired', p);
    this.cb.acquired(p, rev);
  }

  /** Takes p's lease by compare-and-set: its revision, or undefined when refused (and why is handled). */
  private async take(p: number, s: Seen | undefined): Promise<number | undefined> {
    try {
      // `create` also takes a key whose last operation was a delete (a released lease).
      return s === undefined || s.owner === null
        ? await this.kv.create(`p.${p}`, this.leaseValue())
        : await this.kv.update(`p.${p}`, this.leaseValue(), s.rev);
    } catch (err) {
      if (!isWrongLastSequence(err)) {
        this.opts.log.warn({ partition: p, err: ensureError(err).message, rev: s?.rev ?? null }, 'lease take failed');
        return undefined;
      }
      // Somebody else won, or our view is stale. The watcher normally catches up; the key is read
      // here too, because a watch can stall (`checkWatch`), and a stale revision would then keep a
      // dead owner's lease from ever being taken over.
      await this.refresh(p);
      const after = this.seen.get(p);
      if (s !== undefined && after !== undefined && after.rev === s.rev && after.owner !== null)
        this.adoptChecked(p, after, ensureError(err).message);
      return undefined;
    }
  }

  /**
   * The bucket refused an update of p's lease at the revision a read of it shows as the latest, and
   * named the revision it checks against ("wrong last sequence: 186", while the read said 192). Seen
   * after a NATS member restart (nats-server 2.9.10, R3): the read went on answering the same
   * revision, every take was refused, and the partition stayed unowned (a dead node's four
   * partitions for 30 s and more, stack/test/cluster-takeover.test.ts). The checked revision is the
   * one a compare-and-set must name, so it becomes the revision seen now: a live owner renews past it
   * within a TTL; a dead one does not, and the next take names it.
   */
  private adoptChecked(p: number, seen: Seen, why: string): void {
    const checked = Number(/wrong last sequence: (\d+)/.exec(why)?.[1]);
    this.opts.log.warn({ partition: p, rev: seen.rev, checked, err: why }, 'lease refused at the revision read');
    if (!Number.isInteger(checked) || checked <= 0 || checked === seen.rev) return;
    this.seen.set(p, { rev: checked, owner: seen.owner, at: now() });
  }

  /** The lease of p as the bucket has it now, observed as if the watcher had delivered it. */
  private async refresh(p: number): Promise<void> {
    try {
      const e = await this.kv.get(`p.${p}`);
      if (e !== null) this.observe(e.key, e.revision, e.operation, e.value);
    } catch (err) {
      // the next tick tries again
      this.opts.log.warn({ partition: p, err: ensureError(err).message }, 'lease read failed');
    }
  }

  /** Graceful hand-over: drain, then delete the lease so a waiting process takes it at once. */
  async release(p: number): Promise<void> {
    const o = this.owned.get(p);
    if (o === undefined || o.releasing) return;
    o.releasing = true;
    try {
      await this.cb.drain(p);
    } catch (err) {
      this.opts.log.warn({ partition: p, err: ensureError(err).message }, 'drain failed');
    }
    if (this.owned.get(p) !== o) return;
    this.owned.delete(p);
    this.cb.lost(p, 'released');
    this.opts.onChange?.('released', p);
    try {
      await this.kv.delete(`p.${p}`, { previousSeq: o.rev });
    } catch {
      // it will expire instead
    }
  }
}
