/**
 * A store's table list is the store actor's; a list the gateway kept in Redis before that is
 * moved into the store on the first read (real engine, NATS and Redis).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine, EngineClient } from '@lunchrush/engine';
import { makeTableCode, outputStreams, restaurantActors, storeOf, tableId, tableOf } from '@lunchrush/actors';
import { natsUrl, setup, type TestContext } from '@lunchrush/testkit';
import { StoreTables, legacyTablesKey } from '../src/store-tables.js';

const PARTITIONS = 2;
const STORE = '007';
const table = (n: number, store = STORE): string => tableId(makeTableCode(store, 1, n));

let t: TestContext;
let engine: Engine;
let client: EngineClient;
const prefix = (): string => `${t.ns}:gw`;

beforeAll(async () => {
  t = await setup({ prefix: 'storetables', redis: true });
  engine = await Engine.start(restaurantActors, {
    outputStreams,
    env: {},
    config: { natsUrl: natsUrl(), namespace: t.ns, partitions: PARTITIONS, logLevel: 'warn' },
  });
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: PARTITIONS, defaultTimeoutMs: 30_000 });
  await storeOf(client, STORE).send({ type: 'configure', settings: { name: '迁移店' }, at: Date.now() });
}, 60_000);

afterAll(async () => {
  await client.close();
  await engine.stop();
  await t.cleanup();
});

describe("a store's tables", () => {
  it('are the tables set up in it, as the store lists them', async () => {
    const config = { label: 'A1', areaName: '大厅', seats: 4 };
    await tableOf(client, STORE, table(2)).send({ type: 'configure', config, at: Date.now() });
    await tableOf(client, STORE, table(1)).send({ type: 'configure', config, at: Date.now() });
    const view = await new StoreTables(client, t.redis!, prefix()).view(STORE);
    expect(view.tables).toEqual([table(1), table(2)]);
  });

  it("move once from the gateway's old Redis set into the store, which lists each once", async () => {
    const key = legacyTablesKey(prefix(), STORE);
    // As the gateway kept them: one table the store lists already, two it does not, one of another store.
    await t.redis!.sadd(key, table(1), table(9), table(5), table(3, '008'));
    const view = await new StoreTables(client, t.redis!, prefix()).view(STORE);
    expect(view.tables).toEqual([table(1), table(2), table(5), table(9)]);
    expect(await t.redis!.exists(key)).toBe(0);
    // What the store keeps, read by another process (no set left to move).
    const again = await new StoreTables(client, t.redis!, prefix()).view(STORE);
    expect(again.tables).toEqual([table(1), table(2), table(5), table(9)]);
    expect((await storeOf(client, STORE).send({ type: 'get' })).tables).toEqual(again.tables);
  });
});
