/**
 * 达达's status callbacks, checked and told to the delivery. 达达 signs a callback without any
 * secret (`dada-sign.ts`), so the sign only proves the body is whole: a callback is believed only
 * once a signed status query (`DadaPlatform.status`) says the order is at that step or further
 * on (a rider moves on between the push and the query). Then, as for 顺丰同城: `update_time`
 * within the tolerance (an old push replayed is refused), the merchant's number naming an order
 * and attempt, and the delivery decides (a step back is refused there).
 */
import type { CommandSender, CourierStatus } from '@lunchrush/actors';
import { applyStep, pushedOrder, type CallbackOutcome, type CourierStep } from './courier-step.js';
import { CourierError, CourierErrorCode as C } from './errors.js';
import { DadaCallbackSchema, dadaCourierStatus, type DadaOrderStatus } from './dada-protocol.js';
import { dadaCallbackVerify } from './dada-sign.js';

export interface DadaCallbackOptions {
  readonly engine: CommandSender;
  /** The platform's signed status query (`DadaPlatform.status`). */
  readonly status: (shopOrderId: string) => Promise<DadaOrderStatus | undefined>;
  readonly signatureToleranceS: number;
}

/** Steps in the order they happen; a cancel or exception is believed only when the query says the same. */
const RANK: Partial<Record<CourierStatus, number>> = { accepted: 1, arrived: 2, picked_up: 3, delivered: 4 };

/** A callback checked and confirmed: what the delivery is told. */
export type DadaStep = CourierStep;

export class DadaCallbacks {
  constructor(private readonly o: DadaCallbackOptions) {}

  /** The step a callback reports, once its sign, age and the platform's own answer agree; null for a status not followed. */
  async verify(rawBody: Buffer, now = Date.now()): Promise<DadaStep | null> {
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString('utf8'));
    } catch {
      throw new CourierError(C.BadCallback, 'the callback body is not JSON');
    }
    const parsed = DadaCallbackSchema.safeParse(json);
    if (!parsed.success)
      throw new CourierError(C.BadCallback, `not a 达达 callback: ${parsed.error.issues[0]?.message ?? ''}`);
    const cb = parsed.data;
    if (!dadaCallbackVerify(cb.client_id, cb.order_id, cb.update_time, cb.signature))
      throw new CourierError(C.InvalidSignature, 'the callback signature does not verify');
    const order = pushedOrder(
      { time: ['update_time', cb.update_time], order: ['order_id', cb.order_id] },
      this.o.signatureToleranceS,
      now,
    );
    const status = dadaCourierStatus(cb.order_status);
    if (status === undefined) return null;
    const st = await this.confirm(cb.order_id, status);
    // 达达's callbacks carry no position: the query that confirmed the step has the rider's.
    const lng = Number(st.transporterLng);
    const lat = Number(st.transporterLat);
    const position = st.transporterLng !== undefined && Number.isFinite(lng + lat) ? { lng, lat } : undefined;
    const rider =
      cb.dm_name !== undefined && cb.dm_mobile !== undefined ? { name: cb.dm_name, phone: cb.dm_mobile } : undefined;
    return { ...order, status, rider, position };
  }

  async handle(rawBody: Buffer, now = Date.now()): Promise<CallbackOutcome> {
    const s = await this.verify(rawBody, now);
    if (s === null) return { applied: false, reason: 'a status the delivery does not follow' };
    return applyStep(this.o.engine, s, now);
  }

  /** The platform must hold the order at this step or further on (a forged push names a step it has not reached). */
  private async confirm(shopOrderId: string, status: CourierStatus): Promise<DadaOrderStatus> {
    const st = await this.o.status(shopOrderId);
    const now = st === undefined ? undefined : dadaCourierStatus(st.statusCode);
    const want = RANK[status];
    const have = now === undefined ? undefined : RANK[now];
    const ok = want === undefined ? now === status : have !== undefined && have >= want;
    if (!ok || st === undefined)
      throw new CourierError(
        C.InvalidSignature,
        `达达 says ${shopOrderId} is ${st === undefined ? 'unknown' : st.statusCode}, not ${status}: not believed`,
      );
    return st;
  }
}
