/**
 * The thread link (a node's gateway on worker threads, its engine on the main one): a client whose
 * `local` engine is a `LinkedEngine` hands commands for the partitions the engine at the other end
 * of the port hosts across the port, and sends the rest over NATS. The two ends share a thread here
 * (a `MessageChannel` works the same within one), which leaves the messages as they are between
 * threads. A spy subscribed to the command subjects sees what crossed NATS.
 */
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Engine, EngineClient, EngineError, LinkedEngine, partitionOf, serveThreadLink } from '@lunchrush/engine';
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
let linked: LinkedEngine;
let link: { close(): void };
let client: EngineClient;
let localStore: string;
let remoteStore: string;

function startEngine(id: string): Promise<Engine> {
  return Engine.start(demoActors, {
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
  const { port1, port2 } = new MessageChannel();
  link = serveThreadLink(here, port1);
  linked = new LinkedEngine(port2, { namespace: ns, partitions: P });
  await linked.ready();
  nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  client = new EngineClient(nc, { namespace: ns, partitions: P, local: linked });
});

afterAll(async () => {
  await client?.close();
  link?.close();
  linked?.close();
  await here?.stop();
  await there?.stop();
  await spy?.stop();
  await nc?.close();
});

/** Deposits, a repeat, a refusal with details, a read. */
async function conversation(store: string): Promise<unknown[]> {
  const send = (command: unknown, id?: string): Promise<unknown> =>
    client.send(store, 'account', 'alice', command, id === undefined ? {} : { id }).catch((e: unknown) => {
      const x = e as EngineError;
      return { code: x.code, reason: x.reason, message: x.message, details: x.details, retryable: x.retryable };
    });
  return [
    await send({ op: 'deposit', amount: 100, tx: 't1' }, `${store}-t1`),
    await send({ op: 'deposit', amount: 50, tx: 't2' }, `${store}-t2`),
    await send({ op: 'deposit', amount: 100, tx: 't1' }, `${store}-t1`),
    await send({ op: 'withdraw', amount: 1_000, tx: 't3' }),
    await send({ op: 'get' }),
  ];
}

describe('the thread link', () => {
  it('knows which partitions the engine at the other end hosts', () => {
    for (let p = 0; p < P; p++) expect(linked.hosts(p)).toBe(here.hosts(p));
  });

  it('a command for a partition of the engine across the port never crosses NATS, with the same answers as over NATS', async () => {
    const before = { ...client.routed };
    const local = await conversation(localStore);
    expect(client.routed.local - before.local).toBe(5);
    const remote = await conversation(remoteStore);
    await waitFor(() => spy.seen.filter((c) => c.startsWith(`${remoteStore}/`)).length >= 5, {
      what: 'the remote conversation seen on the command subjects',
    });
    expect(spy.seen.filter((c) => c.startsWith(`${localStore}/`))).toEqual([]);
    expect(local).toEqual(remote);
    expect(local).toEqual([
      { balance: 100 },
      { balance: 150 },
      // The repeat answers its first outcome.
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
    expect(linked.pending).toBe(0);
  });

  it('many commands of one turn cross in one message each way, every one answered', async () => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.send<{ balance: number }>(localStore, 'account', `many${i % 7}`, {
          op: 'deposit',
          amount: 1,
          tx: `m${i}`,
        }),
      ),
    );
    // Seven accounts, each deposit one unit: every account's balances are 1..n, each once.
    const byAccount = new Map<number, number[]>();
    answers.forEach((a, i) => byAccount.set(i % 7, [...(byAccount.get(i % 7) ?? []), a.balance]));
    for (const balances of byAccount.values())
      expect(balances.sort((a, b) => a - b)).toEqual(Array.from({ length: balances.length }, (_, j) => j + 1));
    expect([...byAccount.keys()].length).toBe(7);
    expect(linked.pending).toBe(0);
  });

  it('a partition that leaves the engine across the port is reached over NATS at its new owner', async () => {
    const p = partitionOf(localStore, P);
    await client.send(localStore, 'account', 'carol', { op: 'deposit', amount: 5, tx: 'c1' }, { id: 'carol-c1' });
    await here.stop();
    await waitFor(() => there.ownedPartitions().length === P, { what: 'the other engine owning every partition' });
    await waitFor(() => !linked.hosts(p), { what: 'the link told the partition left' });
    const routed = { ...client.routed };
    expect(
      await client.send(localStore, 'account', 'carol', { op: 'deposit', amount: 5, tx: 'c2' }, { id: 'carol-c2' }),
    ).toEqual({ balance: 10 });
    expect(client.routed.local).toBe(routed.local);
    await waitFor(() => spy.seen.includes(`${localStore}/account/carol`), { what: 'the command on NATS' });
  });
});
