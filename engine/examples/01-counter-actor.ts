/**
 * The smallest complete use of the engine: define an actor, start an engine,
 * send it commands through EngineClient.
 *
 *   node --import tsx engine/examples/01-counter-actor.ts     (needs NATS with JetStream at NATS_URL)
 */
import { defineActor, Engine, EngineClient, reject } from '@lunchrush/engine';

type State = { n: number };
type Command = { op: 'add'; by: number } | { op: 'get' };
type Event = { t: 'added'; by: number };

const tally = defineActor<State, Command, Event, State>({
  name: 'tally',
  initial: () => ({ n: 0 }),
  decide(s, c) {
    if (c.op === 'get') return { result: s };
    if (!Number.isInteger(c.by)) return reject('bad_amount', 'by must be an integer', undefined, 'invalid');
    return { events: [{ t: 'added', by: c.by }], result: { n: s.n + c.by } };
  },
  evolve: (s, e) => ({ n: s.n + e.by }),
});

const namespace = `example${Date.now().toString(36)}`;
const engine = await Engine.start([tally], { config: { namespace, metricsPort: 0 } });
const client = await EngineClient.connect(process.env.NATS_URL, { namespace });

// Each reply arrives only after the event is stored in JetStream.
const replies = await Promise.all(
  Array.from({ length: 1000 }, () => client.send<State>('001', 'tally', 'lunch', { op: 'add', by: 1 })),
);
console.log('highest reply:', Math.max(...replies.map((r) => r.n)));
console.log('state:', await client.send('001', 'tally', 'lunch', { op: 'get' }));
await client
  .send('001', 'tally', 'lunch', { op: 'add', by: 0.5 })
  .catch((e: Error & { code?: string }) => console.log('refused:', e.code, e.message));

await client.close();
await engine.stop();
