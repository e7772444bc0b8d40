/**
 * The member forwarder: what carries an order's news to the member's card.
 *
 * A member's card lives in a partition of its own (keyed by the member), so an order cannot call
 * it inside its own transaction. The order emits a `MemberInstruction` on `members.<memberId>`
 * instead (JetStream, id `member:<orderId>:paid|release|refund:<refundId>`, published only once the
 * order's step is durable), and this worker hands each one to the card under a command id made
 * from the same step, so a redelivery after a crash changes the card once:
 *
 * - `orderPaid`: the card's hold for the order is spent and the order earns points;
 * - `release`: a cancelled or timed-out order's hold goes back to the card;
 * - `spendHold` (from a lottery's points draw, id `member:<holdId>:spent`): the points held for the
 *   draw are spent;
 * - `refund`: the stored value and points of a refund go back, the points the order earned on it
 *   are taken back;
 * - `grantCoupon` (from a campaign's claim, id `coupon-grant:<couponId>`): the coupon goes on the
 *   card, even when the gateway that claimed it died before granting it.
 *
 * One message at a time, in stream order, so a card hears `orderPaid` before a `refund` of the
 * same order. An outage (the engine moving a partition, a timeout) puts the message back with a
 * delay; a refusal for good (a card that never was, an amount over what the order spent) is
 * logged for a person and terminated.
 */
import { IdSchema, OrderIdSchema } from '@lunchrush/actors';
import {
  MemberCouponSchema,
  ProgramReader,
  couponGrantId,
  memberOf,
  type CouponGrantInstruction,
  type MemberInstruction,
} from '@lunchrush/actors/members';
import { wire } from '@lunchrush/actors/wire';
import { decode, EngineError, ensureError } from '@lunchrush/engine';
import { ConsumerLoop } from '@lunchrush/engine/consumer';
import type { JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { PaymentsEngine } from './config.js';

export const MEMBER_CONSUMER = 'member-forwarder';
const MAX_DELAY_MS = 60_000;

const AtField = { at: z.number().int().min(0) };
const OrderInstructionSchema = z.object({
  memberId: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/),
  orderId: OrderIdSchema,
  command: z.discriminatedUnion('type', [
    z.object({
      type: z.literal('orderPaid'),
      orderId: OrderIdSchema,
      paidFen: z.number().int().min(0),
      expects: z
        .object({
          points: z.number().int().min(0),
          balanceFen: z.number().int().min(0),
          couponIds: z.array(IdSchema).max(2),
        })
        .optional(),
      ...AtField,
    }),
    z.object({
      type: z.literal('release'),
      orderId: OrderIdSchema,
      reason: z.enum(['cancelled', 'timeout', 'failed', 'refused']),
      ...AtField,
    }),
    z.object({
      type: z.literal('spendHold'),
      orderId: OrderIdSchema,
      points: z.number().int().min(1),
      ...AtField,
    }),
    z.object({
      type: z.literal('refund'),
      orderId: OrderIdSchema,
      refundId: IdSchema,
      points: z.number().int().min(0),
      balanceFen: z.number().int().min(0),
      paidFen: z.number().int().min(0).optional(),
      ...AtField,
    }),
  ]),
});
/** A coupon its campaign issued: the grant follows from the claim, whoever asked for it. */
const GrantInstructionSchema = z.object({
  memberId: z.string().regex(/^[A-Za-z0-9_-]{1,60}$/),
  couponId: IdSchema,
  command: z.object({ type: z.literal('grantCoupon'), coupon: MemberCouponSchema, ...AtField }),
});
const InstructionSchema = z.union([OrderInstructionSchema, GrantInstructionSchema]);
type CardInstruction = MemberInstruction | CouponGrantInstruction;

export interface MemberForwarderOptions {
  readonly nc: NatsConnection;
  readonly namespace: string;
  readonly engine: PaymentsEngine;
  readonly log: Logger;
}

export type ForwardOutcome = 'forwarded' | 'retry' | 'failed' | 'invalid';

/** The card's command id of one instruction: the order's step, stable across redeliveries. */
export function forwardId(ins: CardInstruction): string {
  if ('couponId' in ins) return couponGrantId(ins.couponId);
  const c = ins.command;
  return c.type === 'refund' ? `order-refund:${ins.orderId}:${c.refundId}` : `order-${c.type}:${ins.orderId}`;
}

export class MemberForwarder {
  private readonly consuming: ConsumerLoop;
  private readonly programs: ProgramReader;

  constructor(private readonly o: MemberForwarderOptions) {
    this.programs = new ProgramReader(o.engine);
    this.consuming = new ConsumerLoop({
      what: 'member forwarder',
      nc: o.nc,
      consumer: {
        stream: this.stream,
        durable: MEMBER_CONSUMER,
        ackWaitMs: 30_000,
        // One at a time across every gateway: a card hears an order's steps in their order.
        maxAckPending: 1,
      },
      maxMessages: 16,
      log: o.log,
    });
  }

  get stream(): string {
    return wire(this.o.namespace).memberStream;
  }

  /** Starts consuming in the background; the engine creates the stream, so it may not be there yet. */
  start(): void {
    this.consuming.start(async (messages) => {
      for await (const m of messages) await this.handle(m);
    });
  }

  stop(): Promise<void> {
    return this.consuming.stop();
  }

  /** One delivery of one instruction; never throws. */
  async handle(m: JsMsg): Promise<ForwardOutcome> {
    let ins: CardInstruction;
    try {
      ins = InstructionSchema.parse(decode(m.data));
    } catch (e) {
      this.o.log.error({ seq: m.seq, err: ensureError(e).message.slice(0, 300) }, 'not a member instruction');
      m.term();
      return 'invalid';
    }
    const about = 'couponId' in ins ? { couponId: ins.couponId } : { orderId: ins.orderId };
    const log = this.o.log.child({ memberId: ins.memberId, ...about, step: ins.command.type });
    try {
      // A paid order earns points and counts towards a level by the chain's programme of now.
      const command =
        ins.command.type === 'orderPaid' ? { ...ins.command, program: await this.programs.get() } : ins.command;
      await memberOf(this.o.engine, ins.memberId).send(command, { id: forwardId(ins) });
      m.ack();
      return 'forwarded';
    } catch (e) {
      if (!(e instanceof EngineError) || e.retryable) {
        log.warn({ err: ensureError(e).message, delivery: m.info.deliveryCount }, 'member step failed, will retry');
        m.nak(Math.min(MAX_DELAY_MS, 1_000 * 2 ** Math.min(10, m.info.deliveryCount - 1)));
        return 'retry';
      }
      log.error(
        { code: e.reason ?? e.code, err: e.message },
        'the card refused an order step for good: it needs a person',
      );
      m.term();
      return 'failed';
    }
  }
}
