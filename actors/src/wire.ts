/**
 * The restaurant's wire contract (`@lunchrush/actors/wire`): the JetStream
 * streams the actors' durable side outputs go to, their absolute subjects in one
 * engine namespace, and the payloads on them; and the printer daemon's subjects
 * (alarms, status and reprint requests), which the gateway's push hub uses too.
 * The printer daemon, the gateway's kitchen display and refund worker import
 * these instead of spelling `<NS>_KITCHEN`, `<ns>.kitchen.…` or
 * `<ns>.alarms.…` themselves; the engine turns an
 * `OutputStream` into a stream with `names(ns).outputStream` and
 * `names(ns).subject`, the same functions used here.
 *
 * Light on purpose: no actor code comes with it, only names and types.
 */
import type { OutputStream } from '@lunchrush/engine';
import { names } from '@lunchrush/engine/names';
import { kitchenSubject, platformSyncSubject, refundSubject } from './outputs.js';
import { GROUPBUY_OUTPUT } from './groupbuy/outputs.js';
import { COURIER_OUTPUT } from './delivery/outputs.js';

/** Kitchen tickets, one subject per store and station (`kitchen.<store>.<station>`). */
export const KITCHEN_OUTPUT: OutputStream = { name: 'KITCHEN', subjects: ['kitchen.>'] };
/** Refund instructions for the payment worker (`refunds.<store>`). */
export const REFUND_OUTPUT: OutputStream = { name: 'REFUNDS', subjects: ['refunds.>'] };
/** What orders tell members' cards (`members.<memberId>`): paid, released; the member forwarder reads it. */
export const MEMBER_OUTPUT: OutputStream = { name: 'MEMBERS', subjects: ['members.>'] };
/** Stock level and catalog changes for the delivery platforms' sync worker (`sync.<store>`). */
export const PLATFORM_SYNC_OUTPUT: OutputStream = { name: 'SYNC', subjects: ['sync.>'] };

/**
 * JetStream streams the actors' durable side outputs go to (relative to the
 * engine namespace: `LR_KITCHEN` on `lr.kitchen.>`, `LR_REFUNDS` on `lr.refunds.>`).
 */
export const outputStreams: OutputStream[] = [
  KITCHEN_OUTPUT,
  REFUND_OUTPUT,
  MEMBER_OUTPUT,
  GROUPBUY_OUTPUT,
  PLATFORM_SYNC_OUTPUT,
  COURIER_OUTPUT,
];

/** The actors' output streams and subjects of one engine namespace, absolute. */
export interface Wire {
  /** `<NS>_KITCHEN` */
  readonly kitchenStream: string;
  /** Every kitchen ticket (`<ns>.kitchen.>`), or one store's (`<ns>.kitchen.<store>.>`). */
  kitchenTickets(store?: string): string;
  /** One station's tickets: `<ns>.kitchen.<store>.<station>`. */
  kitchenSubject(store: string, station: string): string;
  /** `<NS>_REFUNDS` */
  readonly refundStream: string;
  /** Every refund instruction (`<ns>.refunds.>`), or one store's (`<ns>.refunds.<store>`). */
  refundInstructions(store?: string): string;
  /** `<NS>_MEMBERS` */
  readonly memberStream: string;
  /** Every order's instruction to a member's card (`<ns>.members.>`). */
  readonly memberInstructions: string;
  /** `<NS>_COURIERS` */
  readonly courierStream: string;
  /** Every store's courier instructions (`<ns>.couriers.>`), or one store's (`<ns>.couriers.<store>`). */
  courierInstructions(store?: string): string;
  /** `<NS>_SYNC` */
  readonly platformSyncStream: string;
  /** Every store's platform sync changes (`<ns>.sync.>`), or one store's (`<ns>.sync.<store>`). */
  platformSyncChanges(store?: string): string;
  /**
   * Printer alarms (core NATS, published by the printer daemon, followed by the gateway's push hub)
   * of every store (`<ns>.alarms.>`) or one store's (`<ns>.alarms.<store>`).
   */
  printerAlarms(store?: string): string;
  /** The store a printer alarm's subject names; undefined for any other subject. */
  storeOfPrinterAlarm(subject: string): string | undefined;
  /** Where a store's printer daemon answers what its printers are doing (request/reply): `<ns>.printers.<store>.status`. */
  printerStatus(store: string): string;
  /** Where a store's printer daemon takes a staff reprint (request/reply): `<ns>.printers.<store>.reprint`. */
  printerReprint(store: string): string;
  /** Where a store's printer daemon prints a test page on a station's printer (request/reply): `<ns>.printers.<store>.test`. */
  printerTest(store: string): string;
}

/**
 * What a store's printer daemon answers on `printerStatus(store)` (msgpack): every printer's and
 * station's state, which a staff board that missed an alarm re-syncs from.
 */
export interface PrinterStatusAnswer {
  readonly store: string;
  /** The store has a printer configuration (without one, tickets wait). */
  readonly configured: boolean;
  readonly printers: readonly {
    readonly id: string;
    readonly name?: string;
    readonly host: string;
    readonly port: number;
    /** `error` stops printing, `warning` (paper near end) does not; `unknown` until the printer first answers. */
    readonly level: 'unknown' | 'ok' | 'warning' | 'error';
    /** What the printer reports (`paper_out`, `cover_open`, …). */
    readonly flags: readonly string[];
    /** Since when the printer has been at this level (ms since the epoch). */
    readonly since: number;
    /** Tickets waiting for this printer. */
    readonly held: number;
  }[];
  readonly stations: readonly {
    readonly station: string;
    readonly printer: string | null;
    /** The printer it fails over from, while its tickets go to a backup. */
    readonly failoverFrom: string | null;
    readonly held: number;
  }[];
}

export function wire(ns: string): Wire {
  const n = names(ns);
  const alarmPrefix = n.subject('alarms.');
  return {
    kitchenStream: n.outputStream(KITCHEN_OUTPUT.name),
    kitchenTickets: (store = '') => n.subject(store === '' ? 'kitchen.>' : `kitchen.${store}.>`),
    kitchenSubject: (store, station) => n.subject(kitchenSubject(store, station)),
    refundStream: n.outputStream(REFUND_OUTPUT.name),
    refundInstructions: (store = '') => n.subject(store === '' ? 'refunds.>' : refundSubject(store)),
    memberStream: n.outputStream(MEMBER_OUTPUT.name),
    memberInstructions: n.subject('members.>'),
    courierStream: n.outputStream(COURIER_OUTPUT.name),
    courierInstructions: (store = '') => n.subject(store === '' ? 'couriers.>' : `couriers.${store}`),
    platformSyncStream: n.outputStream(PLATFORM_SYNC_OUTPUT.name),
    platformSyncChanges: (store = '') => n.subject(store === '' ? 'sync.>' : platformSyncSubject(store)),
    printerAlarms: (store = '') => alarmPrefix + (store === '' ? '>' : store),
    storeOfPrinterAlarm: (subject) => {
      const store = subject.startsWith(alarmPrefix) ? subject.slice(alarmPrefix.length) : '';
      return store === '' || store.includes('.') ? undefined : store;
    },
    printerStatus: (store) => n.subject(`printers.${store}.status`),
    printerReprint: (store) => n.subject(`printers.${store}.reprint`),
    printerTest: (store) => n.subject(`printers.${store}.test`),
  };
}

/**
 * Recommendation models (analytics' training job writes them, the gateways watch them): the
 * JetStream KV bucket `<ns>_reco`, one key per scope (`store.<store>`, `chain`), each value a
 * `RecoModel` as JSON. History 1: only the newest model matters.
 */
export const recoBucket = (ns: string): string => `${ns}_reco`;
export const recoModelKey = (scope: string): string => (scope === '*' ? 'chain' : `store.${scope}`);
/** A returning diner's own purchase counts (`RecoDinerHistory`), in the same bucket: `diner.<dinerId>`. */
export const recoDinerKey = (dinerId: string): string => `diner.${dinerId}`;
export type { RecoDinerHistory, RecoModel } from './recommend.js';

export {
  boardPushSubject,
  catalogChangedSubject,
  kitchenSubject,
  menuPushSubject,
  orderPushSubject,
  platformSyncSubject,
  refundInstructionId,
  refundSubject,
  tablePushSubject,
  ticketId as kitchenTicketId,
  urgeTicketId,
  voidTicketId,
} from './outputs.js';
export type {
  BoardPush,
  CatalogChanged,
  OrderPush,
  PlatformSyncChange,
  RefundInstruction,
  StockLevelPush,
} from './outputs.js';
export type { KitchenTicket, KitchenTicketLine } from './kitchen.js';
