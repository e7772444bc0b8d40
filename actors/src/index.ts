/**
 * `@lunchrush/actors`: the restaurant's actor types and their contract (ids and
 * refs, commands and their schemas, events, results and states, the rules readers
 * outside read, table codes, catalog files). What only the actors use to decide
 * (collections, ticket builders, pricing, fen arithmetic, refusal helpers) stays
 * inside; the wire contract is `@lunchrush/actors/wire`, the demo chain
 * `@lunchrush/actors/demo`, members and coupons `@lunchrush/actors/members`, group-buy,
 * bargains, lotteries and share codes `@lunchrush/actors/campaigns`.
 */
import type { ActorType } from '@lunchrush/engine';
import { auditActor } from './audit.js';
import { campaignActor } from './campaign.js';
import { catalogActor } from './catalog.js';
import { groupActor, groupCampaignActor } from './groupbuy/index.js';
import { bargainActor, bargainCampaignActor } from './bargain/index.js';
import { lotteryActor } from './lottery.js';
import { memberActor } from './member/index.js';
import { orderActor } from './order/index.js';
import { saleActor } from './sale.js';
import { staffAccountActor } from './staff-account.js';
import { staffDirectoryActor } from './staff-directory.js';
import { storeDirectoryActor } from './store-directory.js';
import { campaignDirectoryActor } from './campaign-directory.js';
import { memberProgramActor } from './loyalty-program.js';
import { stockActor } from './stock.js';
import { storeActor } from './store.js';
import { routingActor } from './routing/router.js';
import { deliveryActor } from './delivery/index.js';
import { promotionsActor } from './store-promotions.js';
import { tableActor } from './table/index.js';

/** Every restaurant actor type, to register in the engine (and in `MemoryRuntime`). */
export const restaurantActors: ActorType[] = [
  storeActor,
  catalogActor,
  stockActor,
  tableActor,
  orderActor,
  saleActor,
  // staff accounts, the chain's lists of them and of its stores, the audit log (`@lunchrush/actors/staff`)
  staffAccountActor,
  staffDirectoryActor,
  storeDirectoryActor,
  auditActor,
  // members and coupon campaigns, each in partitions of their own (`memberRef`, `campaignRef`)
  memberActor,
  campaignActor,
  // the chain's list of coupon campaigns and its member programme, in the chain's partition
  campaignDirectoryActor,
  memberProgramActor,
  // a store's automatic promotions, read by the placement saga
  promotionsActor,
  // group-buy (拼团): campaigns and their groups, in the store's partition
  groupCampaignActor,
  groupActor,
  // bargains (砍价) and lotteries (抽奖), in the store's partition
  bargainCampaignActor,
  bargainActor,
  lotteryActor,
  // the routing of one order request to a store, in a partition of its own (`routingRef`)
  routingActor,
  // a delivery order's courier (or staff) trip, in the store's partition (`deliveryRef`)
  deliveryActor,
];

export { campaignActor, catalogActor, memberActor, orderActor, saleActor, stockActor, storeActor, tableActor };

/** What an engine process serves with `ENGINE_ACTORS=@lunchrush/actors`. */
export const actors = restaurantActors;

/** JetStream streams the actors' durable side outputs go to: the wire contract's (`wire.ts`). */
export { outputStreams } from './wire.js';

// group-buy, bargains, lotteries and share codes: `@lunchrush/actors/campaigns` (their actors register above)

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
  saleRef,
  stockRef,
  storeRef,
  tableRef,
} from './domain.js';
export type { Actor, Role, SalesChannel, ServiceChannel } from './domain.js';

// recommendations: the model the gateways serve and the ranking (analytics trains and evaluates)
export {
  DEFAULT_RECO_WEIGHTS,
  RECO_EVENTS_STREAM,
  RECO_EVENT_SUBJECTS,
  RECO_PERIODS,
  catalogFeatures,
  contentNeighbours,
  itemFeatures,
  jaccard,
  partyBucket,
  recoHourOf,
  recoEventSubject,
  recoPeriodOf,
  recommend,
} from './recommend.js';
export type {
  ItemFeatures,
  RecoDinerHistory,
  RecoEvent,
  RecoInput,
  RecoModel,
  RecoPeriod,
  RecoReason,
  RecoSlice,
  RecoWeights,
  Recommendation,
} from './recommend.js';

// errors
export { CatalogFormatError, DomainError, ErrorCode, TableCodeError } from './errors.js';
export type { DomainErrorCode, FormatIssue } from './errors.js';

// money and time
export { FenDeltaSchema, FenSchema, MAX_FEN, formatFen, parseYuan } from './money.js';
export type { Fen } from './money.js';
export { DEFAULT_TZ_OFFSET_MIN, TimeWindowSchema, formatWindows, isWithin, parseWindows } from './hours.js';
export type { TimeWindow } from './hours.js';

// the menu, the catalog actor and its files
export {
  CatalogDocSchema,
  FeesSchema,
  OptionChoiceSchema,
  OptionGroupSchema,
  SkuSchema,
  SpuSchema,
  mergeCatalog,
  skuIdsOf,
} from './menu.js';
export type {
  CatalogDoc,
  CatalogDocInput,
  CatalogOverrides,
  EffectiveCatalog,
  Fees,
  OptionChoice,
  OptionGroup,
  Sku,
  Spu,
  SpuInput,
} from './menu.js';
export { CatalogCommandSchema, decideCatalog, evolveCatalog, initialCatalog } from './catalog.js';
export type { CatalogCommand, CatalogEvent, CatalogResult, CatalogState } from './catalog.js';
export {
  CSV_COLUMNS,
  catalogToCsv,
  catalogToJson,
  parseCatalogCsv,
  parseCatalogJson,
  validateCatalog,
} from './catalog-io.js';
export { DiscountSchema, MAX_LINE_QTY, OptionPickSchema, QuoteLineSchema, publicLines } from './pricing.js';
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
  StoreSettingsPatchSchema,
  StoreSettingsSchema,
  decideStore,
  evolveStore,
  initialStore,
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
  StoreLoad,
} from './store.js';

// delivery: a delivery order's courier dispatch, escalation and tracking (the worker: `@lunchrush/couriers`)
export {
  ACCEPT_TIMER,
  ARRIVE_TIMER,
  COURIER_OUTPUT,
  CourierStatusSchema,
  DELIVERY_ERRORS,
  DeliveryCommandSchema,
  DeliveryErrorCode,
  DispatchPolicySchema,
  courierInstructionId,
  courierSubject,
  decideDelivery,
  deliveryActor,
  deliveryOf,
  deliveryRef,
  deliveryView,
  evolveDelivery,
  initialDelivery,
  parseShopOrderId,
  shopOrderId,
} from './delivery/index.js';
export type {
  CourierBoardPush,
  CourierCancel,
  CourierCreate,
  CourierInstruction,
  CourierItem,
  CourierPush,
  CourierStatus,
  CourierTip,
  DeliveryCommand,
  DeliveryEvent,
  DeliveryHandle,
  DeliveryState,
  DeliveryStatus,
  DeliveryView,
  DispatchPolicy,
  RiderInfo,
} from './delivery/index.js';

// routing: the store that serves an order best, and the durable record of trying stores in turn
export {
  RoutingCommandSchema,
  RoutingIdSchema,
  decideRouting,
  evolveRouting,
  initialRouting,
  routingPartitionKey,
  routingRef,
  routingView,
} from './routing/router.js';
export type { RoutingAttempt, RoutingCommand, RoutingEvent, RoutingState, RoutingView } from './routing/router.js';
export { NEXT_STORE_ON, placeRouted, readCandidates, routingIdFor, routingOf } from './routing/place-routed.js';
export type { LoadReader, RoutedPlacement, RoutingHandle, RoutingReplies } from './routing/place-routed.js';
export {
  FEE_MIN_PER_YUAN,
  MAX_PICKUP_DISTANCE_M,
  THIN_STOCK_PENALTY_MIN,
  THIN_STOCK_UNITS,
  routeOrder,
} from './routing/score.js';
export type {
  ExclusionReason,
  Excluded,
  RoutedChannel,
  RoutingCandidate,
  RoutingDecision,
  RoutingLine,
  RoutingRequest,
  ScoredStore,
} from './routing/score.js';

// kitchen load: quoted waits and admission control
export {
  AdmissionSettingsSchema,
  AdmissionTargetSchema,
  DEFAULT_ADMISSION,
  OverrideModeSchema,
  kitchenLoad,
  pausedAmong,
  quoteFor,
} from './kitchen-load.js';
export type {
  AdmissionSettings,
  AdmissionTarget,
  KitchenLevel,
  KitchenLoad,
  OverrideMode,
  StationLoad,
} from './kitchen-load.js';

// stores on the map: location, delivery zone and fees, hours per channel
export {
  DEFAULT_RIDER_SPEED_KMH,
  DeliverySettingsSchema,
  DeliveryZoneSchema,
  GeoPointSchema,
  StoreSiteSchema,
  channelHours,
  deliveryFeeFen,
  distanceM,
  quoteDelivery,
  rideMinutes,
  zoneContains,
} from './geo/site.js';
export type { DeliveryQuote, DeliverySettings, DeliveryZone, GeoPoint, StoreSite } from './geo/site.js';

// tables
export {
  MAX_CART_LINES,
  TableCommandSchema,
  TableConfigSchema,
  decideTable,
  evolveTable,
  initialTable,
} from './table/index.js';
export type {
  CartLine,
  SessionOrder,
  TableCommand,
  ParsedTableCommand,
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
  DEFAULT_AUTO_COMPLETE_MS,
  DEFAULT_URGE_INTERVAL_MS,
  DeliverySchema,
  OrderCommandSchema,
  OrderMemberSchema,
  PlaceOrderSchema,
  RefundLineSchema,
  decideOrder,
  evolveOrder,
  initialOrder,
} from './order/index.js';
export type {
  Delivery,
  HeldSku,
  MemberPayment,
  OrderCommand,
  OrderDetail,
  OrderDiscount,
  OrderEvent,
  OrderMember,
  OrderResult,
  OrderState,
  OrderSummary,
  Payment,
  PlaceOrderCommand,
  Refund,
  StationProgress,
} from './order/index.js';
export { refundPolicy, refundStage } from './refund.js';
export type { OrderStatus, RefundDecision, RefundStage } from './refund.js';
export { dinerOrderTag, parseDinerOrderTag, type DinerOrderTag } from './diner-orders.js';
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
export type { EveryOrderStatusListed } from './order-rules.js';
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
  staffWorksIn,
  staffMayTake,
  staffOrderCommand,
} from './staff-rules.js';
export type { StaffOrderAction, StaffPermission, StaffRole } from './staff-rules.js';

// members, stored value, coupons and promotions: `@lunchrush/actors/members`

// payloads of the side outputs (their streams, subjects and ids: `@lunchrush/actors/wire`)
export type { KitchenTicket, KitchenTicketLine } from './kitchen.js';
export type { BoardPush, CatalogChanged, OrderPush, RefundInstruction, StockLevelPush } from './outputs.js';

// the idempotency memory of hot actors: its size, and the shapes their states hold
export { RECENT_LIMIT } from './collections.js';
export type { HashTrie, RecentMap, TrieNode } from './collections.js';

// typed handles: an actor's commands in, the reply of each command out
export { ActorHandle, catalogOf, orderOf, saleOf, stockOf, storeOf, tableOf } from './handles.js';
export type {
  ActorCommand,
  CatalogHandle,
  CatalogReplies,
  CommandSender,
  OrderHandle,
  OrderReplies,
  SaleHandle,
  SaleReplies,
  StockHandle,
  StockReplies,
  StoreHandle,
  StoreReplies,
  TableHandle,
  TableReplies,
} from './handles.js';
