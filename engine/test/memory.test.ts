import { describe, expect, it } from 'vitest';
import { MemoryRuntime, defineActor, reject } from '@lunchrush/engine';
import { account, counter, type AccountState } from '@lunchrush/engine/demo';

const alice = { store: '001', type: 'account', id: 'alice' };
const bob = { store: '001', type: 'account', id: 'bob' };

/** Parses commands from outside (a default quantity); `via` hands a command on to another tally. */
const tally = defineActor<{ n: number }, { qty: number; via?: { id: string; command: unknown } }, { qty: number }>({
  name: 'tally',
  initial: () => ({ n: 0 }),
  parse: (c) => {
    const x = c as { qty?: unknown; via?: { id: string; command: unknown } };
    if (x.qty !== undefined && typeof x.qty !== 'number')
      return { ok: false, rejection: reject('bad_qty', 'qty must be a number', undefined, 'invalid') };
    return { ok: true, value: x.via === undefined ? { qty: x.qty ?? 1 } : { qty: x.qty ?? 1, via: x.via } };
  },
  decide(s, c, ctx) {
    if (c.via !== undefined) {
      const r = ctx.call('tally', c.via.id, c.via.command);
      if (!r.ok) return reject(r.code, r.message);
    }
    return { events: [{ qty: c.qty }], result: { n: s.n + c.qty } };
  },
  evolve: (s, e) => ({ n: s.n + e.qty }),
});

describe('decision semantics (in memory, no servers)', () => {
  it("commands from outside go through the type's parse; a call whose command parse would refuse or change throws", () => {
    const rt = new MemoryRuntime([tally]);
    const t = { store: '001', type: 'tally', id: 't' };
    expect(rt.send(t, {})).toEqual({ ok: true, result: { n: 1 } });
    expect(rt.send(t, { qty: 'x' })).toMatchObject({ ok: false, code: 'invalid', reason: 'bad_qty' });
    // A call the callee's parse takes as it is: decided without parsing, like the engine does.
    expect(rt.send(t, { qty: 2, via: { id: 'u', command: { qty: 5 } } })).toEqual({ ok: true, result: { n: 3 } });
    // The engine would hand these on unparsed: a test must fail on them.
    expect(() => rt.send(t, { via: { id: 'u', command: {} } })).toThrow(/parse changes/);
    expect(() => rt.send(t, { via: { id: 'u', command: { qty: 'x' } } })).toThrow(/parse refuses/);
    expect(new MemoryRuntime([tally], { checkCalls: false }).send(t, { via: { id: 'u', command: {} } })).toEqual({
      ok: true,
      result: { n: 1 },
    });
  });

  it('a cross-actor call commits both sides in one transaction', () => {
    const rt = new MemoryRuntime([account, counter]);
    expect(rt.send(alice, { op: 'deposit', amount: 500, tx: 't1' }).ok).toBe(true);
    const r = rt.send(alice, { op: 'transfer', to: 'bob', amount: 200, tx: 't2' });
    expect(r).toEqual({ ok: true, result: { balance: 300 } });
    expect(rt.state<AccountState>(alice).balance).toBe(300);
    expect(rt.state<AccountState>(bob).balance).toBe(200);
    // The callee's entry precedes the caller's: replay order per actor is what matters.
    expect(rt.log.map((e) => [e.a[2], e.ev?.length])).toEqual([
      ['alice', 1],
      ['bob', 1],
      ['alice', 1],
    ]);
  });

  it('a caller that rejects after calling leaves no trace of the callee', () => {
    const rt = new MemoryRuntime([account]);
    // alice has nothing: the transfer is refused, bob's deposit must not stand.
    const r = rt.send(alice, { op: 'transfer', to: 'bob', amount: 50, tx: 't1' });
    expect(r).toMatchObject({ ok: false, code: 'rejected', reason: 'insufficient_funds' });
    expect(rt.state<AccountState>(bob).balance).toBe(0);
    expect(rt.log).toHaveLength(0);
  });

  it('a repeated command id returns the first outcome and applies nothing twice', () => {
    const rt = new MemoryRuntime([account]);
    const first = rt.send(alice, { op: 'deposit', amount: 10, tx: 'a' }, { id: 'cmd-1' });
    rt.send(alice, { op: 'deposit', amount: 5, tx: 'b' }, { id: 'cmd-2' });
    const again = rt.send(alice, { op: 'deposit', amount: 10, tx: 'a' }, { id: 'cmd-1' });
    expect(again).toEqual(first);
    expect(rt.state<AccountState>(alice).history).toEqual(['a', 'b']);
  });

  it('rejections are typed: invalid input vs business refusal', () => {
    const rt = new MemoryRuntime([account]);
    expect(rt.send(alice, { op: 'deposit', amount: -1, tx: 'x' })).toMatchObject({
      ok: false,
      code: 'invalid',
      reason: 'bad_amount',
    });
    expect(rt.send(alice, { op: 'withdraw', amount: 1, tx: 'x' })).toMatchObject({
      ok: false,
      code: 'rejected',
      reason: 'insufficient_funds',
    });
  });

  it('timers fire once, in time order, and a fired timer is spent', () => {
    const rt = new MemoryRuntime([account]);
    rt.send(alice, { op: 'remind', key: 'late', at: 2000 });
    rt.send(alice, { op: 'remind', key: 'early', at: 1000 });
    expect(rt.fireDueTimers(999)).toBe(0);
    expect(rt.fireDueTimers(5000)).toBe(2);
    expect(rt.fireDueTimers(9000)).toBe(0);
    expect(rt.state<AccountState>(alice).fired).toEqual(['early', 'late']);
    expect(rt.outputs.map((o) => o.id)).toEqual(['reminder:alice:early', 'reminder:alice:late']);
  });

  it('a timer re-armed with the same key and time after firing fires again', () => {
    const rt = new MemoryRuntime([account]);
    rt.send(alice, { op: 'remind', key: 'k', at: 1000 });
    expect(rt.fireDueTimers(1000)).toBe(1);
    rt.send(alice, { op: 'remind', key: 'k', at: 1000 });
    expect(rt.fireDueTimers(1000)).toBe(1);
    expect(rt.timers()).toEqual([]);
    expect(rt.state<AccountState>(alice).fired).toEqual(['k', 'k']);
  });

  it('setting a timer again under the same key replaces it', () => {
    const rt = new MemoryRuntime([account]);
    rt.send(alice, { op: 'remind', key: 'k', at: 1000 });
    rt.send(alice, { op: 'remind', key: 'k', at: 3000 });
    expect(rt.fireDueTimers(2000)).toBe(0);
    expect(rt.fireDueTimers(3000)).toBe(1);
    expect(rt.state<AccountState>(alice).fired).toEqual(['k']);
  });
});
