/**
 * The partitions of this process, reached from another thread of it. A node whose gateway runs on
 * worker threads keeps its engine on the main thread; each gateway thread's `EngineClient` gets a
 * `LinkedEngine` as its `local` engine, so a command for a partition the process owns crosses a
 * `MessagePort` (a copy in memory) instead of NATS, and everything else goes over NATS as from any
 * gateway. Whatever way a command arrives, the engine admits it with the same checks
 * (`LocalEngine.submitLocal`): ownership, fencing and persist-before-reply do not change.
 *
 * Why threads: a node on one thread is held by that thread (93% of a core in a saturated lunch
 * rush, with 16% of the 2-core machine idle), and about half of its time is the HTTP edge.
 *
 * On the port, every message is a batch (all calls, or all answers, of one event-loop turn): a
 * message each costs a wake-up of the other thread. Answers go as one msgpack buffer, decoded on
 * the gateway's thread (the engine's thread has the fewest cycles to spare): a `Preencoded` result
 * is copied into it as the bytes it already is.
 */
import type { MessagePort } from 'node:worker_threads';
import { decode, encode } from './codec.js';
import type { LocalEngine } from './engine.js';
import { ErrorCode } from './errors.js';
import type { ReplySink, WireResult } from './partition/env.js';
import { partitionOf } from './partitioning.js';

/** How often the engine's thread tells its gateway threads which partitions it hosts (when that changed). */
export const OWNERSHIP_POLL_MS = 50;

type Call = [
  key: number,
  store: string,
  type: string,
  id: string,
  cmdId: string | null,
  command: unknown,
  req: string | undefined,
  parsed: boolean,
];
/**
 * Calls of one turn go as a structured clone: it keeps `undefined` where msgpack writes nil, and a
 * command sent as parsed must reach its decider as its `parse` made it. Answers of one turn go as
 * one msgpack buffer, `[key, WireResult, key, WireResult, …]` (what NATS would carry), transferred
 * rather than copied: a structured clone of a `Uint8Array` view takes its whole backing buffer
 * across (msgpackr packs into views of one reused buffer), which cost the engine's thread 8%.
 */
type ToEngine = { c: Call[] };
type ToThread = { a: Uint8Array } | { o: Uint8Array };

/** Serves one gateway thread's port on the engine's thread. Stops with `close()` (the port is closed). */
export function serveThreadLink(engine: LocalEngine, port: MessagePort): { close(): void } {
  const P = engine.cfg.partitions;
  let answers: (number | WireResult)[] = [];
  const flush = (): void => {
    // A copy of its own (msgpackr reuses the buffer it packs into), handed over without a second copy.
    const a = new Uint8Array(encode(answers));
    answers = [];
    port.postMessage({ a } satisfies ToThread, [a.buffer]);
  };
  const sink: ReplySink = {
    deliver(key, r) {
      answers.push(key, r);
      if (answers.length === 2) queueMicrotask(flush);
    },
  };
  const hosted = (): Uint8Array => {
    const now = new Uint8Array(P);
    for (let p = 0; p < P; p++) now[p] = engine.hosts(p) ? 1 : 0;
    return now;
  };
  let owned = hosted();
  port.postMessage({ o: owned } satisfies ToThread);
  const poll = setInterval(() => {
    const now = hosted();
    if (now.every((x, p) => x === owned[p])) return;
    owned = now;
    port.postMessage({ o: now } satisfies ToThread);
  }, OWNERSHIP_POLL_MS);
  poll.unref();
  port.on('message', (m: ToEngine) => {
    for (const [key, store, type, id, cmdId, command, req, parsed] of m.c)
      engine.submitLocal(store, type, id, cmdId, command, sink, key, req, parsed);
  });
  return {
    close() {
      clearInterval(poll);
      port.close();
    },
  };
}

/**
 * The engine of this process as a gateway thread sees it: `hosts(p)` as the engine's thread last
 * said, `submitLocal` over the port. A partition that moved meanwhile answers `partition_moving`
 * (retryable): it counts as not hosted here until the engine's thread says otherwise, so the
 * client's retry goes over NATS to the new owner.
 */
export class LinkedEngine implements LocalEngine {
  private owned: Uint8Array;
  /** Each call's sink, slot and store (its partition is hashed only if it moved). */
  private readonly open = new Map<number, [ReplySink, number, string]>();
  private nextKey = 1;
  private calls: Call[] = [];
  private readonly firstOwnership: Promise<void>;

  constructor(
    private readonly port: MessagePort,
    readonly cfg: { readonly namespace: string; readonly partitions: number },
  ) {
    this.owned = new Uint8Array(cfg.partitions);
    let ready!: () => void;
    this.firstOwnership = new Promise((r) => (ready = r));
    port.on('message', (m: ToThread) => {
      if ('o' in m) {
        this.owned = m.o;
        ready();
        return;
      }
      const a = decode<(number | WireResult)[]>(m.a);
      for (let i = 0; i + 1 < a.length; i += 2) this.answer(a[i] as number, a[i + 1] as WireResult);
    });
  }

  /** Resolves once the engine's thread has said which partitions it hosts. */
  ready(): Promise<void> {
    return this.firstOwnership;
  }

  hosts(p: number): boolean {
    return this.owned[p] === 1;
  }

  submitLocal(
    store: string,
    type: string,
    id: string,
    cmdId: string | null,
    command: unknown,
    sink: ReplySink,
    slot: number,
    req?: string,
    parsed = false,
  ): void {
    const key = this.nextKey++;
    this.open.set(key, [sink, slot, store]);
    this.calls.push([key, store, type, id, cmdId, command, req, parsed]);
    // Once per event-loop turn of this thread, not per microtask checkpoint: uWS runs one callback
    // (and a checkpoint) per request, so a microtask sent a message per request, each a turn of the
    // engine's thread and a socket write to nats-server of its own. Measured (lunch rush, 3 pairs):
    // 865–954 writes per 5 s instead of 1,098–1,264, +4 to +23% orders/s, −8 to −22% CPU per order.
    if (this.calls.length === 1) setImmediate(this.flush);
  }

  /** Calls not answered yet (the engine answers every one; diagnostics and tests). */
  get pending(): number {
    return this.open.size;
  }

  close(): void {
    this.port.close();
  }

  private readonly flush = (): void => {
    const c = this.calls;
    this.calls = [];
    this.port.postMessage({ c } satisfies ToEngine);
  };

  private answer(key: number, r: WireResult): void {
    const o = this.open.get(key);
    if (o === undefined) return;
    this.open.delete(key);
    const [sink, slot, store] = o;
    if (r[0] === 1 && r[1] === ErrorCode.PartitionMoving) this.owned[partitionOf(store, this.cfg.partitions)] = 0;
    sink.deliver(slot, r);
  }
}
