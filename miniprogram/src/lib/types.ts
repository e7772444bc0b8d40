/**
 * The gateway's answers as the mini-program reads them (see the gateway's
 * /openapi.json and the actors' README). Declared here: the mini-program talks to
 * the HTTP/WebSocket API only. The one exception is a closed list actors/ owns (an
 * order's statuses), imported as a type: it leaves no import in the compiled app,
 * and a status added there fails the app's type-check until the app has words for it.
 */
import type { OrderStatus } from '@lunchrush/actors';

export type { OrderStatus };
export interface OptionChoice {
  id: string;
  name: string;
  priceDeltaFen: number;
  available: boolean;
}
export interface OptionGroup {
  id: string;
  name: string;
  min: number;
  max: number;
  choices: OptionChoice[];
}
export interface Sku {
  skuId: string;
  spec: string;
  priceFen: number;
}
export interface Spu {
  spuId: string;
  name: string;
  category: string;
  description: string;
  skus: Sku[];
  optionGroups: OptionGroup[];
  allergens: string[];
  ingredients: string[];
  caloriesKcal?: number;
  prepTimeSec: number;
  station: string;
  channels: string[];
  tags: string[];
  sort: number;
  images: string[];
  packagingFeeFen: number;
  available: boolean;
}
export interface Menu {
  store: string;
  rev: number;
  currency: 'CNY';
  categories: string[];
  spus: Spu[];
}
export type StockLevel = 'ok' | 'low' | 'out';
export interface SkuStock {
  level: StockLevel;
  available: number;
}
export interface StockAnswer {
  store: string;
  at: number;
  skus: { skuId: string; level: StockLevel; available: number }[];
}
export interface OptionPick {
  group: string;
  choice: string;
}
export interface CartLine {
  lineId: string;
  dinerId: string;
  skuId: string;
  qty: number;
  options: OptionPick[];
  note: string | null;
  name: string;
  spec: string;
  unitPriceFen: number;
  addedAt: number;
}
export interface SessionOrder {
  orderId: string;
  state: 'unpaid' | 'paid' | 'cancelled';
  totalFen: number;
}
export type TableStatus = 'free' | 'seated' | 'ordering' | 'awaiting_payment' | 'cleaning' | 'merged';
export interface TableView {
  tableId: string;
  label: string;
  status: TableStatus;
  sessionId: string | null;
  partySize: number;
  diners: string[];
  cart: CartLine[];
  cartTotalFen: number;
  orders: SessionOrder[];
  mergedInto: string | null;
  version: number;
}
export interface ScanAnswer {
  store: { storeId: string; name: string; status: string };
  table: TableView;
  menuUrl: string;
  /** The session token that names the table: sent from then on. */
  sessionToken: string;
  expiresInS: number;
}
export interface PricedOption {
  group: string;
  choice: string;
  name?: string;
  priceDeltaFen?: number;
}
export interface PricedLine {
  lineNo: number;
  skuId: string;
  spuId: string;
  name: string;
  spec: string;
  qty: number;
  basePriceFen: number;
  options: PricedOption[];
  unitPriceFen: number;
  amountFen: number;
  packagingFeeFen: number;
  station: string;
  prepTimeSec: number;
  note?: string;
}
export interface Quote {
  lines: PricedLine[];
  itemsFen: number;
  packagingFeeFen: number;
  deliveryFeeFen: number;
  discountFen: number;
  totalFen: number;
}
export interface Refund {
  refundId: string;
  status?: string;
  amountFen?: number;
  [k: string]: unknown;
}
/** What an order command (cancel, urge, refund, review) answers: the order after it. An order's detail starts with the same. */
export interface OrderSummary {
  orderId: string;
  status: OrderStatus;
  totalFen: number;
  deadline: number;
  paidFen: number;
  refundedFen: number;
}
/** What an order's diner may do now (`dinerActions` of an order the gateway answers). */
export type DinerAction = 'pay' | 'cancel' | 'urge' | 'refund' | 'review';
export interface OrderDetail extends OrderSummary {
  channel: string;
  tableId: string | null;
  lines: PricedLine[];
  itemsFen: number;
  packagingFeeFen: number;
  deliveryFeeFen: number;
  discountFen: number;
  stations: { station: string; state?: string; [k: string]: unknown }[];
  refunds: Refund[];
  urges: number;
  /** The gateway says, by the order's own rules, which of the diner's buttons apply now. */
  dinerActions: DinerAction[];
}
export interface RequestPaymentParams {
  timeStamp: string;
  nonceStr: string;
  package: string;
  signType: 'RSA';
  paySign: string;
}
export interface PrepayAnswer {
  orderId: string;
  amountFen: number;
  deadline: number;
  provider: string;
  prepayId: string;
  requestPayment: RequestPaymentParams;
  simulator?: { payUrl: string; body: { prepayId: string } };
}
/** `order:<id>` deltas. */
export interface OrderPush {
  kind: 'order';
  orderId: string;
  status: OrderStatus;
  seq: number;
  events: string[];
  at: number;
}
/** `menu` deltas. */
export interface StockLevelPush {
  kind: 'stock';
  skuId: string;
  level: StockLevel;
  available: number;
  at: number;
}

/** One suggestion of `GET /v1/stores/{store}/recommendations`. */
export interface RecoItem {
  skuId: string;
  spuId: string;
  name: string;
  spec: string;
  priceFen: number;
  image: string | null;
  score: number;
  reason: 'with_cart' | 'for_you' | 'hot' | 'similar';
}
export interface RecoAnswer {
  store: string;
  context: 'menu' | 'cart';
  variant: 'reco' | 'control';
  period: string;
  hour: number;
  model: { builtAt: number; trainedTo: string; scope: string } | null;
  items: RecoItem[];
  hot: RecoItem[];
}
export type RecoList = 'menu' | 'cart' | 'hot';
export interface RecoEventIn {
  type: 'shown' | 'clicked';
  skuId: string;
  context: RecoList;
  position: number;
}

/** A coupon on the member card (`GET /v1/diner/member`). */
export interface MemberCoupon {
  couponId: string;
  campaignId: string;
  terms: { kind: 'threshold' | 'percent' | 'item' | 'free_delivery'; name: string; [k: string]: unknown };
  validFrom: number;
  validTo: number;
  status: 'available' | 'held' | 'used' | 'expired';
}

export interface MemberCard {
  memberId: string;
  enrolled: boolean;
  level: number;
  levelName: string;
  points: number;
  balanceFen: number;
  coupons: MemberCoupon[];
  paidOrders: number;
  checkIn: { lastDay: number | null; streak: number };
  earnedPoints?: number;
}

/** A campaign in the coupon centre. */
export interface Campaign {
  campaignId: string;
  name: string | null;
  total: number;
  issued: number;
  remaining: number;
  open: boolean;
  def: { terms: { name: string } } | null;
}

export interface DiscountLine {
  id: string;
  kind: 'promotion' | 'coupon' | 'points';
  label: string;
  reason: string;
  amountFen: number;
}

/** What an order costs a member (`POST /v1/diner/checkout`). */
export interface CheckoutPlan {
  itemsFen: number;
  packagingFeeFen: number;
  deliveryFeeFen: number;
  subtotalFen: number;
  discounts: DiscountLine[];
  discountFen: number;
  payableFen: number;
  couponIds: string[];
  suggestedCouponIds: string[];
  points: number;
  pointsFen: number;
  balanceFen: number;
  wechatFen: number;
}

/** How the diner pays with the card: coupons (`best` or ids), points and stored value. */
export interface PayChoice {
  couponIds: 'best' | string[];
  points: 'max' | number;
  balanceFen: 'max' | number;
}

