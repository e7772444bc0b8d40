/**
 * End to end through a real engine process: the demo store is loaded, an order
 * is placed, paid and accepted through EngineClient; the engine publishes one
 * kitchen ticket per station to `<NS>_KITCHEN`; the daemon prints each on its
 * station's virtual printer. A refund in the kitchen then prints void tickets.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient } from '@lunchrush/engine';
import { type OrderSummary } from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';
import { setup, spawnTs, waitFor, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import { PrinterDaemon, VirtualPrinter } from '@lunchrush/printer-daemon';
import { printed, printerAt, putStoreConfig, startDaemon } from './helpers.js';

const P = 8;
const STORE = '001';
const STAFF = { role: 'staff', id: 'chef-1' } as const;

let t: TestContext;
let engine: ChildProcessHandle;
let client: EngineClient;
let daemon: PrinterDaemon | undefined;
const printers: Record<string, VirtualPrinter> = {};

beforeAll(async () => {
  t = await setup();
  engine = spawnTs('engine/src/main.ts', {
    env: {
      ENGINE_ACTORS: '@lunchrush/actors',
      ENGINE_NAMESPACE: t.ns,
      ENGINE_PARTITIONS: String(P),
      ENGINE_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  await engine.waitForLine(/ENGINE READY/, 30_000);
  client = new EngineClient(t.nc, { namespace: t.ns, partitions: P, defaultTimeoutMs: 30_000 });
  for (const c of demoSetupCommands(generateDemoData({ stores: 1 }), Date.now())) {
    await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id, timeout: 30_000 });
  }
  for (const station of ['wok', 'cold', 'other']) printers[station] = await VirtualPrinter.start({ name: station });
});

afterAll(async () => {
  await daemon?.stop();
  await client.close();
  engine.kill('SIGKILL');
  await engine.exited;
  await Promise.all(Object.values(printers).map((p) => p.stop()));
  await t.cleanup();
});

describe('through the engine', () => {
  it('place → pay → accept prints one ticket per station; a refund in the kitchen prints void tickets', async () => {
    await putStoreConfig(t.nc, t.ns, {
      store: STORE,
      name: '湘川小馆',
      printers: { wok: printerAt(printers.wok!), cold: printerAt(printers.cold!), other: printerAt(printers.other!) },
      stations: { wok: { printer: 'wok', label: '热菜' }, cold: { printer: 'cold', label: '凉菜' } },
      defaultRoute: { printer: 'other' },
    });
    daemon = await startDaemon(t, { store: STORE, consumer: 'pd-e2e' });

    const orderId = 'o_e2e1';
    const at = Date.now();
    const placed = await client.send<OrderSummary>(STORE, 'order', orderId, {
      type: 'place',
      channel: 'takeaway',
      dinerId: 'd1',
      lines: [
        { skuId: 'gongbao-jiding', qty: 2, options: [{ group: 'spice', choice: 'none' }], note: '多放花生' },
        { skuId: 'pai-huanggua', qty: 1 },
        { skuId: 'mifan-l', qty: 2 },
      ],
      at,
    });
    await client.send(STORE, 'order', orderId, {
      type: 'confirmPayment',
      paymentId: 'wx-e2e1',
      amountFen: placed.totalFen,
      paidAt: Date.now(),
      at: Date.now(),
    });
    await client.send(STORE, 'order', orderId, { type: 'accept', by: STAFF, at: Date.now() });

    await waitFor(
      () =>
        printed(printers.wok!).length === 1 &&
        printed(printers.cold!).length === 1 &&
        printed(printers.other!).length === 1,
      {
        what: 'a ticket at each station',
        timeoutMs: 20_000,
      },
    );
    const wok = printed(printers.wok!)[0]!;
    expect(wok.ticketId).toBe(`ticket:${orderId}:wok:v1`);
    expect(wok.text).toContain('新单 NEW');
    expect(wok.text).toContain('热菜 wok');
    expect(wok.text).toContain('取餐号 e2e1');
    expect(wok.text).toMatch(/宫保鸡丁\s+x2/);
    expect(wok.text).toContain('  + 不辣');
    expect(wok.text).toContain('备注: 多放花生');
    expect(wok.text).toContain(`[QR ${orderId}]`);
    expect(printed(printers.cold!)[0]?.text).toMatch(/拍黄瓜\s+x1/);
    // `mifan` is on the staple station, which has no route of its own: the default printer.
    expect(printed(printers.other!)[0]?.ticketId).toBe(`ticket:${orderId}:staple:v1`);

    await client.send(STORE, 'order', orderId, {
      type: 'requestRefund',
      refundId: 'r1',
      reason: '客人取消',
      by: STAFF,
      at: Date.now(),
    });
    await waitFor(() => printed(printers.wok!).length === 2 && printed(printers.cold!).length === 2, {
      what: 'void tickets',
      timeoutMs: 20_000,
    });
    const voided = printed(printers.wok!)[1]!;
    expect(voided.ticketId).toBe(`void:${orderId}:wok:r1`);
    expect(voided.text).toContain('退菜 VOID 取消');
    expect(voided.text).toContain('退款 REFUND r1');
    expect(voided.text).toMatch(/宫保鸡丁\s+x-2/);
  });
});
