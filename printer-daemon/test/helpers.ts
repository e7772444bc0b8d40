/** Shared fixtures: the kitchen stream, tickets, store configs, daemons and what the virtual printers printed. */
import { wire, type KitchenTicket } from '@lunchrush/actors/wire';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { TestContext } from '@lunchrush/testkit';
import {
  PrinterDaemon,
  defaultConfig,
  namesOf,
  storeConfigKey,
  type DaemonConfig,
  type PrinterAlarm,
  type StoreConfigInput,
  type VirtualPrinter,
} from '@lunchrush/printer-daemon';
import { decode, encode } from '@lunchrush/engine/codec';

export const STORE = '001';

/** The engine's KITCHEN output stream, as `ensureInfrastructure` makes it. */
export async function createKitchenStream(nc: NatsConnection, ns: string): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({
    name: namesOf(ns).stream,
    subjects: [namesOf(ns).kitchenSubject('')],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: 120 * 1_000_000_000,
  });
}

let orderNo = 0;

export function ticket(
  station: string,
  extra: Partial<KitchenTicket> & { order?: string } = {},
  store = STORE,
): KitchenTicket {
  const orderId = extra.order ?? `o_t${++orderNo}x${Math.random().toString(36).slice(2, 6)}`;
  const { order: _order, ...rest } = extra;
  const now = Date.now();
  return {
    kind: 'new',
    ticketId: `ticket:${orderId}:${station}:v1`,
    orderId,
    store,
    station,
    channel: 'dine_in',
    tableId: '0010001000016',
    tableLabel: 'A12',
    pickupNo: orderId.slice(-4),
    lines: [
      { lineNo: 1, name: '宫保鸡丁', spec: '大份', qty: 2, options: ['特辣', '加花生'], note: '不要葱' },
      { lineNo: 2, name: '米饭', spec: '', qty: 3, options: [] },
    ],
    placedAt: now - 60_000,
    at: now,
    ...rest,
  };
}

/** Publishes as the engine does: msgpack, `Nats-Msg-Id` = ticket id. */
export async function publish(nc: NatsConnection, ns: string, t: KitchenTicket): Promise<void> {
  await jetstream(nc).publish(wire(ns).kitchenSubject(t.store, t.station), encode(t), { msgID: t.ticketId });
}

export async function putStoreConfig(nc: NatsConnection, ns: string, cfg: StoreConfigInput): Promise<void> {
  const kv = await new Kvm(jetstream(nc)).create(namesOf(ns).configBucket, { history: 5 });
  await kv.put(storeConfigKey(cfg.store), JSON.stringify(cfg));
}

export function printerAt(vp: VirtualPrinter): StoreConfigInput['printers'][string] {
  return { host: '127.0.0.1', port: vp.port, widthMm: vp.widthMm };
}

/** Short pauses and polls so tests finish fast; nothing here is asserted on. */
export function testConfig(ns: string, over: Partial<DaemonConfig> = {}): DaemonConfig {
  return {
    ...defaultConfig(),
    namespace: ns,
    ackWaitMs: 3_000,
    startLookbackMs: 0,
    connectTimeoutMs: 1_000,
    statusTimeoutMs: 2_000,
    printTimeoutMs: 10_000,
    pollMs: 20,
    retryMs: 50,
    idleProbeMs: 200,
    logLevel: process.env.LOG_LEVEL ?? 'silent',
    ...over,
  };
}

/** Child-process environment for the same settings. */
export function daemonEnv(ns: string): Record<string, string> {
  return {
    PRINTER_NAMESPACE: ns,
    PRINTER_ACK_WAIT_MS: '2000',
    PRINTER_START_LOOKBACK_MS: '0',
    PRINTER_POLL_MS: '20',
    PRINTER_RETRY_MS: '50',
    PRINTER_IDLE_PROBE_MS: '200',
    PRINTER_STATUS_TIMEOUT_MS: '2000',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  };
}

export async function startDaemon(t: TestContext, over: Partial<DaemonConfig> = {}): Promise<PrinterDaemon> {
  return PrinterDaemon.start(testConfig(t.ns, over), { nc: t.nc });
}

export interface Printed {
  readonly ticketId: string;
  readonly reprint: boolean;
  readonly late: boolean;
  readonly text: string;
}

/** Complete tickets a virtual printer printed, in paper order (the `#<ticketId>` line names each). */
export function printed(vp: VirtualPrinter): Printed[] {
  return vp.completeJobs().map((j) => {
    const mark = j.text.split('\n').find((l) => l.startsWith('#'));
    return {
      ticketId: mark?.slice(1) ?? '?',
      reprint: j.text.includes('REPRINT'),
      late: j.text.includes('LATE'),
      text: j.text,
    };
  });
}

/**
 * Every ticket printed, none skipped, in the order given, each exactly once
 * unless repeated under a REPRINT banner. Returns the ids printed more than once.
 */
export function expectOncePerTicketInOrder(p: readonly Printed[], expected: readonly string[]): string[] {
  const seen = new Set<string>();
  const firsts: string[] = [];
  const repeated: string[] = [];
  for (const x of p) {
    if (seen.has(x.ticketId)) {
      if (!x.reprint) throw new Error(`${x.ticketId} printed twice without a REPRINT banner`);
      repeated.push(x.ticketId);
      continue;
    }
    seen.add(x.ticketId);
    firsts.push(x.ticketId);
  }
  if (firsts.join('\n') !== expected.join('\n')) {
    throw new Error(`printed in another order or incomplete:\n got ${firsts.join(', ')}\nwant ${expected.join(', ')}`);
  }
  return repeated;
}

/** Collects the alarms published on `<ns>.alarms.>`. */
export class AlarmLog {
  readonly alarms: PrinterAlarm[] = [];
  private readonly sub: Subscription;
  constructor(nc: NatsConnection, ns: string) {
    this.sub = nc.subscribe(`${ns}.alarms.>`, {
      callback: (err, m) => {
        if (err === null) this.alarms.push(decode<PrinterAlarm>(m.data));
      },
    });
  }
  find(pred: (a: PrinterAlarm) => boolean): PrinterAlarm | undefined {
    return this.alarms.find(pred);
  }
  stop(): void {
    this.sub.unsubscribe();
  }
}
