/**
 * The engine's promises under real failure: engine processes are children of
 * the test and are killed with SIGKILL for real (pauses and takeovers: ownership.test.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { EngineClient, EngineError, MemoryRuntime } from '@lunchrush/engine';
import { account, counter, demoOutputStreams, type AccountState } from '@lunchrush/engine/demo';
import { names } from '@lunchrush/engine/names';
import {
  ACCOUNTS,
  P,
  allOwnedBy,
  depositLoad,
  engine,
  expectExactlyOnce,
  freshNamespace,
  historyOf,
  nc,
  useEngineChildren,
} from './crash-support.js';
import { waitFor } from './support.js';

useEngineChildren();

describe('crash safety (SIGKILL): acknowledged commands and side outputs', () => {
  for (const mode of ['restart', 'takeover'] as const) {
    it(`every acknowledged command survives SIGKILL, none applied twice (${mode})`, async () => {
      const ns = freshNamespace();
      const first = await engine(ns, 'e1');
      const standby = mode === 'takeover' ? await engine(ns, 'e2') : undefined;
      await allOwnedBy(ns, standby ? ['e1', 'e2'] : ['e1']);
      const client = new EngineClient(nc, { namespace: ns, partitions: P });
      const load = depositLoad(client, ACCOUNTS, 64, { retry: true, timeout: 30_000 });
      await waitFor(() => load.acked.length >= 500, { what: '500 acknowledged deposits' });
      first.kill('SIGKILL');
      await first.exited;
      const ackedAtKill = load.acked.length;
      if (mode === 'restart') await engine(ns, 'e1b');
      await waitFor(() => load.acked.length >= ackedAtKill + 500, { what: 'service to resume', timeoutMs: 30_000 });
      await load.stop();
      // With retries and ids, every command ends acknowledged: none lost, none doubled.
      expect(load.failed).toEqual([]);
      const histories = new Map<string, string[]>();
      for (const [store, id] of ACCOUNTS) histories.set(`${store}/${id}`, await historyOf(client, store, id));
      expectExactlyOnce(histories, load.acked);
      const total = [...histories.values()].reduce((n, h) => n + h.length, 0);
      expect(total).toBe(load.sent());
    });
  }

  it('durable side outputs survive SIGKILL: one message per acknowledged command, de-duplicated by id', async () => {
    const ns = freshNamespace();
    const e1 = await engine(ns, 'e1');
    await allOwnedBy(ns, ['e1']);
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    const acked: string[] = [];
    let n = 0;
    let stop = false;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const tx = `n${n++}`;
        await client.send(
          's1',
          'account',
          `l${n % 4}`,
          { op: 'deposit', amount: 1, tx, notify: true },
          { id: tx, timeout: 30_000 },
        );
        acked.push(tx);
      }
    };
    const workers = Promise.all(Array.from({ length: 16 }, worker));
    await waitFor(() => acked.length >= 300, { what: '300 deposits' });
    e1.kill('SIGKILL');
    await e1.exited;
    await engine(ns, 'e2');
    await waitFor(() => acked.length >= 600, { what: 'service to resume', timeoutMs: 30_000 });
    stop = true;
    await workers;
    // Read the ledger stream: every acknowledged deposit's output is there, once.
    const stream = names(ns).outputStream(demoOutputStreams[0]!.name);
    const jsm = await jetstreamManager(nc);
    const total = await waitFor(
      async () => {
        const info = await jsm.streams.info(stream);
        return info.state.messages >= acked.length ? info.state.messages : undefined;
      },
      { what: 'every output published', timeoutMs: 30_000 },
    );
    const consumer = await jetstream(nc).consumers.get(stream, { deliver_policy: DeliverPolicy.All });
    const seen = new Map<string, number>();
    const it = await consumer.consume();
    let read = 0;
    for await (const m of it) {
      const id = m.headers?.get('Nats-Msg-Id') ?? '';
      seen.set(id, (seen.get(id) ?? 0) + 1);
      if (++read >= total) break;
    }
    await it.close();
    for (const tx of acked) expect(seen.has(`ledger:l${(Number(tx.slice(1)) + 1) % 4}:${tx}`), tx).toBe(true);
    expect([...seen.values()].every((c) => c === 1)).toBe(true);
    expect(total).toBe(acked.length);
  });
});

describe('crash safety (SIGKILL): timers and repeated ids', () => {
  it('timers survive a restart and fire exactly once', async () => {
    const ns = freshNamespace();
    const e1 = await engine(ns, 'e1');
    await allOwnedBy(ns, ['e1']);
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    const base = Date.now();
    // Spread over 3 s: some fire before the kill, some while no engine runs, some after.
    const timers = Array.from({ length: 30 }, (_, i) => ({
      store: `s${i % 6}`,
      id: `a${i % 10}`,
      key: `k${i}`,
      at: base + 300 + i * 100,
    }));
    await Promise.all(timers.map((t) => client.send(t.store, 'account', t.id, { op: 'remind', key: t.key, at: t.at })));
    await waitFor(() => Date.now() > base + 1200);
    e1.kill('SIGKILL');
    await e1.exited;
    await engine(ns, 'e2');
    const byActor = new Map<string, string[]>();
    for (const t of timers) byActor.set(`${t.store}/${t.id}`, [...(byActor.get(`${t.store}/${t.id}`) ?? []), t.key]);
    await waitFor(
      async () => {
        for (const [k, keys] of byActor) {
          const [store, id] = k.split('/') as [string, string];
          const s = await client.send<{ fired: string[] }>(store, 'account', id, { op: 'get' });
          if (s.fired.length < keys.length) return false;
        }
        return true;
      },
      { what: 'every timer to fire', timeoutMs: 30_000, intervalMs: 200 },
    );
    // A double firing would come from a timer still pending after the restart. Every timer above is
    // due before a reminder set now on each store, and a partition fires its due timers in time
    // order: once each store's reminder has fired, any second firing has been applied too.
    const stores = [...new Set(timers.map((t) => t.store))];
    const laterAt = Date.now() + 100;
    await Promise.all(
      stores.map((store) => client.send(store, 'account', 'later', { op: 'remind', key: 'later', at: laterAt })),
    );
    await waitFor(
      async () => {
        for (const store of stores) {
          const s = await client.send<{ fired: string[] }>(store, 'account', 'later', { op: 'get' });
          if (!s.fired.includes('later')) return false;
        }
        return true;
      },
      { what: 'a later timer to fire on every store', timeoutMs: 30_000, intervalMs: 100 },
    );
    for (const [k, keys] of byActor) {
      const [store, id] = k.split('/') as [string, string];
      const s = await client.send<{ fired: string[] }>(store, 'account', id, { op: 'get' });
      expect([...s.fired].sort()).toEqual([...keys].sort());
    }
  });

  it('a repeated command id after a restart returns the first outcome', async () => {
    const ns = freshNamespace();
    const e1 = await engine(ns, 'e1');
    await allOwnedBy(ns, ['e1']);
    const client = new EngineClient(nc, { namespace: ns, partitions: P });
    const first: unknown[] = [];
    for (let i = 0; i < 30; i++)
      first.push(
        await client.send('s1', 'account', 'idem', { op: 'deposit', amount: i + 1, tx: `d${i}` }, { id: `dep-${i}` }),
      );
    e1.kill('SIGKILL');
    await e1.exited;
    await engine(ns, 'e2');
    // Ids from before the last snapshot come back from the snapshot, later ones from the replay.
    for (let i = 0; i < 30; i++) {
      expect(
        await client.send(
          's1',
          'account',
          'idem',
          { op: 'deposit', amount: i + 1, tx: `d${i}` },
          { id: `dep-${i}`, timeout: 20_000 },
        ),
      ).toEqual(first[i]);
    }
    expect(await historyOf(client, 's1', 'idem')).toHaveLength(30);
  });
});

describe('crash safety (SIGKILL): snapshot + replay', () => {
  it('after SIGKILL, snapshot + replay rebuilds exactly the state a model computes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            id: fc.constantFrom('a', 'b', 'c'),
            cmd: fc.oneof(
              fc.record({
                op: fc.constant('deposit' as const),
                amount: fc.integer({ min: 1, max: 50 }),
                tx: fc.uuid(),
              }),
              fc.record({
                op: fc.constant('withdraw' as const),
                amount: fc.integer({ min: 1, max: 80 }),
                tx: fc.uuid(),
              }),
              fc.record({
                op: fc.constant('transfer' as const),
                to: fc.constantFrom('a', 'b', 'c'),
                amount: fc.integer({ min: 1, max: 40 }),
                tx: fc.uuid(),
              }),
            ),
          }),
          { minLength: 5, maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 10 }),
        async (steps, snapshotEvery) => {
          const ns = freshNamespace();
          const e1 = await engine(ns, 'e1', { ENGINE_SNAPSHOT_EVERY_EVENTS: String(snapshotEvery) });
          await allOwnedBy(ns, ['e1']);
          const client = new EngineClient(nc, { namespace: ns, partitions: P });
          const model = new MemoryRuntime([account, counter]);
          for (const s of steps) {
            const ref = { store: 'm1', type: 'account', id: s.id };
            const want = model.send(ref, s.cmd);
            const got = await client.send('m1', 'account', s.id, s.cmd).then(
              (r) => ({ ok: true, r }),
              (e: EngineError) => ({ ok: false, r: e.reason }),
            );
            expect(got).toEqual(want.ok ? { ok: true, r: want.result } : { ok: false, r: want.reason });
          }
          e1.kill('SIGKILL');
          await e1.exited;
          await engine(ns, 'e2');
          for (const id of ['a', 'b', 'c']) {
            const s = await client.send<{ balance: number; history: string[] }>(
              'm1',
              'account',
              id,
              { op: 'get' },
              { timeout: 20_000 },
            );
            const m = model.state<AccountState>({ store: 'm1', type: 'account', id });
            expect({ balance: s.balance, history: s.history }).toEqual({ balance: m.balance, history: m.history });
          }
        },
      ),
      { numRuns: 3 },
    );
  });
});
