/**
 * A store's table ids, kept by the gateway in a Redis set (filled by configuring tables and by
 * the demo seed): the staff board and the QR sheet list them, the push hub's board snapshot too.
 */
export const tablesKey = (prefix: string, store: string): string => `${prefix}:tables:${store}`;
