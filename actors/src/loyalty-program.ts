/**
 * The chain's member programme as its managers set it (`member-program` actor, id `chain`, in the
 * chain's partition `000`): level thresholds, how points are earned, spent and expire, top-up
 * bonus tiers, gifts and check-in (`MemberProgramSchema`). Until a manager sets one it answers
 * `DEFAULT_MEMBER_PROGRAM`. Every change is an event with who made it, so the log says which rules
 * were in force when; and the cards never read this actor: a command that applies the programme
 * carries it (the gateway and the payment workers read it here, `ProgramReader`), and the card's
 * events record what it gave, so replay never depends on the programme of the day.
 */
import { z } from 'zod';
import { defineActor, type Decision } from '@lunchrush/engine';
import { AtSchema, CHAIN_STORE_ID, parseCommand } from './domain.js';
import { DEFAULT_MEMBER_PROGRAM, MemberProgramSchema, type MemberProgram } from './member/program.js';

export const MEMBER_PROGRAM_ACTOR = 'member-program';
export const MEMBER_PROGRAM_ID = 'chain';
export const MEMBER_PROGRAM_STORE = CHAIN_STORE_ID;

export const MemberProgramCommandSchema = z.discriminatedUnion('type', [
  /** Replaces the programme (the same programme again is no event). */
  z.strictObject({
    type: z.literal('set'),
    program: MemberProgramSchema,
    /** Who set it (`manager:zhang`). */
    by: z.string().min(1).max(80),
    at: AtSchema,
  }),
  z.strictObject({ type: z.literal('get') }),
]);
export type MemberProgramCommand = z.input<typeof MemberProgramCommandSchema>;
type Parsed = z.output<typeof MemberProgramCommandSchema>;

export type MemberProgramEvent = { type: 'ProgramSet'; program: MemberProgram; by: string; at: number };

export interface MemberProgramState {
  readonly program: MemberProgram | null;
  readonly setBy: string | null;
  readonly setAt: number | null;
  /** Programmes set so far: a reader's cache compares it. */
  readonly version: number;
}

export interface MemberProgramView {
  readonly program: MemberProgram;
  /** True until a manager sets one: the built-in defaults. */
  readonly isDefault: boolean;
  readonly setBy: string | null;
  readonly setAt: number | null;
  readonly version: number;
}

export function memberProgramView(s: MemberProgramState): MemberProgramView {
  return {
    program: s.program ?? DEFAULT_MEMBER_PROGRAM,
    isDefault: s.program === null,
    setBy: s.setBy,
    setAt: s.setAt,
    version: s.version,
  };
}

export function decideMemberProgram(
  s: MemberProgramState,
  c: Parsed,
): Decision<MemberProgramEvent, MemberProgramView, MemberProgramCommand> {
  if (c.type === 'get') return { result: memberProgramView(s) };
  if (s.program !== null && JSON.stringify(s.program) === JSON.stringify(c.program))
    return { result: memberProgramView(s) };
  const e: MemberProgramEvent = { type: 'ProgramSet', program: c.program, by: c.by, at: c.at };
  return { events: [e], result: memberProgramView(evolveMemberProgram(s, e)) };
}

export function evolveMemberProgram(s: MemberProgramState, e: MemberProgramEvent): MemberProgramState {
  return { program: e.program, setBy: e.by, setAt: e.at, version: s.version + 1 };
}

export const memberProgramActor = defineActor<
  MemberProgramState,
  MemberProgramCommand,
  MemberProgramEvent,
  MemberProgramView
>({
  name: MEMBER_PROGRAM_ACTOR,
  initial: () => ({ program: null, setBy: null, setAt: null, version: 0 }),
  parse: (command) => parseCommand(MemberProgramCommandSchema, command),
  decide: decideMemberProgram,
  evolve: evolveMemberProgram,
});
