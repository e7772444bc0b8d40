/**
 * The ClickHouse-server path (`CLICKHOUSE_URL`: `createClient({ url, username, password, database })`
 * over HTTP) with the same schema, ingestion and views as the embedded path. No ClickHouse server
 * that runs this schema installs here (Debian's clickhouse-server is 18.16: it stops at the first
 * `CODEC(ZSTD(1))`), so the server is chDB in a process of its own behind the HTTP interface
 * (`chdb-http-server.ts`); the numbers must equal those of chDB in this process, fed the same
 * records from the same stream by a second durable consumer.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, spawnTs, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import {
  defaultConfig,
  Ingester,
  migrate,
  runView,
  VIEW_NAMES,
  Warehouse,
  type ViewParams,
} from '@lunchrush/analytics';
import { handDataset } from './dataset.js';
import { ingestConfig, publish, tempWarehouse } from './helpers.js';

let t: TestContext;
let server: ChildProcessHandle;
let serverDir: string;
let remote: Warehouse;
let local: Awaited<ReturnType<typeof tempWarehouse>>;
const ingesters: Ingester[] = [];
const records = handDataset();
const S1: ViewParams = { store: '001', from: '2026-11-02', to: '2026-11-03', limit: 20 };

beforeAll(async () => {
  t = await setup({ prefix: 'an' });
  serverDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lr-chdb-http-'));
  server = spawnTs('analytics/test/chdb-http-server.ts', { env: { CHDB_PATH: serverDir } });
  const port = (await server.waitForLine(/CHDB HTTP READY port=(\d+)/, 60_000))[1]!;
  remote = Warehouse.open({
    ...defaultConfig(),
    clickhouseUrl: `http://127.0.0.1:${port}`,
    clickhouseUser: 'default',
    clickhousePassword: '',
  });
  await migrate(remote);
  local = await tempWarehouse();
  await publish(t.nc, t.ns, records);
  for (const [wh, durable] of [
    [remote, 'analytics-server'],
    [local.wh, 'analytics-embedded'],
  ] as const) {
    const ingester = await Ingester.start({ nc: t.nc, warehouse: wh, config: ingestConfig(t.ns, { durable }) });
    ingesters.push(ingester);
    await ingester.until((s) => s.records >= records.length && s.lagMessages === 0);
  }
});

afterAll(async () => {
  for (const i of ingesters) await i.stop();
  await remote?.close();
  await local?.drop();
  await server?.stop();
  if (serverDir !== undefined) fs.rmSync(serverDir, { recursive: true, force: true });
  await t?.cleanup();
});

describe('analytics on the ClickHouse server path', () => {
  it('talks HTTP to a server, not to the embedded engine', () => {
    expect(remote.kind).toBe('server');
    expect(local.wh.kind).toBe('chdb');
  });

  it('holds every record once, as the embedded engine does', async () => {
    const count = 'SELECT count() AS n FROM events';
    const [r] = await remote.query<{ n: string | number }>(count);
    const [l] = await local.wh.query<{ n: string | number }>(count);
    expect(Number(r!.n)).toBeGreaterThan(0);
    expect(Number(r!.n)).toBe(Number(l!.n));
  });

  it('answers every view with the embedded engine’s numbers', async () => {
    let rows = 0;
    for (const name of VIEW_NAMES) {
      const r = await runView(remote, name, S1);
      expect(r, name).toEqual(await runView(local.wh, name, S1));
      rows += r.length;
    }
    // Equal because both are empty would prove nothing: the hand dataset fills the views.
    expect(rows).toBeGreaterThan(VIEW_NAMES.length);
  });
});
