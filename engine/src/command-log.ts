import type { Logger } from 'pino';
import type { ReplySink, WireResult } from './partition/index.js';

/**
 * A command's log line at `debug`: the request it came with (`req`, the gateway's `X-Request-Id`),
 * its actor and its outcome once answered, so one request can be followed from the balancer's
 * access log through the gateway to the engine and on to the printer. Only built when the engine
 * logs at `debug`: at `info` (the default) a command costs no wrapper and no line; the request id
 * still reaches its side outputs (`REQUEST_ID_HEADER`).
 */
export class LoggedSink implements ReplySink {
  private readonly t0 = performance.now();

  constructor(
    private readonly log: Logger,
    private readonly sink: ReplySink,
    private readonly slot: number,
    private readonly fields: {
      readonly req: string | undefined;
      readonly store: string;
      readonly actor: string;
      readonly cmd: string | null;
    },
  ) {}

  deliver(_slot: number, r: WireResult): void {
    const ms = Math.round((performance.now() - this.t0) * 1000) / 1000;
    if (r[0] === 0) this.log.debug({ ...this.fields, ok: true, ms }, 'command');
    else this.log.debug({ ...this.fields, ok: false, code: r[1], reason: r[3], ms }, 'command');
    this.sink.deliver(this.slot, r);
  }
}
