import type { Msg } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { encode } from './codec.js';
import { ensureError, ErrorCode } from './errors.js';
import type { ReplySink, WireResult } from './partition/index.js';

/** What every request's replies share: the largest message the server takes, and where to log. */
export interface ReplyEnv {
  /** Bytes a reply may have (the server's max_payload less room for the protocol line). */
  readonly maxBytes: number;
  readonly log: Logger;
  /** Calls `sendReady` of `r` in the engine's next flush tick. */
  readonly defer: (r: RequestReplies) => void;
}

/** Answers one message; a publish that throws (connection closed, payload too large) is logged, never thrown. */
export function respond(env: ReplyEnv, msg: Msg, data: Uint8Array): void {
  try {
    msg.respond(data);
  } catch (err) {
    env.log.error({ err: ensureError(err), bytes: data.length }, 'reply not sent');
  }
}

/**
 * Collects the answers to one request. Without parts: one reply once every command has its answer.
 * With parts: the answers that became ready in one event-loop turn go out together at the end of it,
 * split into several parts when together they would pass the server's max_payload.
 */
export class RequestReplies implements ReplySink {
  private readonly results: WireResult[];
  private remaining: number;
  private ready: number[] = [];
  private scheduled = false;
  private sentPart = false;

  constructor(
    private readonly env: ReplyEnv,
    private readonly msg: Msg,
    n: number,
    private readonly parts: boolean,
  ) {
    this.results = new Array<WireResult>(n);
    this.remaining = n;
  }

  deliver(slot: number, r: WireResult): void {
    this.results[slot] = r;
    this.remaining--;
    if (!this.parts) {
      if (this.remaining === 0) this.sendWhole();
      return;
    }
    this.ready.push(slot);
    if (this.remaining === 0) this.sendReady();
    else if (!this.scheduled) {
      this.scheduled = true;
      this.env.defer(this);
    }
  }

  /** The plain array, for a caller that did not ask for parts: it cannot be split. */
  private sendWhole(): void {
    const data = encode(this.results);
    if (data.length <= this.env.maxBytes) return respond(this.env, this.msg, data);
    this.env.log.warn({ bytes: data.length, commands: this.results.length }, 'reply too large for one message');
    respond(
      this.env,
      this.msg,
      encode({
        e: [
          1,
          ErrorCode.Invalid,
          `the reply to these ${this.results.length} commands passes max_payload: ask for parts`,
        ],
      }),
    );
  }

  sendReady(): void {
    this.scheduled = false;
    if (this.ready.length === 0) return;
    const slots = this.ready;
    this.ready = [];
    if (!this.sentPart && this.remaining === 0) {
      const data = encode(this.results);
      if (data.length <= this.env.maxBytes) return respond(this.env, this.msg, data);
    }
    this.sentPart = true;
    this.sendSlots(slots);
  }

  private sendSlots(slots: number[]): void {
    const data = encode({ s: slots, r: slots.map((i) => this.results[i]) });
    if (data.length <= this.env.maxBytes) return respond(this.env, this.msg, data);
    if (slots.length > 1) {
      const half = Math.ceil(slots.length / 2);
      this.sendSlots(slots.slice(0, half));
      this.sendSlots(slots.slice(half));
      return;
    }
    // One result alone is too large: the command is done (durable), its answer cannot travel.
    const i = slots[0]!;
    this.env.log.warn({ bytes: data.length }, 'one result passes max_payload');
    const r: WireResult = [1, ErrorCode.Invalid, `the result (${data.length} bytes) passes max_payload`];
    respond(this.env, this.msg, encode({ s: [i], r: [r] }));
  }
}
