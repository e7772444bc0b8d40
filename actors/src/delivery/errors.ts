/**
 * Delivery refusals, with the HTTP status the gateway answers each with (a courier
 * platform retries a callback answered with anything but success, so a refusal here
 * is what it gets for a callback that must not count).
 */
export const DeliveryErrorCode = {
  NotFound: 'delivery_not_found',
  /** A callback about an attempt this delivery already gave up (or never made). */
  StaleAttempt: 'courier_stale_attempt',
  /** A callback that would move the rider back (a replay of an earlier step). */
  StatusRegressed: 'courier_status_regressed',
  /** Delivered or handed to staff: no courier step changes it any more. */
  Closed: 'delivery_closed',
  /** Staff may mark delivered only what staff deliver. */
  NotStaffDelivery: 'delivery_not_staff',
} as const;
export type DeliveryErrorCode = (typeof DeliveryErrorCode)[keyof typeof DeliveryErrorCode];

export const DELIVERY_ERRORS: Readonly<Record<DeliveryErrorCode, { status: number; description: string }>> = {
  delivery_not_found: { status: 404, description: 'no delivery for this order (not a delivery, or not ready yet)' },
  courier_stale_attempt: {
    status: 409,
    description: 'the callback names a dispatch attempt that is not the current one',
  },
  courier_status_regressed: {
    status: 409,
    description: 'the callback would move the rider back to an earlier step (a replayed callback)',
  },
  delivery_closed: { status: 409, description: 'the delivery is finished or handed to the store staff' },
  delivery_not_staff: { status: 409, description: 'the platform delivers this order, not the store staff' },
};
