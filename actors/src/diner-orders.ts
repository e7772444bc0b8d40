/**
 * The tag an order's placement puts on its log record (`Decision.tags`): a diner's order list
 * follows the log through the records' headers alone, never reading a payload.
 *
 *   `dol:<diner id>:<order id>:<placed at, ms>`
 *
 * Diner and order ids are `[A-Za-z0-9_-]`, so `:` cannot occur inside them.
 */
export interface DinerOrderTag {
  readonly dinerId: string;
  readonly orderId: string;
  readonly at: number;
}

const PREFIX = 'dol:';
const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Undefined when the placement is not a diner's (an id other than `[A-Za-z0-9_-]{1,64}`): nothing to list. */
export function dinerOrderTag(dinerId: string, orderId: string, at: number): string | undefined {
  if (!ID.test(dinerId) || !ID.test(orderId) || !Number.isSafeInteger(at) || at < 0) return undefined;
  return `${PREFIX}${dinerId}:${orderId}:${at}`;
}

/** The placement a tag names; undefined for any other tag (or one that is malformed). */
export function parseDinerOrderTag(tag: string): DinerOrderTag | undefined {
  if (!tag.startsWith(PREFIX)) return undefined;
  const [dinerId = '', orderId = '', at = '', ...rest] = tag.slice(PREFIX.length).split(':');
  const n = Number(at);
  if (
    rest.length > 0 ||
    !/^\d{1,16}$/.test(at) ||
    !ID.test(dinerId) ||
    !ID.test(orderId) ||
    !Number.isSafeInteger(n) ||
    n < 0
  )
    return undefined;
  return { dinerId, orderId, at: n };
}
