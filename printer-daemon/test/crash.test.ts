/**
 * The daemon killed for real (SIGKILL of a child process) between the printer
 * printing a ticket and the daemon recording it: on restart the ticket prints
 * again under a REPRINT banner, and nothing prints silently twice or is lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, spawnTs, waitFor, type ChildProcessHandle, type TestContext } from '@lunchrush/testkit';
import { VirtualPrinter, type PrintedJob } from '@lunchrush/printer-daemon';
import {
  createKitchenStream,
  daemonEnv,
  expectOncePerTicketInOrder,
  printed,
  printerAt,
  publish,
  putStoreConfig,
  ticket,
} from './helpers.js';

let t: TestContext;
const printers: VirtualPrinter[] = [];
const children: ChildProcessHandle[] = [];

beforeAll(async () => {
  t = await setup();
  await createKitchenStream(t.nc, t.ns);
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(children.map((c) => c.exited));
  await Promise.all(printers.map((p) => p.stop()));
  await t.cleanup();
});

async function startDaemon(store: string): Promise<ChildProcessHandle> {
  const child = spawnTs('printer-daemon/src/main.ts', {
    env: { ...daemonEnv(t.ns), PRINTER_STORE: store, PRINTER_CONSUMER: `pd-${store}` },
  });
  children.push(child);
  await child.waitForLine(/PRINTER DAEMON READY/, 30_000);
  return child;
}

async function kill(child: ChildProcessHandle): Promise<void> {
  child.kill('SIGKILL');
  expect((await child.exited).signal).toBe('SIGKILL');
}

describe('SIGKILL mid-print', () => {
  it('between bytes on paper and "printed" recorded: the ticket comes again under REPRINT, the others once', async () => {
    const store = '301';
    const vp = await VirtualPrinter.start({});
    printers.push(vp);
    await putStoreConfig(t.nc, t.ns, { store, printers: { k: printerAt(vp) }, stations: { wok: { printer: 'k' } } });
    const tickets = Array.from({ length: 6 }, () => ticket('wok', {}, store));

    let d = await startDaemon(store);
    for (const x of tickets.slice(0, 3)) await publish(t.nc, t.ns, x);
    await waitFor(() => printed(vp).length === 3, { what: 'three printed' });
    // The third's "processed?" query may still be on its way behind its paper (a busy machine):
    // holding answers before it is answered would hold the third, not the fourth.
    await waitFor(() => vp.markersAnswered >= 3, { what: 'the third answered as processed' });

    // The fourth ticket reaches the paper, but the printer's "processed" answer never reaches the daemon.
    vp.holdMarkers(true);
    await publish(t.nc, t.ns, tickets[3]!);
    await waitFor(() => printed(vp).length === 4, { what: 'the fourth on paper' });
    await kill(d);
    vp.holdMarkers(false);
    // More orders arrive while the daemon is down.
    for (const x of tickets.slice(4)) await publish(t.nc, t.ns, x);

    d = await startDaemon(store);
    await waitFor(() => printed(vp).length === 7, { what: 'the rest after the restart' });
    expect(
      expectOncePerTicketInOrder(
        printed(vp),
        tickets.map((x) => x.ticketId),
      ),
    ).toEqual([tickets[3]!.ticketId]);
    expect(printed(vp)[4]).toMatchObject({ ticketId: tickets[3]!.ticketId, reprint: true });
    expect(printed(vp)[4]?.text).toContain('上次打印结果未知 可能重复');
    await d.stop();
  });

  it('killed at random points of a rush, three times: every ticket printed, in order, never twice without REPRINT', async () => {
    const store = '302';
    const hot = await VirtualPrinter.start({});
    const cold = await VirtualPrinter.start({});
    printers.push(hot, cold);
    await putStoreConfig(t.nc, t.ns, {
      store,
      printers: { hot: printerAt(hot), cold: printerAt(cold) },
      stations: { wok: { printer: 'hot' }, cold: { printer: 'cold' } },
    });
    const wok = Array.from({ length: 24 }, () => ticket('wok', {}, store));
    const cld = Array.from({ length: 12 }, () => ticket('cold', {}, store));
    for (let i = 0; i < wok.length; i++) {
      await publish(t.nc, t.ns, wok[i]!);
      if (i % 2 === 0) await publish(t.nc, t.ns, cld[i / 2]!);
    }

    for (let round = 0; round < 3; round++) {
      const d = await startDaemon(store);
      const target = printed(hot).length + 1 + Math.floor(Math.random() * 5);
      // Kill the moment the target ticket is cut, wherever the daemon is in its cycle then.
      await new Promise<void>((resolve) => {
        const onJob = (j: PrintedJob): void => {
          if (j.complete && hot.completeJobs().length >= target) {
            d.kill('SIGKILL');
            hot.off('job', onJob);
            resolve();
          }
        };
        hot.on('job', onJob);
        if (hot.completeJobs().length >= target) onJob(hot.jobs[hot.jobs.length - 1]!);
      });
      await d.exited;
    }
    const d = await startDaemon(store);
    await waitFor(
      () =>
        new Set(printed(hot).map((p) => p.ticketId)).size === wok.length &&
        new Set(printed(cold).map((p) => p.ticketId)).size === cld.length,
      { what: 'every ticket', timeoutMs: 30_000 },
    );
    const repeated = expectOncePerTicketInOrder(
      printed(hot),
      wok.map((x) => x.ticketId),
    );
    expectOncePerTicketInOrder(
      printed(cold),
      cld.map((x) => x.ticketId),
    );
    // At most one ticket per kill can have an unknown outcome on each printer.
    expect(repeated.length).toBeLessThanOrEqual(3);
    await d.stop();
  });
});
