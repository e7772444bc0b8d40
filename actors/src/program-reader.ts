/**
 * The chain's member programme for the commands that apply it, read from its actor at most once
 * every `PROGRAM_CACHE_MS` per process (a gateway serves every card command with it; one read a
 * second is nothing, one a command would be a second engine round trip each). A programme a
 * manager sets through this process is used at once (`remember`); other processes use it within
 * `PROGRAM_CACHE_MS`. Concurrent readers share one read.
 */
import type { CommandSender } from './handles.js';
import type { MemberProgramView } from './loyalty-program.js';
import { memberProgramOf } from './member-handles.js';
import type { MemberProgram } from './member/program.js';

export const PROGRAM_CACHE_MS = 5_000;

export class ProgramReader {
  private cached: { readonly program: MemberProgram; readonly readAt: number } | undefined;
  private reading: Promise<MemberProgram> | undefined;

  constructor(
    private readonly sender: CommandSender,
    private readonly ttlMs = PROGRAM_CACHE_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The programme in force (a read of the actor when the cached one is older than the TTL). */
  get(): Promise<MemberProgram> {
    const c = this.cached;
    if (c !== undefined && this.now() - c.readAt < this.ttlMs) return Promise.resolve(c.program);
    this.reading ??= memberProgramOf(this.sender)
      .send({ type: 'get' })
      .then((v) => this.remember(v))
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }

  /** A programme this process just set or read: used from now on. */
  remember(v: MemberProgramView): MemberProgram {
    this.cached = { program: v.program, readAt: this.now() };
    return v.program;
  }
}
