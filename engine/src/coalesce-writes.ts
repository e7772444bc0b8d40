import type { NatsConnection } from '@nats-io/transport-node';

/**
 * One socket write to nats-server per turn of the event loop, not one per callback that published.
 *
 * nats.js flushes its outbound buffer in a microtask after the first command put into it: every
 * callback that publishes (an HTTP request answered, an append's ack that lets the next append go, a
 * timer) ends in a write of its own. On this machine a loopback write costs ~100–250 µs of CPU
 * (page-table isolation on a Firecracker VM: `strace -T` on a node at 700 orders/s, and `writeBuffer`
 * 9% of the node's busy time in its profile), so a node that answered a few hundred callbacks a
 * second paid for a few hundred writes. Deferred to `setImmediate`, everything published during one
 * turn (all the I/O callbacks of its poll phase) goes in one write, a fraction of a millisecond later.
 *
 * The connection's protocol handler is not a public API: the patch checks the shape it relies on
 * (nats-core 3.x `sendCommand`: fill the outbound buffer, schedule a flush when it was empty, flush
 * at once past `pendingLimit`) and does nothing when it differs. It lives on the protocol handler,
 * which outlives reconnects (each reconnect makes a new transport); `flushPending` itself is
 * unchanged, and a close writes what is waiting before the transport closes.
 */
export function coalesceWrites(nc: NatsConnection): boolean {
  const proto = (nc as unknown as { protocol?: Protocol }).protocol;
  if (
    proto === undefined ||
    typeof proto.sendCommand !== 'function' ||
    typeof proto.flushPending !== 'function' ||
    typeof proto.outbound?.fill !== 'function' ||
    typeof proto.outbound.length !== 'function' ||
    typeof proto.outbound.size !== 'function' ||
    typeof proto.pendingLimit !== 'number' ||
    typeof proto.close !== 'function'
  ) {
    return false;
  }
  const text = new TextEncoder();
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    proto.flushPending();
  };
  proto.sendCommand = (cmd: string | Uint8Array, ...payloads: Uint8Array[]): void => {
    proto.outbound.fill(typeof cmd === 'string' ? text.encode(cmd) : cmd, ...payloads);
    if (proto.outbound.size() >= proto.pendingLimit) {
      proto.flushPending();
    } else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  // Closing goes to the transport without a turn of the loop in between: what waits for the next
  // turn is written first (nats.js's own microtask flush ran before it).
  const close = proto.close.bind(proto);
  proto.close = (err?: Error): Promise<void> => {
    if (scheduled) flush();
    return close(err);
  };
  return true;
}

interface Protocol {
  outbound: { fill(buf: Uint8Array, ...payloads: Uint8Array[]): void; length(): number; size(): number };
  pendingLimit: number;
  sendCommand(cmd: string | Uint8Array, ...payloads: Uint8Array[]): void;
  flushPending(): void;
  close(err?: Error): Promise<void>;
}
