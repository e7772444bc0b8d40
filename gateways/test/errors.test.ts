/**
 * Payments throw their own errors (@lunchrush/payments); the gateway answers them through its one
 * table. Each code must answer as the table says, whichever side a reader looks at.
 */
import { describe, expect, it } from 'vitest';
import { PaymentError, PaymentErrorCode } from '@lunchrush/payments';
import { ERROR_TABLE, statusOf, toHttpError } from '../src/errors.js';

describe('payment errors through the gateway table', () => {
  it.each(Object.values(PaymentErrorCode))('%s: documented, the same status on both sides', (code) => {
    expect(ERROR_TABLE[code], `${code} is in the gateway's table`).toBeDefined();
    const e = new PaymentError(code, 'm', { details: { x: 1 }, retryAfterS: 7 });
    expect(e.status).toBe(statusOf(code));
    expect(e.retryable).toBe(ERROR_TABLE[code]!.retryable === true);
    const h = toHttpError(e, 1);
    expect({ code: h.code, status: h.status, details: h.details, retryAfterS: h.retryAfterS }).toEqual({
      code,
      status: statusOf(code),
      details: { x: 1 },
      retryAfterS: 7,
    });
  });
});
