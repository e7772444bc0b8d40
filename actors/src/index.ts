import type { ActorType } from '@lunchrush/engine';
import { catalogActor } from './catalog.js';
import { orderActor } from './order/index.js';
import { saleActor } from './sale.js';
import { stockActor } from './stock.js';
import { storeActor } from './store.js';
import { tableActor } from './table/index.js';

/** Every restaurant actor type, to register in the engine (and in `MemoryRuntime`). */
export const restaurantActors: ActorType[] = [storeActor, catalogActor, stockActor, tableActor, orderActor, saleActor];

export { catalogActor, orderActor, saleActor, stockActor, storeActor, tableActor };

/** What an engine process serves with `ENGINE_ACTORS=@lunchrush/actors`. */
export const actors = restaurantActors;

/** JetStream streams the actors' durable side outputs go to: the wire contract's (`wire.ts`). */
export { outputStreams } from './wire.js';

// vocabulary
export {
  ActorTypes,
  ActorSchema,
  AtSchema,
  CATALOG_ACTOR_ID,
  CHAIN_STORE_ID,
  ID_RE,
  INTERNAL_COMMANDS,
  IdSchema,
  ORDER_ID_RE,
  OrderIdSchema,
  RoleSchema,
  SERVICE_CHANNELS,
  STORE_ACTOR_ID,
  STORE_ID_RE,
  SalesChannelSchema,
  ServiceChannelSchema,
  StoreIdSchema,
  catalogRef,
  orderRef,
  parseCommand,
  saleRef,
  stockRef,
  storeRef,
  tableRef,
} from './domain.js';
export type { Actor, Role, SalesChannel, ServiceChannel } from './domain.js';

// errors
export {
  CatalogFormatError,
  DomainError,
  ErrorCode,
  TableCodeError,
  ensureError,
  errorKind,
  formatIssue,
  refuse,
} from './errors.js';
export type { DomainErrorCode, FormatIssue } from './errors.js';

// money and time
export {
  FenDeltaSchema,
  FenSchema,
  MAX_FEN,
  allocateFen,
  formatFen,
  isFen,
  mulFen,
  parseYuan,
  sumFen,
} from './money.js';
export type { Fen } from './money.js';
export { DEFAULT_TZ_OFFSET_MIN, TimeWindowSchema, formatWindows, isWithin, localClock, parseWindows } from './hours.js';
export type { TimeWindow } from './hours.js';

// catalog and pricing
export {
  CatalogCommandSchema,
  CatalogDocSchema,
  EMPTY_OVERRIDES,
  FeesSchema,
  OptionChoiceSchema,
  OptionGroupSchema,
  SkuSchema,
  SpuSchema,
  decideCatalog,
  evolveCatalog,
  findSku,
  initialCatalog,
  mergeCatalog,
  skuIdsOf,
} from './catalog.js';
export type {
  CatalogCommand,
  CatalogDoc,
  CatalogDocInput,
  CatalogEvent,
  CatalogOverrides,
  CatalogResult,
  CatalogState,
  EffectiveCatalog,
  Fees,
  OptionChoice,
  OptionGroup,
  Sku,
  Spu,
  SpuInput,
} from './catalog.js';
export {
  CSV_COLUMNS,
  catalogToCsv,
  catalogToJson,
  parseCatalogCsv,
  parseCatalogJson,
  parseOptions,
  validateCatalog,
} from './catalog-io.js';
export {
  DiscountSchema,
  MAX_LINE_QTY,
  OptionPickSchema,
  QuoteLineSchema,
  lineRefundFen,
  priceLines,
  publicLine,
  publicLines,
} from './pricing.js';
export type {
  Discount,
  LineError,
  OptionPick,
  PriceInput,
  PricedLine,
  PricedOption,
  Quote,
  QuoteLine,
} from './pricing.js';

// stock
export {
  DEFAULT_LOW_STOCK_THRESHOLD,
  MAX_STOCK_QTY,
  StockCommandSchema,
  decideStock,
  evolveStock,
  initialStock,
  levelOf,
  stockKey,
  viewOf as stockView,
} from './stock.js';
export type {
  Hold,
  Outcome,
  StockCommand,
  StockEvent,
  StockLevel,
  StockResult,
  StockState,
  StockView,
} from './stock.js';

// channel sales (POS, delivery platforms)
export {
  SaleChannelSchema,
  SaleCommandSchema,
  SaleLineSchema,
  decideSale,
  evolveSale,
  initialSale,
  saleActorId,
  saleTotals,
} from './sale.js';
export type {
  SaleChannel,
  SaleCommand,
  SaleEvent,
  SaleLine,
  SaleRecord,
  SaleResult,
  SaleState,
  SoldSku,
} from './sale.js';

// store
export {
  DEFAULT_BUSY_THRESHOLD_TICKETS,
  DEFAULT_PAYMENT_TIMEOUT_MS,
  StoreCommandSchema,
  StoreSettingsSchema,
  decideStore,
  evolveStore,
  initialStore,
  pendingTotal,
  statusOf as storeStatusOf,
} from './store.js';
export type {
  Admission,
  ChannelSale,
  ShortSkus,
  StoreCommand,
  StoreEvent,
  StoreResult,
  StoreSettings,
  StoreState,
  StoreStatus,
  StoreView,
} from './store.js';

// tables
export {
  MAX_CART_LINES,
  TableCommandSchema,
  TableConfigSchema,
  decideTable,
  evolveTable,
  initialTable,
  statusOf as tableStatusOf,
  viewOf as tableView,
} from './table/index.js';
export type {
  CartLine,
  SessionOrder,
  TableCommand,
  TableConfig,
  TableEvent,
  TablePush,
  TableResult,
  TableSession,
  TableState,
  TableStatus,
  TableView,
} from './table/index.js';
export {
  formatTableCode,
  isLuhnValid,
  luhnCheckDigit,
  makeTableCode,
  parseTableCode,
  tableId,
  tryParseTableCode,
} from './table-code.js';
export type { TableCode } from './table-code.js';

// orders, refunds, kitchen
export {
  COMPLETE_TIMER,
  DEFAULT_AUTO_COMPLETE_MS,
  DEFAULT_URGE_INTERVAL_MS,
  DeliverySchema,
  OrderCommandSchema,
  PAYMENT_TIMER,
  PlaceOrderSchema,
  RefundLineSchema,
  decideOrder,
  detailOf,
  evolveOrder,
  initialOrder,
  summaryOf,
} from './order/index.js';
export type {
  Delivery,
  HeldSku,
  OrderCommand,
  OrderDetail,
  OrderEvent,
  OrderResult,
  OrderState,
  OrderSummary,
  Payment,
  PlaceOrderCommand,
  Refund,
  StationProgress,
} from './order/index.js';
export { refundPolicy, refundStage } from './refund.js';
export { dinerOrderTag, parseDinerOrderTag, type DinerOrderTag } from './diner-orders.js';
export type { OrderStatus, RefundDecision, RefundStage } from './refund.js';
export {
  BOARD_ORDER_STATUSES,
  KITCHEN_CLOSED_STATUSES,
  KITCHEN_ORDER_EVENTS,
  ORDER_STATUSES,
  ORDER_ID_DIGEST_CHARS,
  ORDER_ID_PREFIX,
  isKitchenClosed,
  needsStaff,
  orderIdFor,
  storeOfOrderId,
  touchesKitchen,
} from './order-rules.js';
export {
  ALL_STAFF,
  FLOOR_STAFF,
  KITCHEN_STAFF,
  MANAGERS,
  STAFF_ORDER_ACTIONS,
  STAFF_PERMISSIONS,
  StaffRoleSchema,
  isStationAction,
  staffActor,
  staffActorId,
  staffMay,
  staffMayTake,
  staffOrderCommand,
} from './staff-rules.js';
export type { StaffOrderAction, StaffPermission, StaffRole } from './staff-rules.js';
export type { EveryOrderStatusListed } from './order-rules.js';
export { newTickets, splitByStation, urgeTickets, voidTickets } from './kitchen.js';
export type { KitchenTicket, KitchenTicketLine, TicketOrder } from './kitchen.js';
export {
  boardPushSubject,
  kitchenSubject,
  catalogChangedSubject,
  menuPushSubject,
  orderPushSubject,
  refundInstructionId,
  refundSubject,
  tablePushSubject,
  ticketId as kitchenTicketId,
  urgeTicketId,
  voidTicketId,
} from './outputs.js';
export type { BoardPush, CatalogChanged, OrderPush, RefundInstruction, StockLevelPush } from './outputs.js';

// immutable collections used by hot actors
export {
  RECENT_LIMIT,
  emptyRecentMap,
  emptyTrie,
  rmGet,
  rmSet,
  trieDelete,
  trieEntries,
  trieGet,
  trieSet,
  upgradeRecentMap,
  upgradeTrie,
} from './collections.js';
export type { HashTrie, RecentMap, TrieNode } from './collections.js';
