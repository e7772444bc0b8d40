/**
 * Typed handles on the actors, in the spirit of Restate's typed clients: over
 * anything that sends a command the way `EngineClient.send` does (the client, the
 * gateway's `EngineGate`), `orderOf(sender, store, id).send({ type: 'accept', by, at })`
 * takes only the order's commands and resolves with the reply of that command
 * (`OrderSummary` here; `OrderDetail` for `place`, `get` and `replay`). What each
 * command answers is read from the actor's decide and written once below, per actor.
 *
 * A handle is one small object holding the sender and the actor's address; `send`
 * hands the command on as it is (no copy, no Proxy: it is on the order path).
 */
import type { SendOptions } from '@lunchrush/engine';
import { campaignPartitionKey, type CampaignCommand, type CampaignView, type ClaimResult } from './campaign.js';
import type { CampaignDirectoryCommand } from './campaign-directory.js';
import type { CatalogCommand } from './catalog.js';
import type { DeliveryCommand } from './delivery/commands.js';
import { ActorTypes, CATALOG_ACTOR_ID, STORE_ACTOR_ID } from './domain.js';
import type { BargainCommand, BargainView } from './bargain/index.js';
import type { BargainCampaignCommand, BargainCampaignView } from './bargain/campaign.js';
import type { GroupCampaignCommand, GroupCampaignView } from './groupbuy/campaign.js';
import type { GroupCommand } from './groupbuy/commands.js';
import type { GroupResult } from './groupbuy/decide.js';
import type { LotteryCommand, LotteryView } from './lottery.js';
import type { MemberProgramCommand } from './loyalty-program.js';
import type { CatalogDoc } from './menu.js';
import { memberPartitionKey, type MemberCommand, type MemberResult } from './member/index.js';
import type { OrderCommand, OrderDetail, OrderSummary } from './order/index.js';
import type { Quote } from './pricing.js';
import { PROMOTIONS_ACTOR_ID, type PromotionsCommand, type PromotionsView } from './store-promotions.js';
import type { RoutingCommand } from './routing/router.js';
import type { SaleCommand, SaleResult } from './sale.js';
import type { StaffCommand } from './staff.js';
import type { StockCommand, StockResult } from './stock.js';
import type { Admission, ChannelSale, StoreCommand, StoreLoad, StoreView } from './store.js';
import type { ParsedTableCommand, TableCommand, TableView } from './table/index.js';

/** A command of any restaurant actor: what crosses from a gateway to the engine. */
export type ActorCommand =
  | OrderCommand
  | TableCommand
  | StockCommand
  | SaleCommand
  | CatalogCommand
  | StoreCommand
  | StaffCommand
  | MemberCommand
  | CampaignCommand
  | PromotionsCommand
  | RoutingCommand
  | DeliveryCommand
  | GroupCampaignCommand
  | GroupCommand
  | BargainCampaignCommand
  | BargainCommand
  | LotteryCommand
  | CampaignDirectoryCommand
  | MemberProgramCommand;

/** Anything with the engine client's `send` shape (`EngineClient`, the gateway's `EngineGate`). */
export interface CommandSender {
  send<R>(store: string, actorType: string, actorId: string, command: ActorCommand, opts?: SendOptions): Promise<R>;
}

type Replies<C extends { type: string }> = { readonly [K in C['type']]: unknown };

/** Each command type of `C` to its reply: `Special`'s when it names the type, `Default` otherwise. */
type ReplyMap<C extends { type: string }, Default, Special extends Partial<Replies<C>>> = {
  readonly [K in C['type']]: K extends keyof Special ? Special[K] : Default;
};

/** Every command answers the order's summary but these, which answer its detail. */
export type OrderReplies = ReplyMap<
  OrderCommand,
  OrderSummary,
  { place: OrderDetail; get: OrderDetail; replay: OrderDetail; placeCampaign: OrderDetail }
>;

/** Every command answers the table's view; a submit adds the order it placed (or found again). */
export type TableReplies = ReplyMap<TableCommand, TableView, { submit: TableView & { readonly order: OrderDetail } }>;

export type StockReplies = ReplyMap<StockCommand, StockResult, object>;

/** `get` answers null while the sale actor holds no sale. */
export type SaleReplies = ReplyMap<SaleCommand, SaleResult, { get: SaleResult | null }>;

/** A change (and `hasSkus`) answers the catalog's revision. */
export type CatalogReplies = ReplyMap<
  CatalogCommand,
  { rev: number },
  { get: { rev: number; catalog: CatalogDoc }; quote: Quote }
>;

export type StoreReplies = ReplyMap<StoreCommand, StoreView, { admit: Admission; sell: ChannelSale; load: StoreLoad }>;

/** Every member command answers the card as it is after it (with `duplicate`, `earnedPoints`, `bonusFen`). */
export type MemberReplies = ReplyMap<MemberCommand, MemberResult, object>;

/** A claim answers the coupon it issued; everything else the campaign's view. */
export type CampaignReplies = ReplyMap<CampaignCommand, CampaignView, { claim: ClaimResult }>;

/** Setting and reading a store's promotions both answer them. */
export type PromotionsReplies = ReplyMap<PromotionsCommand, PromotionsView, object>;

/** Group-buy, bargain and lottery actors answer their view to every command. */
export type GroupCampaignReplies = ReplyMap<GroupCampaignCommand, GroupCampaignView, object>;
export type GroupReplies = ReplyMap<GroupCommand, GroupResult, object>;
export type BargainCampaignReplies = ReplyMap<BargainCampaignCommand, BargainCampaignView, object>;
export type BargainReplies = ReplyMap<BargainCommand, BargainView, object>;
export type LotteryReplies = ReplyMap<LotteryCommand, LotteryView, object>;

/** One actor's address over a sender; `send` takes only that actor's commands. */
export class ActorHandle<C extends ActorCommand, R extends Replies<C>, P extends { type: string } = C> {
  constructor(
    private readonly sender: CommandSender,
    readonly store: string,
    readonly actorType: string,
    readonly id: string,
  ) {}

  /** Resolves with the reply of the command's type (a union of replies when the type is). */
  send<T extends C>(command: T, opts?: SendOptions): Promise<R[T['type']]> {
    return this.sender.send<R[T['type']]>(this.store, this.actorType, this.id, command, opts);
  }

  /**
   * Sends a command built in the form the actor type's `parse` gives (`P`: its schema's output, every
   * default filled in) from input this process validated: a partition in this process decides it
   * without parsing it again (`SendOptions.parsed`); another process parses it as always.
   */
  sendParsed<T extends P & C>(command: T, opts?: SendOptions): Promise<R[T['type']]> {
    const o: SendOptions = opts === undefined ? { parsed: true } : { ...opts, parsed: true };
    return this.sender.send<R[T['type']]>(this.store, this.actorType, this.id, command, o);
  }
}

export type OrderHandle = ActorHandle<OrderCommand, OrderReplies>;
export type TableHandle = ActorHandle<TableCommand, TableReplies, ParsedTableCommand>;
export type StockHandle = ActorHandle<StockCommand, StockReplies>;
export type SaleHandle = ActorHandle<SaleCommand, SaleReplies>;
export type CatalogHandle = ActorHandle<CatalogCommand, CatalogReplies>;
export type StoreHandle = ActorHandle<StoreCommand, StoreReplies>;
export type MemberHandle = ActorHandle<MemberCommand, MemberReplies>;
export type CampaignHandle = ActorHandle<CampaignCommand, CampaignReplies>;
export type PromotionsHandle = ActorHandle<PromotionsCommand, PromotionsReplies>;
export type GroupCampaignHandle = ActorHandle<GroupCampaignCommand, GroupCampaignReplies>;
export type GroupHandle = ActorHandle<GroupCommand, GroupReplies>;
export type BargainCampaignHandle = ActorHandle<BargainCampaignCommand, BargainCampaignReplies>;
export type BargainHandle = ActorHandle<BargainCommand, BargainReplies>;
export type LotteryHandle = ActorHandle<LotteryCommand, LotteryReplies>;

export const orderOf = (sender: CommandSender, store: string, orderId: string): OrderHandle =>
  new ActorHandle(sender, store, ActorTypes.Order, orderId);
export const tableOf = (sender: CommandSender, store: string, tableId: string): TableHandle =>
  new ActorHandle(sender, store, ActorTypes.Table, tableId);
export const stockOf = (sender: CommandSender, store: string, skuId: string): StockHandle =>
  new ActorHandle(sender, store, ActorTypes.Stock, skuId);
/** The sale actor's id is `saleActorId(channel, ref)`. */
export const saleOf = (sender: CommandSender, store: string, saleId: string): SaleHandle =>
  new ActorHandle(sender, store, ActorTypes.Sale, saleId);
/** A store has one catalog actor (`CATALOG_ACTOR_ID`). */
export const catalogOf = (sender: CommandSender, store: string): CatalogHandle =>
  new ActorHandle(sender, store, ActorTypes.Catalog, CATALOG_ACTOR_ID);
/** A store has one store actor (`STORE_ACTOR_ID`). */
export const storeOf = (sender: CommandSender, store: string): StoreHandle =>
  new ActorHandle(sender, store, ActorTypes.Store, STORE_ACTOR_ID);
/** A member's card, in the member's own partition (`memberPartitionKey`), not a store's. */
export const memberOf = (sender: CommandSender, memberId: string): MemberHandle =>
  new ActorHandle(sender, memberPartitionKey(memberId), ActorTypes.Member, memberId);
/** A coupon campaign, in its own partition (`campaignPartitionKey`). */
export const campaignOf = (sender: CommandSender, campaignId: string): CampaignHandle =>
  new ActorHandle(sender, campaignPartitionKey(campaignId), ActorTypes.Campaign, campaignId);
/** A store's automatic promotions (one actor a store, `PROMOTIONS_ACTOR_ID`). */
export const promotionsOf = (sender: CommandSender, store: string): PromotionsHandle =>
  new ActorHandle(sender, store, ActorTypes.Promotions, PROMOTIONS_ACTOR_ID);
/** A group-buy campaign (拼团), in its store's partition. */
export const groupCampaignOf = (sender: CommandSender, store: string, campaignId: string): GroupCampaignHandle =>
  new ActorHandle(sender, store, ActorTypes.GroupBuy, campaignId);
/** One group of a group-buy campaign, in its store's partition. */
export const groupOf = (sender: CommandSender, store: string, groupId: string): GroupHandle =>
  new ActorHandle(sender, store, ActorTypes.Group, groupId);
/** A bargain campaign (砍价), in its store's partition. */
export const bargainCampaignOf = (sender: CommandSender, store: string, campaignId: string): BargainCampaignHandle =>
  new ActorHandle(sender, store, ActorTypes.Bargaining, campaignId);
/** One diner's bargain, in its store's partition. */
export const bargainOf = (sender: CommandSender, store: string, bargainId: string): BargainHandle =>
  new ActorHandle(sender, store, ActorTypes.Bargain, bargainId);
/** A lottery (抽奖), in its store's partition. */
export const lotteryOf = (sender: CommandSender, store: string, lotteryId: string): LotteryHandle =>
  new ActorHandle(sender, store, ActorTypes.Lottery, lotteryId);
