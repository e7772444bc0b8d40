/**
 * The chain's member-side lists: its coupon campaigns (listed once, read sorted) and its member
 * programme (the defaults until set, a change an event with who made it, a malformed one refused
 * naming the field), and the programme's reader (one read per TTL, a set one used at once).
 */
import { describe, expect, it } from 'vitest';
import { MemoryRuntime } from '@lunchrush/engine';
import type { ActorCommand } from '../src/handles.js';
import {
  DEFAULT_MEMBER_PROGRAM,
  ProgramReader,
  campaignDirectoryActor,
  campaignDirectoryOf,
  memberProgramActor,
  memberProgramOf,
  type MemberProgram,
} from '../src/members.js';
import { expectRejected, T0 } from './helpers.js';

function chain(): { rt: MemoryRuntime; reads: () => number; sender: { send<R>(...a: unknown[]): Promise<R> } } {
  const rt = new MemoryRuntime([campaignDirectoryActor, memberProgramActor]);
  let reads = 0;
  const sender = {
    send<R>(store: unknown, type: unknown, id: unknown, command: unknown): Promise<R> {
      if ((command as { type: string }).type === 'get') reads++;
      const out = rt.send<R>({ store: store as string, type: type as string, id: id as string }, command);
      return out.ok ? Promise.resolve(out.result) : Promise.reject(new Error(out.reason));
    },
  };
  return { rt, reads: () => reads, sender };
}

const richer: MemberProgram = {
  ...DEFAULT_MEMBER_PROGRAM,
  checkInPoints: 50,
  topUpBonuses: [{ minFen: 10_000, bonusFen: 2_000 }],
};

describe('the chain campaign directory', () => {
  it('lists a campaign once, sorted; a malformed id is refused', async () => {
    const { rt, sender } = chain();
    const dir = campaignDirectoryOf(sender);
    expect(await dir.send({ type: 'add', campaignId: 'lunch_b', at: T0 })).toEqual({ listed: true });
    expect(await dir.send({ type: 'add', campaignId: 'lunch_a', at: T0 })).toEqual({ listed: true });
    expect(await dir.send({ type: 'add', campaignId: 'lunch_b', at: T0 + 1 })).toEqual({ listed: false });
    expect(await dir.send({ type: 'list' })).toEqual({ campaignIds: ['lunch_a', 'lunch_b'] });
    expect(rt.log.flatMap((e) => e.ev ?? [])).toHaveLength(2);
    const bad = rt.send({ store: '000', type: 'campaign-directory', id: 'all' }, {
      type: 'add',
      campaignId: 'no-dash',
      at: T0,
    } satisfies ActorCommand);
    expectRejected(bad, 'invalid_command');
  });
});

describe('the chain member programme', () => {
  it('answers the defaults until set; a change is an event with who set it; the same again is none', async () => {
    const { rt, sender } = chain();
    const p = memberProgramOf(sender);
    expect(await p.send({ type: 'get' })).toMatchObject({
      isDefault: true,
      version: 0,
      program: DEFAULT_MEMBER_PROGRAM,
    });
    const set = await p.send({ type: 'set', program: richer, by: 'manager:zhang', at: T0 });
    expect(set).toMatchObject({ isDefault: false, version: 1, setBy: 'manager:zhang', setAt: T0 });
    expect(set.program.checkInPoints).toBe(50);
    expect((await p.send({ type: 'set', program: richer, by: 'manager:li', at: T0 + 1 })).version).toBe(1);
    expect(rt.log.flatMap((e) => e.ev ?? [])).toHaveLength(1);
  });

  it('a malformed programme is refused naming the field: an unknown key, no level at 0 spend', () => {
    const { rt } = chain();
    const ref = { store: '000', type: 'member-program', id: 'chain' };
    const unknown = expectRejected(
      rt.send(ref, { type: 'set', program: { ...richer, vip: 1 }, by: 'manager:zhang', at: T0 }),
      'invalid_command',
    );
    expect(unknown.message).toContain('vip');
    const levels = [{ level: 1, name: '银卡', minYearSpendFen: 100, earnBonusPct: 0 }];
    const noBase = expectRejected(
      rt.send(ref, { type: 'set', program: { ...richer, levels }, by: 'manager:zhang', at: T0 }),
      'invalid_command',
    );
    expect(noBase.message).toContain('one level must start at 0 spend');
  });

  it('the reader reads once per TTL (concurrent readers share it) and uses a programme it was told of at once', async () => {
    const { sender, reads } = chain();
    let now = T0;
    const reader = new ProgramReader(sender, 5_000, () => now);
    const [a, b] = await Promise.all([reader.get(), reader.get()]);
    expect([a, b, reads()]).toEqual([DEFAULT_MEMBER_PROGRAM, DEFAULT_MEMBER_PROGRAM, 1]);
    await memberProgramOf(sender as never).send({ type: 'set', program: richer, by: 'manager:zhang', at: T0 });
    now += 4_999;
    expect((await reader.get()).checkInPoints).toBe(DEFAULT_MEMBER_PROGRAM.checkInPoints);
    now += 1;
    expect((await reader.get()).checkInPoints).toBe(50);
    expect(reads()).toBe(2);
    reader.remember({ program: DEFAULT_MEMBER_PROGRAM, isDefault: true, setBy: null, setAt: null, version: 0 });
    expect((await reader.get()).checkInPoints).toBe(DEFAULT_MEMBER_PROGRAM.checkInPoints);
  });
});
