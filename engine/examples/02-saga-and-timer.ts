/**
 * Cross-actor calls (all or nothing, in one append) and durable timers, with the
 * demo `account` actor.
 *
 *   node --import tsx engine/examples/02-saga-and-timer.ts
 */
import { Engine, EngineClient } from '@lunchrush/engine';
import { demoActors } from '@lunchrush/engine/demo';

const namespace = `example${Date.now().toString(36)}`;
const engine = await Engine.start(demoActors, { config: { namespace, metricsPort: 0 } });
const client = await EngineClient.connect(process.env.NATS_URL, { namespace });

await client.send('001', 'account', 'alice', { op: 'deposit', amount: 500, tx: 'salary' });
// alice → bob: bob's deposit and alice's withdrawal are one atomic record.
console.log(await client.send('001', 'account', 'alice', { op: 'transfer', to: 'bob', amount: 200, tx: 'lunch' }));
// Refused: nothing of it is applied to bob either.
await client
  .send('001', 'account', 'alice', { op: 'transfer', to: 'bob', amount: 9999, tx: 'yacht' })
  .catch((e: Error) => console.log('refused:', e.message));
console.log('bob:', await client.send('001', 'account', 'bob', { op: 'get' }));

// A durable timer: survives restarts and takeovers, fires once.
const sub = client.nc.subscribe(`${namespace}.demo.reminders.>`, { max: 1 });
await client.send('001', 'account', 'alice', { op: 'remind', key: 'pay-rent', at: Date.now() + 500 });
for await (const m of sub) console.log('side output', m.subject, m.headers?.get('Nats-Msg-Id'));

await client.close();
await engine.stop();
