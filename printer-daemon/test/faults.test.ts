/**
 * Printer faults on a real nats-server and virtual printers: paper out in a
 * rush, a dead printer next to a live one, failover to the backup and back, a
 * long outage followed by recovery (LATE banners or kitchen display only).
 */
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, waitFor, type TestContext } from '@lunchrush/testkit';
import { JobStore, PrinterDaemon, VirtualPrinter, namesOf, type PrintedJob } from '@lunchrush/printer-daemon';
import { wire } from '@lunchrush/actors/wire';
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
let alarms: AlarmLog;
const printers: VirtualPrinter[] = [];
const daemons: PrinterDaemon[] = [];

beforeAll(async () => {
  t = await setup();
  await createKitchenStream(t.nc, t.ns);
  alarms = new AlarmLog(t.nc, t.ns);
});

afterAll(async () => {
  alarms.stop();
  await Promise.all(daemons.map((d) => d.stop()));
  await Promise.all(printers.map((p) => p.stop()));
  await t.cleanup();
});

async function printer(): Promise<VirtualPrinter> {
  const p = await VirtualPrinter.start({});
  printers.push(p);
  return p;
}

async function daemon(store: string): Promise<PrinterDaemon> {
  const d = await startDaemon(t, { store, consumer: `pd-${store}` });
  daemons.push(d);
  return d;
}

async function ackPending(store: string): Promise<number> {
  const jsm = await jetstreamManager(t.nc);
  return (await jsm.consumers.info(namesOf(t.ns).stream, `pd-${store}`)).num_ack_pending;
}

describe('paper out', () => {
  it('in the middle of a rush: the alarm goes up, nothing is lost or reordered, printing resumes on new paper', async () => {
    const store = '201';
    const vp = await printer();
    await putStoreConfig(t.nc, t.ns, { store, printers: { k: printerAt(vp) }, stations: { wok: { printer: 'k' } } });
    // The roll runs out right after the fifth ticket leaves the printer.
    vp.on('job', (j: PrintedJob) => {
      if (j.complete && vp.completeJobs().length === 5) vp.setState({ paper: 'out' });
    });
    const d = await daemon(store);
    const rush = Array.from({ length: 20 }, () => ticket('wok', {}, store));
    for (const x of rush.slice(0, 10)) await publish(t.nc, t.ns, x);

    const alarm = await waitFor(
      () => alarms.find((a) => a.kind === 'printer' && a.store === store && a.flags.includes('paper_out')),
      { what: 'paper-out alarm' },
    );
    expect(alarm).toMatchObject({ printer: 'k', level: 'error' });
    for (const x of rush.slice(10)) await publish(t.nc, t.ns, x);
    // Every ticket after the fifth is held by the daemon, none acked; the printer printed nothing more.
    await waitFor(() => d.held() === 16, { what: 'the rest of the rush held' });
    expect(await ackPending(store)).toBe(16);
    expect(printed(vp).length).toBe(5);

    vp.setState({ paper: 'ok' });
    await waitFor(() => new Set(printed(vp).map((p) => p.ticketId)).size === 20, { what: 'the whole rush printed' });
    // The fifth ticket was on paper when the roll ran out, but the daemon never heard it finish: it comes
    // again under a REPRINT banner rather than risk a lost ticket. Nothing else prints twice.
    const repeated = expectOncePerTicketInOrder(
      printed(vp),
      rush.map((x) => x.ticketId),
    );
    expect(repeated).toEqual([rush[4]!.ticketId]);
    expect(printed(vp)[5]?.text).toContain('上次打印结果未知');
    await waitFor(
      () => alarms.find((a) => a.kind === 'printer' && a.store === store && a.level === 'ok' && a.since > alarm.at),
      {
        what: 'all-clear alarm',
      },
    );
    await waitFor(async () => (await ackPending(store)) === 0, { what: 'all acked' });
  });

  it('a paper-near-end printer keeps printing and warns', async () => {
    const store = '202';
    const vp = await printer();
    vp.setState({ paper: 'near-end' });
    await putStoreConfig(t.nc, t.ns, { store, printers: { k: printerAt(vp) }, stations: { wok: { printer: 'k' } } });
    await daemon(store);
    await publish(t.nc, t.ns, ticket('wok', {}, store));
    await waitFor(() => printed(vp).length === 1, { what: 'printed' });
    expect(alarms.find((a) => a.kind === 'printer' && a.store === store)).toMatchObject({
      level: 'warning',
      flags: ['paper_near_end'],
    });
  });
});

describe('a dead printer', () => {
  it('does not block another: the live station prints everything, the dead one holds its tickets in order', async () => {
    const store = '203';
    const dead = await printer();
    const live = await printer();
    await dead.powerOff();
    await putStoreConfig(t.nc, t.ns, {
      store,
      printers: { hot: printerAt(dead), cold: printerAt(live) },
      stations: { wok: { printer: 'hot' }, cold: { printer: 'cold' } },
    });
    const d = await daemon(store);
    const wok = Array.from({ length: 5 }, () => ticket('wok', {}, store));
    const cold = Array.from({ length: 5 }, () => ticket('cold', {}, store));
    for (let i = 0; i < 5; i++) {
      await publish(t.nc, t.ns, wok[i]!);
      await publish(t.nc, t.ns, cold[i]!);
    }
    await waitFor(() => printed(live).length === 5, { what: 'the live station printed' });
    expectOncePerTicketInOrder(
      printed(live),
      cold.map((x) => x.ticketId),
    );
    await waitFor(() => d.status(store).printers.find((p) => p.id === 'hot')?.held === 5, { what: 'five held' });
    expect(d.status(store).printers.find((p) => p.id === 'hot')).toMatchObject({
      level: 'error',
      flags: ['unreachable'],
    });
    expect(alarms.find((a) => a.kind === 'printer' && a.store === store && a.printer === 'hot')).toMatchObject({
      level: 'error',
      flags: ['unreachable'],
    });

    await dead.powerOn();
    await waitFor(() => printed(dead).length === 5, { what: 'the held tickets after power on' });
    expect(
      expectOncePerTicketInOrder(
        printed(dead),
        wok.map((x) => x.ticketId),
      ),
    ).toEqual([]);
  });
});

describe('failover', () => {
  it('moves a station to its backup printer after failoverAfterMs, and back when the printer returns', async () => {
    const store = '204';
    const main = await printer();
    const pass = await printer();
    await main.powerOff();
    await putStoreConfig(t.nc, t.ns, {
      store,
      printers: { main: printerAt(main), pass: printerAt(pass) },
      stations: { wok: { printer: 'main', backup: 'pass' }, cold: { printer: 'pass' } },
      failoverAfterMs: 300,
    });
    await daemon(store);
    const first = Array.from({ length: 4 }, () => ticket('wok', {}, store));
    for (const x of first) await publish(t.nc, t.ns, x);
    await waitFor(() => printed(pass).length === 4, { what: 'the backup printing the station' });
    expect(
      expectOncePerTicketInOrder(
        printed(pass),
        first.map((x) => x.ticketId),
      ),
    ).toEqual([]);
    expect(printed(pass).every((p) => p.text.includes('备用打印机 (主机 main 故障)'))).toBe(true);
    expect(alarms.find((a) => a.kind === 'failover' && a.store === store)).toMatchObject({
      station: 'wok',
      from: 'main',
      to: 'pass',
      back: false,
    });

    await main.powerOn();
    await waitFor(
      () => alarms.find((a) => a.kind === 'printer' && a.store === store && a.printer === 'main' && a.level === 'ok'),
      {
        what: 'main back online',
      },
    );
    const later = ticket('wok', {}, store);
    await publish(t.nc, t.ns, later);
    await waitFor(() => printed(main).length === 1, { what: 'the station back on its own printer' });
    expect(printed(main)[0]?.ticketId).toBe(later.ticketId);
    expect(alarms.find((a) => a.kind === 'failover' && a.store === store && a.back)).toMatchObject({
      from: 'pass',
      to: 'main',
    });
  });

  it('a printer that fails mid-queue hands the rest of the queue to the backup, in order', async () => {
    const store = '205';
    const main = await printer();
    const pass = await printer();
    main.on('job', (j: PrintedJob) => {
      if (j.complete && main.completeJobs().length === 2) main.setState({ coverOpen: true });
    });
    await putStoreConfig(t.nc, t.ns, {
      store,
      printers: { main: printerAt(main), pass: printerAt(pass) },
      stations: { wok: { printer: 'main', backup: 'pass' } },
      failoverAfterMs: 200,
    });
    await daemon(store);
    const all = Array.from({ length: 8 }, () => ticket('wok', {}, store));
    for (const x of all) await publish(t.nc, t.ns, x);
    await waitFor(() => new Set([...printed(main), ...printed(pass)].map((p) => p.ticketId)).size === 8, {
      what: 'every ticket on one printer or the other',
    });
    // Paper order across both printers: main's first two, then the backup from the ticket main never confirmed.
    const repeated = expectOncePerTicketInOrder(
      [...printed(main), ...printed(pass)],
      all.map((x) => x.ticketId),
    );
    expect(repeated).toEqual([all[1]!.ticketId]);
    expect(printed(main).map((p) => p.ticketId)).toEqual([all[0]!.ticketId, all[1]!.ticketId]);
    expect(printed(pass)[0]).toMatchObject({ ticketId: all[1]!.ticketId, reprint: true });
  });
});

describe('a long outage', () => {
  it('ends with the held tickets printed in order under LATE banners, fresh ones without', async () => {
    const store = '206';
    const vp = await printer();
    await vp.powerOff();
    await putStoreConfig(t.nc, t.ns, {
      store,
      printers: { k: printerAt(vp) },
      stations: { wok: { printer: 'k' } },
      staleAfterMs: 10 * 60_000,
    });
    const d = await daemon(store);
    // Accepted over the last three hours while the printer was off.
    const now = Date.now();
    const backlog = Array.from({ length: 6 }, (_, i) =>
      ticket('wok', { at: now - 3 * 3_600_000 + i * 20 * 60_000 }, store),
    );
    for (const x of backlog) await publish(t.nc, t.ns, x);
    await waitFor(() => d.held() === 6, { what: 'backlog held' });

    await vp.powerOn();
    await waitFor(() => printed(vp).length === 6, { what: 'backlog printed' });
    expect(
      expectOncePerTicketInOrder(
        printed(vp),
        backlog.map((x) => x.ticketId),
      ),
    ).toEqual([]);
    expect(printed(vp).every((p) => p.late)).toBe(true);
    expect(printed(vp)[0]?.text).toMatch(/超时 LATE 1[78]\d分钟/);

    const fresh = ticket('wok', {}, store);
    await publish(t.nc, t.ns, fresh);
    await waitFor(() => printed(vp).length === 7, { what: 'fresh ticket printed' });
    expect(printed(vp)[6]).toMatchObject({ ticketId: fresh.ticketId, late: false });
    const jobs = await JobStore.open(jetstream(t.nc), namesOf(t.ns).jobBucket, 3_600_000, 1);
    expect((await jobs.all(store)).filter((r) => r.late).length).toBe(6);
  });

  it('with stalePolicy kds-only: stale tickets go to the kitchen display only, acked, with an alarm', async () => {
    const store = '207';
    const vp = await printer();
    await vp.powerOff();
    await putStoreConfig(t.nc, t.ns, {
      store,
      printers: { k: printerAt(vp) },
      stations: { wok: { printer: 'k' } },
      staleAfterMs: 10 * 60_000,
      stalePolicy: 'kds-only',
    });
    const d = await daemon(store);
    const old = Array.from({ length: 3 }, () => ticket('wok', { at: Date.now() - 3_600_000 }, store));
    for (const x of old) await publish(t.nc, t.ns, x);
    const fresh = ticket('wok', {}, store);
    await publish(t.nc, t.ns, fresh);
    // The stale ones settle although the printer is off; the fresh one waits for it.
    await waitFor(() => d.held() === 1, { what: 'stale tickets settled without a printer' });
    await vp.powerOn();
    await waitFor(() => printed(vp).length === 1, { what: 'the fresh ticket' });
    expect(printed(vp)[0]?.ticketId).toBe(fresh.ticketId);
    expect(
      alarms.alarms
        .filter((a) => a.kind === 'kds_only' && a.store === store)
        .map((a) => a.kind === 'kds_only' && a.ticketId),
    ).toEqual(old.map((x) => x.ticketId));
    await waitFor(async () => (await ackPending(store)) === 0, { what: 'all acked' });
    const jobs = await JobStore.open(jetstream(t.nc), namesOf(t.ns).jobBucket, 3_600_000, 1);
    expect((await jobs.all(store)).filter((r) => r.state === 'skipped').length).toBe(3);
  });
});

describe('a message that is not a ticket', () => {
  it('is terminated once and never comes back, and the tickets after it print', async () => {
    const store = '209';
    const vp = await printer();
    await putStoreConfig(t.nc, t.ns, { store, printers: { k: printerAt(vp) }, stations: { wok: { printer: 'k' } } });
    await daemon(store);
    await jetstream(t.nc).publish(
      wire(t.ns).kitchenSubject(store, 'wok'),
      new TextEncoder().encode('not msgpack at all'),
    );
    const next = ticket('wok', {}, store);
    await publish(t.nc, t.ns, next);
    await waitFor(() => printed(vp).length === 1, { what: 'the ticket after it printed' });
    // A `+TERM <reason>` is ignored by nats-server 2.9: the junk would stay pending and come back after the ack wait.
    await waitFor(async () => (await ackPending(store)) === 0, { what: 'nothing left pending' });
    const jsm = await jetstreamManager(t.nc);
    const c = await jsm.consumers.info(namesOf(t.ns).stream, `pd-${store}`);
    expect(c.ack_floor.stream_seq).toBe(c.delivered.stream_seq);
  });
});
