/**
 * A caller's request id (`SendOptions.req`) through the engine: logged with its command at `debug`
 * by the engine that decided it, whether the command was handed over in process or came over NATS,
 * and carried in the `Lr-Req` header of every JetStream side output the command made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { pino } from 'pino';
import { decode, Engine, EngineClient, EngineError, partitionOf } from '@lunchrush/engine';
import { demoActors, demoOutputStreams } from '@lunchrush/engine/demo';
import { names, REQUEST_ID_HEADER } from '@lunchrush/engine/names';
import { cleanupNamespace } from '@lunchrush/testkit';
import { waitFor } from './support.js';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const P = 4;
const ns = `t${Math.random().toString(36).slice(2, 10)}`;

/** Every line each engine logged, parsed. */
const lines = new Map<string, Record<string, unknown>[]>();
let here: Engine;
let there: Engine;
let nc: NatsConnection;
let client: EngineClient;

function startEngine(id: string): Promise<Engine> {
  const out: Record<string, unknown>[] = [];
  lines.set(id, out);
  const logger = pino(
    { level: 'debug', base: { proc: id } },
    { write: (s: string) => void out.push(JSON.parse(s) as Record<string, unknown>) },
  );
  return Engine.start(demoActors, {
    env: {},
    config: { natsUrl: NATS_URL, namespace: ns, partitions: P, processId: id, leaseTtlMs: 1500 },
    outputStreams: demoOutputStreams,
    logger,
  });
}

function storeIn(parts: number[], tag: string): string {
  for (let i = 0; ; i++) if (parts.includes(partitionOf(`${tag}${i}`, P))) return `${tag}${i}`;
}

/** The ledger output of `account`'s deposit `tx`, as JetStream stored it. */
async function ledgerMessage(store: string, tx: string): Promise<JsMsg> {
  const js = jetstream(nc);
  const stream = names(ns).outputStream(demoOutputStreams[0]!.name);
  const consumer = await js.consumers.get(stream, { filter_subjects: names(ns).subject(`demo.ledger.${store}`) });
  return waitFor(
    async () => {
      const it = await consumer.fetch({ max_messages: 100, expires: 1_000 });
      for await (const m of it) {
        if (decode<{ tx: string }>(m.data).tx === tx) return m;
        if (m.info.pending === 0) break;
      }
      return undefined;
    },
    { what: `the ledger output of ${tx}` },
  );
}

beforeAll(async () => {
  here = await startEngine('here');
  there = await startEngine('there');
  await waitFor(() => here.ownedPartitions().length === P / 2 && there.ownedPartitions().length === P / 2, {
    what: 'the partitions shared by the two engines',
  });
  nc = await connect({ servers: NATS_URL, noAsyncTraces: true });
  client = new EngineClient(nc, { namespace: ns, partitions: P, local: here });
}, 30_000);

afterAll(async () => {
  await client?.close();
  await here?.stop();
  await there?.stop();
  await cleanupNamespace(nc, ns);
  await nc?.close();
});

describe('request ids', () => {
  it.each([
    ['handed to a partition in process', 'here', 'near'],
    ['sent over NATS to its owner', 'there', 'far'],
  ])('a command %s: its engine logs the request id, its side output carries it', async (_how, engine, tag) => {
    const owner = engine === 'here' ? here : there;
    const store = storeIn(owner.ownedPartitions(), tag);
    const req = `req-${tag}.7:x`;
    await client.send(store, 'account', 'a1', { op: 'deposit', amount: 5, tx: `t-${tag}`, notify: true }, { req });
    const line = (lines.get(engine) ?? []).find((l) => l.req === req);
    expect(line).toMatchObject({ msg: 'command', proc: engine, store, actor: 'account/a1', ok: true });
    // The other engine never saw it.
    expect((lines.get(engine === 'here' ? 'there' : 'here') ?? []).some((l) => l.req === req)).toBe(false);
    const m = await ledgerMessage(store, `t-${tag}`);
    expect(m.headers?.get(REQUEST_ID_HEADER)).toBe(req);
  });

  it('a refused command is logged with its request id and its code', async () => {
    const store = storeIn(there.ownedPartitions(), 'far');
    const req = 'req-refused';
    await expect(
      client.send(store, 'account', 'a2', { op: 'withdraw', amount: 9, tx: 't-r' }, { req }),
    ).rejects.toThrow(EngineError);
    expect((lines.get('there') ?? []).find((l) => l.req === req)).toMatchObject({
      msg: 'command',
      ok: false,
      code: 'rejected',
      reason: 'insufficient_funds',
    });
  });

  it('without a request id the output has no header; a request id that is not printable ASCII is refused', async () => {
    const store = storeIn(here.ownedPartitions(), 'near');
    await client.send(store, 'account', 'a3', { op: 'deposit', amount: 1, tx: 't-none', notify: true });
    expect((await ledgerMessage(store, 't-none')).headers?.get(REQUEST_ID_HEADER) ?? '').toBe('');
    for (const [bad, where] of [
      ['two words', here],
      ['line\r\nbreak', there],
    ] as const) {
      const s = storeIn(where.ownedPartitions(), 'x');
      const e = await client.send(s, 'counter', 'c', { op: 'add', by: 1 }, { req: bad }).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(EngineError);
      expect((e as EngineError).code).toBe('invalid');
    }
  });
});
