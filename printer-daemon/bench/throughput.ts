/**
 * Printer daemon bench (a measurement, never a test).
 *
 *   node --import tsx printer-daemon/bench/throughput.ts [--printers 4] [--tickets 400] [--mm-per-s 150]
 *        [--rate 10] [--duration 30] [--json .data/bench/printer-daemon.json]
 *
 * 1. throughput: `--tickets` tickets per printer published up front to the kitchen
 *    stream, `--printers` virtual printers, once with instant printers (the daemon's
 *    own ceiling) and once at `--mm-per-s` paper speed (what a real 80 mm printer allows):
 *    tickets per minute sustained per printer, first to last print.
 * 2. end to end: an engine process with the restaurant actors; orders placed and paid
 *    beforehand, then accepted at a fixed rate (`--rate` per second for `--duration` s,
 *    open model: latency counted from each accept's scheduled time, so a stall is not
 *    hidden); time from acceptance to the ticket's first byte at the printer and to
 *    its cut, p50/p99/max.
 *
 * Needs NATS with JetStream at NATS_URL (default nats://127.0.0.1:4222).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EngineClient } from '@lunchrush/engine';
import { type KitchenTicket, type OrderSummary } from '@lunchrush/actors';
import { demoSetupCommands, generateDemoData } from '@lunchrush/actors/demo';
import { cleanupNamespace, connectNats, spawnTs, uniqueNamespace } from '@lunchrush/testkit';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  PrinterDaemon,
  VirtualPrinter,
  defaultConfig,
  namesOf,
  storeConfigKey,
  type DaemonConfig,
  type PrintedJob,
  type StoreConfigInput,
} from '@lunchrush/printer-daemon';
import { encode } from '@lunchrush/engine/codec';
import { wire } from '@lunchrush/actors/wire';

const { values: args } = parseArgs({
  options: {
    printers: { type: 'string', default: '4' },
    tickets: { type: 'string', default: '400' },
    'mm-per-s': { type: 'string', default: '150' },
    rate: { type: 'string', default: '10' },
    duration: { type: 'string', default: '30' },
    json: { type: 'string', default: path.join('.data', 'bench', `printer-daemon-${Date.now()}.json`) },
    skip: { type: 'string', default: '' },
  },
});

function daemonConfig(ns: string, store: string): DaemonConfig {
  return { ...defaultConfig(), namespace: ns, store, consumer: `bench-${store}`, startLookbackMs: 0, logLevel: 'warn' };
}

function pct(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(xs: number[]): { n: number; p50: number; p99: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { n: s.length, p50: pct(s, 50), p99: pct(s, 99), max: s[s.length - 1] ?? NaN };
}

const ticketIdOf = (j: PrintedJob): string | undefined =>
  j.text
    .split('\n')
    .find((l) => l.startsWith('#'))
    ?.slice(1);

async function putConfig(nc: NatsConnection, ns: string, cfg: StoreConfigInput): Promise<void> {
  const kv = await new Kvm(jetstream(nc)).create(namesOf(ns).configBucket, { history: 5 });
  await kv.put(storeConfigKey(cfg.store), JSON.stringify(cfg));
}

async function throughput(
  nc: NatsConnection,
  nPrinters: number,
  perPrinter: number,
  mmPerSecond: number | undefined,
): Promise<Record<string, unknown>> {
  const ns = uniqueNamespace('bench');
  const store = '001';
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: namesOf(ns).stream,
    subjects: [namesOf(ns).kitchenSubject('')],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: 120 * 1_000_000_000,
  });
  const vps: VirtualPrinter[] = [];
  const cfg: StoreConfigInput = { store, printers: {}, stations: {} };
  for (let i = 0; i < nPrinters; i++) {
    const vp = await VirtualPrinter.start(mmPerSecond === undefined ? {} : { mmPerSecond });
    vps.push(vp);
    cfg.printers[`p${i}`] = { host: '127.0.0.1', port: vp.port };
    cfg.stations![`s${i}`] = { printer: `p${i}` };
  }
  await putConfig(nc, ns, cfg);
  // Published before the daemon starts: a full queue per printer from the first moment.
  const js = jetstream(nc);
  const now = Date.now();
  const pubs: Promise<unknown>[] = [];
  for (let n = 0; n < perPrinter; n++) {
    for (let i = 0; i < nPrinters; i++) {
      const orderId = `o_b${n}x${i}`;
      const t: KitchenTicket = {
        kind: 'new',
        ticketId: `ticket:${orderId}:s${i}:v1`,
        orderId,
        store,
        station: `s${i}`,
        channel: 'dine_in',
        tableLabel: `A${n % 60}`,
        pickupNo: orderId.slice(-4),
        lines: [
          { lineNo: 1, name: '宫保鸡丁', spec: '大份', qty: 1, options: ['微辣'], note: '不要葱' },
          { lineNo: 2, name: '米饭', spec: '', qty: 2, options: [] },
          { lineNo: 3, name: '酸梅汤', spec: '大杯', qty: 1, options: ['少冰'] },
        ],
        placedAt: now,
        at: now,
      };
      pubs.push(js.publish(wire(ns).kitchenSubject(store, `s${i}`), encode(t), { msgID: t.ticketId }));
    }
  }
  await Promise.all(pubs);
  const done = Promise.all(
    vps.map(
      (vp) =>
        new Promise<void>((resolve) => {
          vp.on('job', () => {
            if (vp.completeJobs().length >= perPrinter) resolve();
          });
        }),
    ),
  );
  const d = await PrinterDaemon.start(daemonConfig(ns, store), { nc });
  await done;
  await d.stop();
  const perMinute = vps.map((vp) => {
    const jobs = vp.completeJobs();
    const span = (jobs[jobs.length - 1]!.at - jobs[0]!.firstByteAt) / 60_000;
    return Math.round(jobs.length / span);
  });
  await Promise.all(vps.map((vp) => vp.stop()));
  await cleanupNamespace(nc, ns);
  return {
    printers: nPrinters,
    ticketsPerPrinter: perPrinter,
    paperSpeedMmPerS: mmPerSecond ?? 'instant',
    ticketsPerMinutePerPrinter: perMinute,
    ticketsPerMinuteTotal: perMinute.reduce((a, b) => a + b, 0),
  };
}

/** An engine with one demo store stocked, two virtual printers on its stations, and a daemon. */
async function endToEndWorld(nc: NatsConnection) {
  const ns = uniqueNamespace('bench');
  const P = 8;
  const store = '001';
  const engine = spawnTs('engine/src/main.ts', {
    env: {
      ENGINE_ACTORS: '@lunchrush/actors',
      ENGINE_NAMESPACE: ns,
      ENGINE_PARTITIONS: String(P),
      ENGINE_METRICS_PORT: '0',
      LOG_LEVEL: 'warn',
    },
  });
  await engine.waitForLine(/ENGINE READY/, 30_000);
  const client = new EngineClient(nc, { namespace: ns, partitions: P, defaultTimeoutMs: 30_000 });
  for (const c of demoSetupCommands(generateDemoData({ stores: 1 }), Date.now())) {
    await client.send(c.ref.store, c.ref.type, c.ref.id, c.command, { id: c.id });
  }
  for (const sku of ['mifan-l', 'kekou-kele']) {
    await client.send(store, 'stock', sku, { type: 'set', available: 1_000_000, reason: 'bench', at: Date.now() });
  }
  const stations = ['staple', 'bar'];
  const vps = new Map<string, VirtualPrinter>();
  const cfg: StoreConfigInput = { store, printers: {}, stations: {} };
  for (const s of stations) {
    const vp = await VirtualPrinter.start({ name: s });
    vps.set(s, vp);
    cfg.printers[s] = { host: '127.0.0.1', port: vp.port };
    cfg.stations![s] = { printer: s };
  }
  await putConfig(nc, ns, cfg);
  const daemon = await PrinterDaemon.start(daemonConfig(ns, store), { nc });
  const stop = async (): Promise<void> => {
    await daemon.stop();
    await client.close();
    engine.kill('SIGKILL');
    await engine.exited;
    await Promise.all([...vps.values()].map((vp) => vp.stop()));
    await cleanupNamespace(nc, ns);
  };
  return { store, client, stations, vps, stop };
}

/** `n` takeaway orders placed and paid (50 at a time): the timed phase is acceptance only. */
async function placePaidOrders(client: EngineClient, store: string, n: number): Promise<string[]> {
  const orders: string[] = [];
  for (let i = 0; i < n; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, n - i) }, async (_, k) => {
        const orderId = `o_e${i + k}`;
        const placed = await client.send<OrderSummary>(store, 'order', orderId, {
          type: 'place',
          channel: 'takeaway',
          dinerId: `d${i + k}`,
          lines: [
            { skuId: 'mifan-l', qty: 1 },
            { skuId: 'kekou-kele', qty: 1 },
          ],
          at: Date.now(),
        });
        await client.send(store, 'order', orderId, {
          type: 'confirmPayment',
          paymentId: `pay-${orderId}`,
          amountFen: placed.totalFen,
          paidAt: Date.now(),
          at: Date.now(),
        });
        orders.push(orderId);
      }),
    );
  }
  return orders;
}

/** Accepts the orders at `rate` from their scheduled times; each order's intended time and the reply times. */
async function acceptAtRate(client: EngineClient, store: string, orders: readonly string[], rate: number) {
  const intended = new Map<string, number>();
  const replyMs: number[] = [];
  const start = Date.now() + 200;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < orders.length; i++) {
    const orderId = orders[i]!;
    const at = start + (i * 1000) / rate;
    intended.set(orderId, at);
    const wait = at - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    sends.push(
      client
        .send(store, 'order', orderId, { type: 'accept', by: { role: 'staff', id: 'bench' }, at: Date.now() })
        .then(() => {
          replyMs.push(Date.now() - at);
        }),
    );
  }
  await Promise.all(sends);
  return { intended, replyMs };
}

/** Waits for every ticket to be cut, then each ticket's first byte and cut after its order's intended accept. */
async function ticketTimes(vps: ReadonlyMap<string, VirtualPrinter>, expected: number, intended: Map<string, number>) {
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if ([...vps.values()].reduce((s, vp) => s + vp.completeJobs().length, 0) >= expected) resolve();
    };
    for (const vp of vps.values()) vp.on('job', check);
    check();
  });
  const firstByte: number[] = [];
  const cut: number[] = [];
  for (const vp of vps.values()) {
    for (const j of vp.completeJobs()) {
      const orderId = ticketIdOf(j)?.split(':')[1];
      const t0 = orderId === undefined ? undefined : intended.get(orderId);
      if (t0 === undefined) continue;
      firstByte.push(j.firstByteAt - t0);
      cut.push(j.at - t0);
    }
  }
  return { firstByte, cut };
}

async function endToEnd(nc: NatsConnection, rate: number, durationS: number): Promise<Record<string, unknown>> {
  const w = await endToEndWorld(nc);
  const orders = await placePaidOrders(w.client, w.store, Math.round(rate * durationS));
  const { intended, replyMs } = await acceptAtRate(w.client, w.store, orders, rate);
  const { firstByte, cut } = await ticketTimes(w.vps, orders.length * w.stations.length, intended);
  await w.stop();
  return {
    acceptsPerSecond: rate,
    durationS,
    orders: orders.length,
    tickets: firstByte.length,
    acceptReplyMs: summary(replyMs),
    acceptToFirstByteMs: summary(firstByte),
    acceptToCutMs: summary(cut),
  };
}

const nc = await connectNats();
const result: Record<string, unknown> = { at: new Date().toISOString(), node: process.version };
const skip = new Set(args.skip.split(','));
if (!skip.has('throughput')) {
  result.throughputInstant = await throughput(nc, Number(args.printers), Number(args.tickets), undefined);
  console.log('throughput, instant printers', result.throughputInstant);
  const mm = Number(args['mm-per-s']);
  result.throughputPaperSpeed = await throughput(nc, Number(args.printers), Math.min(60, Number(args.tickets)), mm);
  console.log(`throughput, ${mm} mm/s printers`, result.throughputPaperSpeed);
}
if (!skip.has('e2e')) {
  result.endToEnd = await endToEnd(nc, Number(args.rate), Number(args.duration));
  console.log('end to end', result.endToEnd);
}
fs.mkdirSync(path.dirname(args.json), { recursive: true });
fs.writeFileSync(args.json, JSON.stringify(result, null, 2));
console.log(`written ${args.json}`);
await nc.close();
