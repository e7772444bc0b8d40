export { HealthAlarms } from './alarms.js';
export type { PlatformHealthPush, PlatformSyncAlarm } from './alarms.js';
export { nextBatch, seqKey } from './batch.js';
export { DEV_CREDENTIALS, PLATFORMS_VARIABLES, PlatformsConfigError, parsePlatformsConfig } from './config.js';
export type { PlatformsConfig } from './config.js';
export type { Batch } from './batch.js';
export { ElemeApi, ELEME_PUSH_PATH } from './eleme.js';
export { PlatformError, PlatformErrorCode } from './errors.js';
export { SYNC_CONSUMER, SyncFeed, entriesFor } from './feed.js';
export { HealthTracker } from './health.js';
export type { PlatformHealth } from './health.js';
export { InboundOrders, asPlatformError } from './inbound.js';
export { PlatformKitchen, platformTickets } from './kitchen.js';
export type { PlatformSale } from './kitchen.js';
export type { InboundDeps, StaffAction } from './inbound.js';
export { MappingFileSchema, PlatformMapping, demoMapping, mappings } from './mapping.js';
export type { MappingFile, StoreMapping } from './mapping.js';
export { MeituanApi, MEITUAN_PUSH_PATH } from './meituan.js';
export { PlatformOrders } from './orders.js';
export type { PlatformOrder, PlatformOrderStatus } from './orders.js';
export { Outbox } from './outbox.js';
export type { OutboxEntry } from './outbox.js';
export { ORDER_SYNC_STATUSES, PLATFORMS } from './platform.js';
export type {
  AppCredentials,
  CallReply,
  MenuItem,
  OrderSyncStatus,
  PlatformApi,
  PlatformCall,
  PlatformName,
  PlatformPush,
  PlatformView,
  PushOutcome,
  StockItem,
} from './platform.js';
export { PushServer } from './push-server.js';
export { TokenBucket, backoffMs } from './rate-limit.js';
export { Reconciler } from './reconcile.js';
export type { ReconcileReport, StoreDrift } from './reconcile.js';
export { MemorySeenSignatures, RedisSeenSignatures } from './seen.js';
export type { SeenSignatures } from './seen.js';
export { DEFAULT_SENDER_SETTINGS, PlatformSender } from './sender.js';
export type { SenderSettings } from './sender.js';
export { openPlatforms } from './service.js';
export type { Platforms, PlatformsOptions } from './service.js';
export { DEFAULT_SIGNATURE_TOLERANCE_S, elemeCallSign, elemePushSign, meituanSign } from './signing.js';
export { startSimulators } from './simulated.js';
export type { SimulatedPlatforms } from './simulated.js';
export { PlatformSimulator } from './simulator.js';
export type { SimItem, SimOrder, SimulatorOptions, Tamper } from './simulator.js';
