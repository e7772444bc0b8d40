import { createInbox, type Msg, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { REQUEST_ID_HEADER } from './names.js';

/**
 * Request/reply over one wildcard inbox subscription, with deadlines swept by a
 * single timer. nats.js's `request()` allocates a timer, a mux entry and (on
 * every successful reply) an Error per call; on the engine's hot paths that was
 * the largest single cost after GC (measured with --cpu-prof, see the engine
 * README). This keeps a map from reply token to a pending entry instead.
 */

export class RequestTimeout extends Error {
  override readonly name = 'RequestTimeout';
}
export class NoResponders extends Error {
  override readonly name = 'NoResponders';
}

interface Pending {
  resolve: (m: Msg) => void;
  reject: (e: Error) => void;
  deadline: number;
  /** For answers in parts: takes each reply, true once the answer is complete. */
  part?: (m: Msg) => boolean;
}

const SWEEP_MS = 50;

/** What one message may carry: the server's max_payload (1 MiB by default) less room for the protocol line. */
export function replyLimit(nc: NatsConnection): number {
  return Math.max(4096, (nc.info?.max_payload ?? 1024 * 1024) - 1024);
}

export class RequestWindow {
  private readonly prefix: string;
  private readonly sub: Subscription;
  private readonly pending = new Map<number, Pending>();
  private next = 0;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly nc: NatsConnection) {
    this.prefix = createInbox();
    this.sub = nc.subscribe(`${this.prefix}.*`, { callback: (_err, msg) => this.onReply(msg) });
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * One request, one reply; or, with `part`, as many replies as `part` needs (it returns true on the
   * last one, which then resolves the promise). A timeout rejects whatever is still missing.
   */
  request(
    subject: string,
    data: Uint8Array,
    timeoutMs: number,
    headers?: MsgHdrs,
    part?: (m: Msg) => boolean,
  ): Promise<Msg> {
    const token = this.next++;
    return new Promise<Msg>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: performance.now() + timeoutMs, part });
      try {
        this.nc.publish(
          subject,
          data,
          headers === undefined ? { reply: `${this.prefix}.${token}` } : { reply: `${this.prefix}.${token}`, headers },
        );
      } catch (e) {
        this.pending.delete(token);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private onReply(msg: Msg): void {
    const s = msg.subject;
    const token = Number(s.slice(s.lastIndexOf('.') + 1));
    const p = this.pending.get(token);
    if (p === undefined) return; // late: its caller already timed out
    // The server answers 503 on the reply subject when nobody listens on the request subject.
    if (msg.headers?.code === 503) {
      this.pending.delete(token);
      p.reject(new NoResponders(`no responders`));
      return;
    }
    if (p.part !== undefined && !p.part(msg)) return; // more parts to come
    this.pending.delete(token);
    p.resolve(msg);
  }

  private sweep(): void {
    const t = performance.now();
    for (const [token, p] of this.pending) {
      if (p.deadline <= t) {
        this.pending.delete(token);
        p.reject(new RequestTimeout('timeout'));
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
    this.sub.unsubscribe();
    for (const p of this.pending.values()) p.reject(new RequestTimeout('closed'));
    this.pending.clear();
  }
}

/** A JetStream publish through a RequestWindow: same headers and PubAck as `js.publish`. */
export interface PubAck {
  stream: string;
  seq: number;
  duplicate?: boolean;
}

export class JetStreamApiErrorLite extends Error {
  override readonly name = 'JetStreamApiError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The two JetStream publish headers as bytes, built in one string. nats.js's `headers()` builds a
 * Map, validates, canonicalises and searches its keys on every `set`, then encodes: 14% of what
 * the engine allocated per command went there. `publish` only ever calls `encode()` on the
 * headers it is given (nats-core protocol.js), and the tests that fence a stale owner and
 * de-duplicate a retried append would fail if these bytes were not what JetStream reads.
 */
class JsPublishHeaders {
  constructor(private readonly bytes: Uint8Array) {}
  encode(): Uint8Array {
    return this.bytes;
  }
}

/** The header of a core NATS output (a push): its `Nats-Msg-Id` only, as bytes built in one string. */
export function msgIdHeaders(msgID: string): MsgHdrs {
  return publishHeaders(msgID, undefined, undefined, undefined);
}

function publishHeaders(
  msgID: string | undefined,
  expectLastSubjectSequence: number | undefined,
  tags: string | undefined,
  req: string | undefined,
): MsgHdrs {
  let s = 'NATS/1.0';
  if (msgID !== undefined) {
    if (/[\r\n]/.test(msgID)) throw new Error('a message id cannot contain \\r or \\n');
    s += `\r\nNats-Msg-Id: ${msgID}`;
  }
  if (expectLastSubjectSequence !== undefined)
    s += `\r\nNats-Expected-Last-Subject-Sequence: ${expectLastSubjectSequence}`;
  // Tags are checked when decided (printable, no spaces): no \r or \n can reach here.
  if (tags !== undefined) s += `\r\n${TAGS_HEADER}: ${tags}`;
  // Checked when admitted (`REQUEST_ID_RE`: printable, no spaces).
  if (req !== undefined) s += `\r\n${REQUEST_ID_HEADER}: ${req}`;
  return new JsPublishHeaders(Buffer.from(`${s}\r\n\r\n`)) as unknown as MsgHdrs;
}

const ackDecoder = new TextDecoder();

/**
 * The header of every record the engine appends: the tags its decisions set (`Decision.tags`),
 * space-separated, empty when none did. A record without it was written before tags existed.
 */
export const TAGS_HEADER = 'Lr-Tags';

export async function jsPublish(
  w: RequestWindow,
  subject: string,
  data: Uint8Array,
  opts: {
    msgID?: string;
    expectLastSubjectSequence?: number;
    /** `Lr-Tags` (the engine's records always carry it, empty when no decision tagged anything). */
    tags?: string;
    /** `Lr-Req` (`REQUEST_ID_HEADER`): the request a side output came from. */
    req?: string | undefined;
    timeoutMs: number;
  },
): Promise<PubAck> {
  const h =
    opts.msgID === undefined &&
    opts.expectLastSubjectSequence === undefined &&
    opts.tags === undefined &&
    opts.req === undefined
      ? undefined
      : publishHeaders(opts.msgID, opts.expectLastSubjectSequence, opts.tags, opts.req);
  const m = await w.request(subject, data, opts.timeoutMs, h);
  const r = JSON.parse(ackDecoder.decode(m.data)) as PubAck & {
    error?: { code: number; err_code: number; description: string };
  };
  if (r.error !== undefined) throw new JetStreamApiErrorLite(r.error.err_code, r.error.description);
  return r;
}

const NO_DATA = new Uint8Array(0);

/**
 * The latest value of a KV key, by a JetStream direct get through a RequestWindow: what
 * `kv.get` does, without nats.js's `request()` (an Error built per call, a timer and a mux
 * entry). Every new actor asks for its snapshot once, so in a lunch rush this runs once per
 * order. `undefined` when the key has no value, or its latest entry is a delete or purge.
 */
export async function kvLatest(
  w: RequestWindow,
  bucket: string,
  key: string,
  timeoutMs: number,
): Promise<Uint8Array | undefined> {
  const m = await w.request(`$JS.API.DIRECT.GET.KV_${bucket}.$KV.${bucket}.${key}`, NO_DATA, timeoutMs);
  const h = m.headers;
  if (h !== undefined && h.code !== 0) {
    if (h.code === 404) return undefined;
    throw new JetStreamApiErrorLite(h.code, `direct get of ${key}: ${h.code} ${h.description}`);
  }
  const op = h?.get('KV-Operation');
  return op === 'DEL' || op === 'PURGE' || m.data.length === 0 ? undefined : m.data;
}
