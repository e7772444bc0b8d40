/**
 * The member actor: one per chain member, keyed by the diner's identity. Members
 * live in partitions of their own, hashed from the member (`memberRef`), not in a
 * store's: a member orders in every store, and a store's partition should not
 * carry every card that ever ordered there.
 */
import { defineActor, type ActorRef } from '@lunchrush/engine';
import { ActorTypes, parseCommand } from '../domain.js';
import { MemberCommandSchema, type ParsedMemberCommand } from './commands.js';
import { decideMember, type MemberResult } from './decide.js';
import { evolveMember, initialMember, type MemberEvent, type MemberState } from './state.js';

/**
 * The partition key of a member's card: the engine hashes an actor's `store` to its partition, so a
 * member's own key spreads cards over every partition. `m-` never meets a store's 3-digit id.
 */
export const memberPartitionKey = (memberId: string): string => `m-${memberId}`;
export const memberRef = (memberId: string): ActorRef => ({
  store: memberPartitionKey(memberId),
  type: ActorTypes.Member,
  id: memberId,
});

export const memberActor = defineActor<MemberState, ParsedMemberCommand, MemberEvent, MemberResult>({
  name: ActorTypes.Member,
  initial: (ref) => initialMember(ref.id),
  parse: (command) => parseCommand(MemberCommandSchema, command),
  decide: (s, c) => decideMember(s, c),
  evolve: evolveMember,
});

export { MemberCommandSchema, MemberIdSchema, ReleaseReasonSchema } from './commands.js';
export type { MemberCommand, ParsedMemberCommand, ReleaseReason } from './commands.js';
export { decideMember, memberView } from './decide.js';
export type { MemberCouponView, MemberResult, MemberView } from './decide.js';
export { evolveMember, initialMember, livePoints, balanceOf } from './state.js';
export type {
  CouponStatus,
  EarnReason,
  HeldCoupon,
  HoldTaken,
  MemberEvent,
  MemberHold,
  MemberState,
  PointsLot,
  SettledOrder,
} from './state.js';
export { DEFAULT_MEMBER_PROGRAM, MemberProgramSchema, levelFor, orderPoints, topUpBonus } from './program.js';
export type { MemberProgram, MemberProgramInput } from './program.js';
