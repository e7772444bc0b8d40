/**
 * The daemon on a real nats-server and virtual printers: every ticket printed
 * once and in order, acked, recorded; configuration changed at runtime; staff
 * reprint and status requests.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, waitFor, type TestContext } from '@lunchrush/testkit';
import {
  JobStore,
  PrinterDaemon,
  VirtualPrinter,
  namesOf,
  parseConfig,
  parseStoreConfig,
} from '@lunchrush/printer-daemon';
import { decode } from '@lunchrush/engine/codec';
import { jetstream } from '@nats-io/jetstream';
import {
  AlarmLog,
  createKitchenStream,
  expectOncePerTicketInOrder,
  printed,
  printerAt,
  publish,
  putStoreConfig,
  startDaemon,
  ticket,
} from './helpers.js';

let t: TestContext;
const printers: VirtualPrinter[] = [];
const daemons: PrinterDaemon[] = [];

beforeAll(async () => {
  t = await setup();
  await createKitchenStream(t.nc, t.ns);
});

afterAll(async () => {
  await Promise.all(daemons.map((d) => d.stop()));
  await Promise.all(printers.map((p) => p.stop()));
  await t.cleanup();
});

async function printer(widthMm: 58 | 80 = 80): Promise<VirtualPrinter> {
  const p = await VirtualPrinter.start({ widthMm });
  printers.push(p);
  return p;
}

describe('printing: every ticket once, in order', () => {
  it('prints every ticket once, in order per station, acks it and records it; routing changes at runtime', async () => {
    const store = '101';
    const a = await printer();
    const b = await printer(58);
    await putStoreConfig(t.nc, t.ns, {
      store,
      name: '湘川小馆·五一广场店',
      printers: { a: printerAt(a), b: printerAt(b) },
      stations: { wok: { printer: 'a', label: '热菜' }, cold: { printer: 'b', label: '凉菜', copies: 2 } },
    });
    const d = await startDaemon(t, { store, consumer: `pd-${store}` });
    daemons.push(d);

    const wok = Array.from({ length: 6 }, () => ticket('wok', {}, store));
    const cold = Array.from({ length: 3 }, () => ticket('cold', {}, store));
    for (let i = 0; i < 6; i++) {
      await publish(t.nc, t.ns, wok[i]!);
      if (i < 3) await publish(t.nc, t.ns, cold[i]!);
    }
    // The engine re-publishes side outputs after a restart: the stream de-duplicates by ticket id.
    await publish(t.nc, t.ns, wok[0]!);

    await waitFor(() => printed(a).length === 6 && printed(b).length === 6, { what: 'all tickets printed' });
    expect(
      expectOncePerTicketInOrder(
        printed(a),
        wok.map((x) => x.ticketId),
      ),
    ).toEqual([]);
    // Two copies per cold ticket, each its own cut: 第 1/2 联, 第 2/2 联.
    expect(printed(b).map((p) => p.ticketId)).toEqual(cold.flatMap((x) => [x.ticketId, x.ticketId]));
    expect(printed(b).map((p) => /第 (\d)\/2 联/.exec(p.text)?.[1])).toEqual(['1', '2', '1', '2', '1', '2']);
    expect(printed(a)[0]?.text).toContain('热菜 wok');
    expect(printed(a)[0]?.text).toContain('湘川小馆·五一广场店');

    const jsm = await jetstreamManager(t.nc);
    await waitFor(async () => (await jsm.consumers.info(namesOf(t.ns).stream, `pd-${store}`)).num_ack_pending === 0, {
      what: 'every ticket acked',
    });
    const jobs = await JobStore.open(jetstream(t.nc), namesOf(t.ns).jobBucket, 3_600_000, 1);
    const records = await jobs.all(store);
    expect(records.length).toBe(9);
    expect(records.every((r) => r.state === 'printed' && r.attempts === 1 && !r.reprinted)).toBe(true);

    // Staff move the wok station to printer b: the next wok tickets print there.
    await putStoreConfig(t.nc, t.ns, {
      store,
      printers: { a: printerAt(a), b: printerAt(b) },
      stations: { wok: { printer: 'b' }, cold: { printer: 'b' } },
    });
    await waitFor(() => d.status(store).stations.find((x) => x.station === 'wok')?.printer === 'b', {
      what: 'the daemon applying the change',
    });
    const moved = ticket('wok', {}, store);
    await publish(t.nc, t.ns, moved);
    await waitFor(() => printed(b).length === 7, { what: 'the moved ticket printed' });
    expect(printed(a).length).toBe(6);
    expect(printed(b).at(-1)?.ticketId).toBe(moved.ticketId);
  });
});

describe('printing: reprints, status and a bad configuration', () => {
  it('reprints on demand under a REPRINT banner, answers status requests, refuses unknown tickets', async () => {
    const store = '102';
    const a = await printer();
    await putStoreConfig(t.nc, t.ns, { store, printers: { a: printerAt(a) }, stations: { wok: { printer: 'a' } } });
    const d = await startDaemon(t, { store, consumer: `pd-${store}` });
    daemons.push(d);
    const first = ticket('wok', {}, store);
    await publish(t.nc, t.ns, first);
    await waitFor(() => printed(a).length === 1, { what: 'the ticket printed' });
    const { jobBucket } = namesOf(t.ns);
    const jobs = await JobStore.open(jetstream(t.nc), jobBucket, 3_600_000, 1);
    await waitFor(async () => (await jobs.get(store, first.ticketId))?.record.state === 'printed', {
      what: 'printed recorded',
    });

    const reply = await t.nc.request(
      `${t.ns}.printers.${store}.reprint`,
      new TextEncoder().encode(JSON.stringify({ ticketId: first.ticketId })),
    );
    expect(reply.json()).toMatchObject({ ok: true, ticketId: first.ticketId, station: 'wok', printer: 'a' });
    await waitFor(() => printed(a).length === 2, { what: 'the reprint' });
    expect(printed(a)[1]).toMatchObject({ ticketId: first.ticketId, reprint: true });
    expect(printed(a)[1]?.text).toContain('应要求补打');
    // A reprint does not touch the ticket's record: it was printed once by the pipeline.
    expect((await jobs.get(store, first.ticketId))?.record).toMatchObject({ state: 'printed', attempts: 1 });

    const unknown = await t.nc.request(
      `${t.ns}.printers.${store}.reprint`,
      new TextEncoder().encode('{"ticketId":"nope"}'),
    );
    expect(unknown.json()).toMatchObject({ ok: false, code: 'unknown_ticket' });

    const status = decode<ReturnType<PrinterDaemon['status']>>(
      (await t.nc.request(`${t.ns}.printers.${store}.status`)).data,
    );
    expect(status).toMatchObject({
      store,
      configured: true,
      printers: [{ id: 'a', level: 'ok', held: 0, port: a.port }],
      stations: [{ station: 'wok', printer: 'a', held: 0 }],
    });
  });

  it('prints a test page on a station’s printer on request, and refuses an unknown station', async () => {
    const store = '104';
    const a = await printer();
    await putStoreConfig(t.nc, t.ns, { store, printers: { a: printerAt(a) }, stations: { cold: { printer: 'a' } } });
    const d = await startDaemon(t, { store, consumer: `pd-${store}` });
    daemons.push(d);
    const ask = async (station: string) =>
      (
        await t.nc.request(`${t.ns}.printers.${store}.test`, new TextEncoder().encode(JSON.stringify({ station })))
      ).json();
    expect(await ask('cold')).toMatchObject({ ok: true, station: 'cold', printer: 'a' });
    await waitFor(() => printed(a).length === 1, { what: 'the test page' });
    expect(printed(a)[0]?.text).toContain('打印测试 TEST PAGE');
    expect(printed(a)[0]?.ticketId).toMatch(/^test-cold-/);
    expect(await ask('wok')).toMatchObject({ ok: false, code: 'invalid_request' });
  });

  it('refuses a bad store configuration with an alarm and keeps the previous one', async () => {
    const store = '103';
    const a = await printer();
    const alarms = new AlarmLog(t.nc, t.ns);
    await putStoreConfig(t.nc, t.ns, { store, printers: { a: printerAt(a) }, stations: { wok: { printer: 'a' } } });
    const d = await startDaemon(t, { store, consumer: `pd-${store}` });
    daemons.push(d);
    const kv = await new Kvm(jetstream(t.nc)).open(namesOf(t.ns).configBucket);
    await kv.put(`store.${store}`, JSON.stringify({ store, printers: {}, stations: { wok: { printer: 'gone' } } }));
    const alarm = await waitFor(() => alarms.find((x) => x.kind === 'config_invalid' && x.store === store), {
      what: 'config alarm',
    });
    expect(alarm).toMatchObject({
      message: expect.stringContaining('stations.wok.printer: no printer "gone"') as unknown,
    });
    await publish(t.nc, t.ns, ticket('wok', {}, store));
    await waitFor(() => printed(a).length === 1, { what: 'printed with the previous configuration' });
    alarms.stop();
  });
});

describe('configuration', () => {
  it('parseConfig validates eagerly and names the variable', () => {
    expect(parseConfig({ PRINTER_NAMESPACE: 'lr', PRINTER_RETRY_MS: '250' })).toMatchObject({
      namespace: 'lr',
      retryMs: 250,
    });
    expect(() => parseConfig({ PRINTER_RETRY: '5' })).toThrow(/unknown variable PRINTER_RETRY/);
    expect(() => parseConfig({ PRINTER_ACK_WAIT_MS: '10' })).toThrow(/PRINTER_ACK_WAIT_MS must be an integer ≥ 1000/);
    expect(() => parseConfig({ PRINTER_NAMESPACE: 'LR!' })).toThrow(/PRINTER_NAMESPACE/);
    expect(() => parseConfig({ NATS_URL: 'http://x' })).toThrow(/NATS_URL/);
  });

  it('parseStoreConfig fills defaults and refuses routes to missing printers', () => {
    const c = parseStoreConfig({
      store: '001',
      printers: { p: { host: '10.0.0.5' } },
      stations: { wok: { printer: 'p' } },
    });
    expect(c).toMatchObject({
      printers: { p: { port: 9100, widthMm: 80, encoding: 'gb18030' } },
      stations: { wok: { copies: 1 } },
      staleAfterMs: 15 * 60_000,
      stalePolicy: 'banner',
      failoverAfterMs: 30_000,
    });
    expect(() => parseStoreConfig({ store: '001', printers: { p: { host: 'x', widthMm: 76 } } })).toThrow(
      /printers\.p\.widthMm/,
    );
    expect(() =>
      parseStoreConfig({
        store: '001',
        printers: { p: { host: 'x' } },
        stations: { wok: { printer: 'p', backup: 'p' } },
      }),
    ).toThrow(/stations\.wok\.backup: same as printer/);
  });
});
