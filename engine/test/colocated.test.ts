/**
 * Co-located partitions: a client given the engine of its own process (`local`) hands commands
 * for the partitions that engine hosts straight to them, and sends the rest over NATS to their
 * owner. A spy subscribed to the command subjects sees what crossed NATS.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { decode, defineActor, encode, Engine, EngineClient, EngineError, reject } from '@lunchrush/engine';
import { wireCopy } from '../src/client.js';
import { demoActors } from '@lunchrush/engine/demo';
import { testLogger } from '@lunchrush/testkit';
import { spyOnCommands, storeIn, waitFor, type CommandSpy } from './support.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const P = 4;
const ns = `t${Math.random().toString(36).slice(2, 10)}`;

let here: Engine;
let there: Engine;
let nc: NatsConnection;
let spy: CommandSpy;
let client: EngineClient;
let localStore: string;
let remoteStore: string;

/** An actor whose `parse` fills in a default (`times`): what a command sent as parsed must already hold. */
interface Greet {
  name: string;
  times: number;
}
const greeter = defineActor<{ n: number }, Greet, { t: 'greeted' }, string>({
  name: 'greeter',
  initial: () => ({ n: 0 }),
  parse: (c) => {
    const x = c as Partial<Greet>;
    if (typeof x.name !== 'string') return { ok: false, rejection: reject('invalid', 'name must be a string') };
    return { ok: true, value: { name: x.name, times: x.times ?? 1 } };
  },
  decide: (_s, c) => ({ events: [{ t: 'greeted' }], result: `${c.name} ×${c.times}` }),
  evolve: (s) => ({ n: s.n + 1 }),
});

/** Refuses every command, with details that hold `undefined` in an object, an array and a nested object. */
const picky = defineActor<{ n: number }, unknown, never, never>({
  name: 'picky',
  initial: () => ({ n: 0 }),
  decide: () =>
    reject('too_picky', 'no', { missing: undefined, list: [1, undefined, { deep: undefined, s: 'x' }], n: 0 }),
  evolve: (s) => s,
});

function startEngine(id: string): Promise<Engine> {
  return Engine.start([...demoActors, greeter, picky], {
    env: {},
    config: { natsUrl: NATS_URL, namespace: ns, partitions: P, processId: id, leaseTtlMs: 1500 },
    logger: testLogger(id),
  });
}

beforeAll(async () => {
  spy = await spyOnCommands(NATS_URL, ns);
  here = await startEngine('here');
  there = await startEngine('there');
  await waitFor(() => here.ownedPartitions().length === P / 2 && there.ownedPartitions().length === P / 2, {
    what: 'the partitions shared by the two engines',
  });
  localStore = storeIn(here.ownedPartitions(), 'near', P);
  remoteStore = storeIn(there.ownedPartitions(), 'far', P);
  nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  client = new EngineClient(nc, { namespace: ns, partitions: P, local: here });
});

afterAll(async () => {
  await client.close();
  await here.stop();
  await there.stop();
  await spy.stop();
  await nc.close();
});

/** The same conversation with one account: deposits, a repeat, a refusal with details, a read. */
async function conversation(store: string): Promise<unknown[]> {
  const answers: unknown[] = [];
  const send = (command: unknown, id?: string): Promise<unknown> =>
    client.send(store, 'account', 'alice', command, id === undefined ? {} : { id });
  answers.push(await send({ op: 'deposit', amount: 100, tx: 't1' }, `${store}-t1`));
  answers.push(await send({ op: 'deposit', amount: 50, tx: 't2' }, `${store}-t2`));
  // A repeat of the first command's id answers its first outcome, not the balance now.
  answers.push(await send({ op: 'deposit', amount: 100, tx: 't1' }, `${store}-t1`));
  answers.push(
    await send({ op: 'withdraw', amount: 1_000, tx: 't3' }).catch((e: unknown) => {
      const x = e as EngineError;
      return { code: x.code, reason: x.reason, message: x.message, details: x.details, retryable: x.retryable };
    }),
  );
  answers.push(await send({ op: 'get' }));
  return answers;
}

describe('co-located partitions', () => {
  it('a command for a partition of this process never crosses NATS, one for another process does, with the same answers', async () => {
    const before = { ...client.routed };
    const local = await conversation(localStore);
    expect(client.routed.local - before.local).toBe(5);
    const remote = await conversation(remoteStore);
    expect(client.routed.remote - before.remote).toBeGreaterThanOrEqual(5);
    // NATS keeps one connection's order: the remote requests reaching the spy means any request
    // the local conversation had sent, earlier on the same connection, has reached it too.
    await waitFor(() => spy.seen.filter((c) => c.startsWith(`${remoteStore}/`)).length >= 5, {
      what: 'the remote conversation seen on the command subjects',
    });
    expect(spy.seen.filter((c) => c.startsWith(`${localStore}/`))).toEqual([]);
    expect(local).toEqual(remote);
    expect(local).toEqual([
      { balance: 100 },
      { balance: 150 },
      { balance: 100 },
      {
        code: 'rejected',
        reason: 'insufficient_funds',
        message: 'balance 150 < 1000',
        details: { balance: 150 },
        retryable: false,
      },
      { balance: 150, transactions: 2, history: ['t1', 't2'], fired: [] },
    ]);
  });

  it('a result handed over in process is shared, not copied: under test it is frozen, and changing it changes no actor', async () => {
    const read = await client.send<{ history: string[] }>(localStore, 'account', 'bob', { op: 'get' });
    // The read is the actor's state itself (no copy on the order path): a caller that tried to
    // change it would change the actor, so under test it fails at once.
    expect(Object.isFrozen(read.history)).toBe(true);
    expect(() => read.history.push('forged')).toThrow(TypeError);
    const placed = await client.send<{ balance: number }>(
      localStore,
      'account',
      'bob',
      { op: 'deposit', amount: 7, tx: 'b1' },
      { id: 'bob-b1' },
    );
    // A first answer of a command with an id is shared as the decider made it too (its bytes went to
    // the id window and the record): frozen under test, and the window keeps the bytes, not the value.
    expect(Object.isFrozen(placed)).toBe(true);
    expect(() => {
      placed.balance = 1_000_000;
    }).toThrow(TypeError);
    expect(await client.send(localStore, 'account', 'bob', { op: 'get' })).toEqual({
      balance: 7,
      transactions: 1,
      history: ['b1'],
      fired: [],
    });
    expect(
      await client.send(localStore, 'account', 'bob', { op: 'deposit', amount: 7, tx: 'b1' }, { id: 'bob-b1' }),
    ).toEqual({ balance: 7 });
  });

  it('a command sent as parsed is decided as it is in process, checked under test, and parsed again in another process', async () => {
    const routed = client.routed.local;
    const greet = (store: string, command: unknown, parsed: boolean) =>
      client.send<string>(store, 'greeter', 'g', command, { parsed }).catch((e: unknown) => (e as EngineError).message);
    // In its parse's form: decided as it is, the same answer as the same command parsed.
    expect(await greet(localStore, { name: 'li', times: 2 }, true)).toBe('li ×2');
    expect(await greet(localStore, { name: 'li' }, false)).toBe('li ×1');
    // Without the default its parse fills in: under test the engine parses it anyway and refuses it.
    expect(await greet(localStore, { name: 'li' }, true)).toMatch(
      /sent as parsed, but greeter's parse refuses or changes it/,
    );
    expect(client.routed.local - routed).toBe(3);
    // The mark does not cross NATS: the owner there parses the command as always.
    expect(await greet(remoteStore, { name: 'wang' }, true)).toBe('wang ×1');
  });

  it('a partition that leaves this process is reached over NATS at its new owner', async () => {
    await client.send(localStore, 'account', 'carol', { op: 'deposit', amount: 5, tx: 'c1' }, { id: 'carol-c1' });
    await here.stop();
    await waitFor(() => there.ownedPartitions().length === P, { what: 'the other engine owning every partition' });
    const routed = { ...client.routed };
    expect(
      await client.send(localStore, 'account', 'carol', { op: 'deposit', amount: 5, tx: 'c2' }, { id: 'carol-c2' }),
    ).toEqual({ balance: 10 });
    expect(client.routed.local).toBe(routed.local);
    await waitFor(() => spy.seen.includes(`${localStore}/account/carol`), { what: 'the command on NATS' });
  });
});

describe('a refusal handed over in process', () => {
  it('a refusal reads the same from a partition here as over NATS, undefined details as null', async () => {
    const refusal = (store: string) =>
      client.send(store, 'picky', 'p1', { any: 1 }).then(
        () => undefined,
        (e: unknown) => {
          const x = e as EngineError;
          return { code: x.code, reason: x.reason, message: x.message, details: x.details };
        },
      );
    const local = await refusal(localStore);
    const remote = await refusal(remoteStore);
    expect(local).toStrictEqual(remote);
    expect(local).toStrictEqual({
      code: 'rejected',
      reason: 'too_picky',
      message: 'no',
      details: { missing: null, list: [1, null, { deep: null, s: 'x' }], n: 0 },
    });
  });

  it('wireCopy makes of plain values what the codec makes of them, and a new copy', () => {
    const plain = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(undefined),
        fc.constant(null),
        fc.boolean(),
        fc.integer(),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)),
        fc.string(),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.sparseArray(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 4 }),
        fc.date({ noInvalidDate: true }),
      ),
    })).value;
    fc.assert(
      fc.property(plain, (v) => {
        const copy = wireCopy(v);
        expect(copy).toStrictEqual(decode(encode(v)));
        if (v !== null && typeof v === 'object') expect(copy).not.toBe(v);
      }),
      { numRuns: 2000 },
    );
  });
});
