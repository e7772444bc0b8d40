/**
 * The push protocol: JSON text frames between a WebSocket client and the
 * gateway. See gateways/PUSH.md for the whole story; the short version:
 *
 *   client → {type:'subscribe', topic}        server → {type:'snapshot', topic, seq, data, versions}
 *                                              server → {type:'delta', topic, seq, key, v, data} …
 *   client sees seq ≠ last+1 → {type:'resync', topic}   server → a fresh snapshot
 *   server → {type:'resync', topic}  (it dropped something) → client sends {type:'resync', topic}
 *   server → {type:'heads', seqs}    (after backpressure drained) → client resyncs topics it is behind on
 */

/** What `authenticate` says about a connection. Every subscription is checked against it. */
export interface PushPrincipal {
  readonly kind: 'diner' | 'staff';
  readonly store: string;
  /** Staff role (`waiter`, `kitchen`, `manager`, …). */
  readonly role?: string;
  /** A diner's table (from the signed table token); absent for a diner who is not seated (group-buy pages). */
  readonly tableId?: string;
  /** Who it is (diner or staff id), for the `by` of staff actions. */
  readonly id?: string;
  /** A staff token's own name and when it was signed (ms): what an account's revocation closes. */
  readonly staffToken?: { readonly staffId: string; readonly issuedAt: number };
}

/**
 * The parts of the upgrade request `authenticate` may look at. uWS's
 * HttpRequest is only valid until the first `await`, so the gateway copies
 * these out before calling it.
 */
export interface PushAuthRequest {
  readonly url: string;
  /** The raw query string (after `?`). */
  readonly query: string;
  readonly params: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly ip: string;
}

export type TopicKind = 'table' | 'order' | 'board' | 'menu' | 'kitchen' | 'printers' | 'group';

/**
 * A topic as the client names it: `table:<tableId>`, `order:<orderId>`, `board`, `menu`, `kitchen:<station>`,
 * `printers`, `group:<groupId>` (a group-buy's live member count).
 */
export interface Topic {
  readonly kind: TopicKind;
  readonly id: string;
  /** The client's name of it. */
  readonly name: string;
}

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

/** Parses a client's topic name; null when it is not one. */
export function parseTopic(name: unknown): Topic | null {
  if (typeof name !== 'string' || name.length > 80) return null;
  const i = name.indexOf(':');
  const kind = i < 0 ? name : name.slice(0, i);
  const id = i < 0 ? '' : name.slice(i + 1);
  switch (kind) {
    case 'board':
    case 'menu':
    case 'printers':
      return i < 0 ? { kind, id: '', name } : null;
    case 'table':
    case 'order':
    case 'kitchen':
    case 'group':
      return ID_RE.test(id) ? { kind, id, name } : null;
    default:
      return null;
  }
}

/** The uWS topic (and the gateway's topic state key): the store plus the client's name. */
export const topicKey = (store: string, topic: string): string => `${store}/${topic}`;

export const PushErrorCode = {
  BadMessage: 'bad_message',
  UnknownTopic: 'unknown_topic',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  TooManySubscriptions: 'too_many_subscriptions',
  SnapshotFailed: 'snapshot_failed',
  CommandFailed: 'command_failed',
  Unauthorized: 'unauthorized',
} as const;
export type PushErrorCode = (typeof PushErrorCode)[keyof typeof PushErrorCode];

/** Staff actions a kitchen display or table board may send on its socket. */
export type StaffAction = 'accept' | 'start' | 'finish' | 'serve';

export type ClientMessage =
  | { readonly type: 'subscribe'; readonly topic: string }
  | { readonly type: 'unsubscribe'; readonly topic: string }
  | { readonly type: 'resync'; readonly topic: string }
  | {
      readonly type: 'action';
      readonly ref: string;
      readonly action: StaffAction;
      readonly orderId: string;
      readonly station?: string;
    };

export type ServerMessage =
  | {
      readonly type: 'welcome';
      readonly kind: PushPrincipal['kind'];
      readonly store: string;
      readonly role: string | null;
      readonly tableId: string | null;
      readonly maxSubscriptions: number;
    }
  | {
      readonly type: 'snapshot';
      readonly topic: string;
      /** The next delta of this topic has seq + 1. */
      readonly seq: number;
      /** Versions of the entities in `data` (same keys as deltas' `key`): a delta with v ≤ this is already in. */
      readonly versions: Readonly<Record<string, number>>;
      readonly data: unknown;
    }
  | {
      readonly type: 'delta';
      readonly topic: string;
      readonly seq: number;
      /** The entity this delta is about (`table:<id>`, `order:<id>`, `ticket:<id>` …). */
      readonly key: string;
      /** The entity's version; apply only when above what you have for `key`. */
      readonly v: number;
      readonly data: unknown;
    }
  | { readonly type: 'resync'; readonly topic: string; readonly reason: string }
  | { readonly type: 'heads'; readonly seqs: Readonly<Record<string, number>> }
  | { readonly type: 'unsubscribed'; readonly topic: string }
  | { readonly type: 'ack'; readonly ref: string; readonly result: unknown }
  | {
      readonly type: 'error';
      readonly code: PushErrorCode;
      readonly message: string;
      readonly topic?: string;
      readonly ref?: string;
    };

const ACTIONS = new Set<string>(['accept', 'start', 'finish', 'serve']);

/** Validates a client frame; null when malformed. */
export function parseClientMessage(text: string): ClientMessage | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const o = m as Record<string, unknown>;
  switch (o.type) {
    case 'subscribe':
    case 'unsubscribe':
    case 'resync':
      return typeof o.topic === 'string' ? { type: o.type, topic: o.topic } : null;
    case 'action': {
      if (typeof o.ref !== 'string' || !ID_RE.test(o.ref)) return null;
      if (typeof o.action !== 'string' || !ACTIONS.has(o.action)) return null;
      if (typeof o.orderId !== 'string' || !ID_RE.test(o.orderId)) return null;
      if (o.station !== undefined && (typeof o.station !== 'string' || !ID_RE.test(o.station))) return null;
      const base = { type: 'action' as const, ref: o.ref, action: o.action as StaffAction, orderId: o.orderId };
      return typeof o.station === 'string' ? { ...base, station: o.station } : base;
    }
    default:
      return null;
  }
}
