import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MemoryRuntime, replay, type LogEntry } from '@lunchrush/engine';
import { account, counter } from '@lunchrush/engine/demo';

const ids = ['a', 'b', 'c'];
const command = fc.oneof(
  fc.record({ op: fc.constant('deposit'), amount: fc.integer({ min: 1, max: 100 }), tx: fc.uuid() }),
  fc.record({ op: fc.constant('withdraw'), amount: fc.integer({ min: 1, max: 150 }), tx: fc.uuid() }),
  fc.record({
    op: fc.constant('transfer'),
    to: fc.constantFrom(...ids),
    amount: fc.integer({ min: 1, max: 80 }),
    tx: fc.uuid(),
  }),
  fc.record({ op: fc.constant('remind'), key: fc.constantFrom('x', 'y'), at: fc.integer({ min: 0, max: 100 }) }),
);
const step = fc.record({
  id: fc.constantFrom(...ids),
  cmd: command,
  fireAt: fc.option(fc.integer({ min: 0, max: 100 })),
});

describe('replay', () => {
  it('snapshot at any point + replay of the later entries = full replay = live state', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.nat(), (steps, cut) => {
        const types = [account, counter];
        const rt = new MemoryRuntime(types);
        for (const s of steps) {
          rt.send({ store: '001', type: 'account', id: s.id }, s.cmd);
          if (s.fireAt !== null) rt.fireDueTimers(s.fireAt);
        }
        const log: LogEntry[] = rt.log;
        const full = replay(types, log);
        for (const id of ids) {
          const key = `account.001.${id}`;
          expect(full.get(key) ?? account.initial({ store: '001', type: 'account', id })).toEqual(
            rt.state({ store: '001', type: 'account', id }),
          );
        }
        // A snapshot is the state folded up to some entry; the rest is replayed on top.
        const at = log.length === 0 ? 0 : cut % (log.length + 1);
        const snapshot = replay(types, log.slice(0, at));
        // Snapshots go through the codec (msgpack) in the engine: round-trip them the same way.
        const restored = new Map([...snapshot].map(([k, v]) => [k, structuredClone(v)]));
        expect(replay(types, log.slice(at), restored)).toEqual(full);
      }),
      { numRuns: 300 },
    );
  });
});
