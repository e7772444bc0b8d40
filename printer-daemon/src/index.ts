export { PrinterDaemon } from './daemon.js';
export type { DaemonOptions, PrintedEvent, StoreStatus } from './daemon.js';
export {
  DEFAULT_ACK_WAIT_MS,
  DEFAULT_CONSUMER,
  DEFAULT_NAMESPACE,
  DEFAULT_PRINT_TIMEOUT_MS,
  ENV_OF,
  defaultConfig,
  namesOf,
  parseConfig,
} from './config.js';
export type { DaemonConfig, Names } from './config.js';
export {
  DEFAULT_FAILOVER_AFTER_MS,
  DEFAULT_PRINTER_PORT,
  DEFAULT_STALE_AFTER_MS,
  StoreConfigSchema,
  parseStoreConfig,
  routeOf,
  storeConfigKey,
} from './store-config.js';
export type { PrinterConfig, PrinterEncoding, StationRoute, StoreConfig, StoreConfigInput } from './store-config.js';
export { ConfigError, ErrorCode, PrinterDaemonError, ensureError } from './errors.js';
export type { PrinterErrorCode } from './errors.js';
export { TICKET_MARK, renderTicket } from './render.js';
export type { RenderOptions, ReprintReason } from './render.js';
export { BLOCKING_FLAGS, parseStatus } from './escpos.js';
export type { PrinterStatus, StatusFlag } from './escpos.js';
export type { PrinterAlarm, PrinterAlarmKind } from './alarms.js';
export { JobStore } from './job-store.js';
export type { JobRecord, JobState } from './job-store.js';
export { PrinterConnection, PrinterNotReadyError } from './printer-connection.js';
export { VirtualPrinter } from './virtual-printer.js';
export type { VirtualPrinterOptions, VirtualPrinterState } from './virtual-printer.js';
export { DocumentBuilder, EscPosTokenizer, jobText } from './escpos-parser.js';
export type { Block, PrintedJob, Segment, Style } from './escpos-parser.js';
export { hasFont, renderJobPng } from './png.js';
export { COLUMNS, displayWidth, wrap } from './text.js';
