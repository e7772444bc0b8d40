/**
 * The gateway's push hub sends its engine commands through the gateway's
 * in-flight limit (GATEWAY_MAX_INFLIGHT), like the HTTP routes: with the one slot
 * taken by a snapshot read, another socket's read, a staff action on a socket and
 * an HTTP request are all refused at once instead of queueing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineClient, type SendOptions } from '@lunchrush/engine';
import { waitFor } from '@lunchrush/testkit';
import type { ErrorMessage, PushClient } from '../src/push/client.js';
import { PARTITIONS, call, staff, startStack, type ErrorAnswer, type Stack } from '@lunchrush/stack/testing';
import { connectClient } from './push-support.js';

/** A real engine client whose commands wait while it is held (nothing reaches the engine meanwhile). */
class HeldClient extends EngineClient {
  private held: Promise<void> | undefined;
  private go: (() => void) | undefined;

  hold(): void {
    this.held = new Promise((resolve) => (this.go = resolve));
  }

  release(): void {
    this.held = undefined;
    this.go?.();
  }

  override send<R = unknown>(
    store: string,
    actorType: string,
    actorId: string,
    command: unknown,
    opts?: SendOptions,
  ): Promise<R> {
    const held = this.held;
    if (held === undefined) return super.send<R>(store, actorType, actorId, command, opts);
    return held.then(() => super.send<R>(store, actorType, actorId, command, opts));
  }
}

let s: Stack;
let held: HeldClient;
const clients: PushClient[] = [];

beforeAll(async () => {
  s = await startStack({ GATEWAY_MAX_INFLIGHT: '1' }, undefined, {
    engineClient: (t) => (held = new HeldClient(t.nc, { namespace: t.ns, partitions: PARTITIONS })),
  });
});

afterAll(async () => {
  held?.release();
  for (const c of clients) c.close();
  await s?.close();
});

async function socket(token: string): Promise<PushClient> {
  const c = await connectClient(`${s.url.replace('http', 'ws')}/ws?token=${encodeURIComponent(token)}`, {
    backoffMs: 50,
  });
  clients.push(c);
  return c;
}

describe('the push hub behind the in-flight limit', () => {
  it('counts its snapshot reads and staff actions against GATEWAY_MAX_INFLIGHT, as HTTP requests are', async () => {
    const token = staff(s, 'manager');
    const a = await socket(token);
    const b = await socket(token);
    // A table's snapshot is one engine command (the menu's or the board's are many at once).
    const [A, B] = s.data.stores[0]!.tables.map((t) => `table:${t.tableId}`);
    held.hold();
    let table: unknown;
    a.subscribe(A!, { snapshot: (d: unknown) => (table = d) });
    await waitFor(() => s.gw.deps.engine.inFlight === 1, { what: "the first table snapshot's read in flight" });

    const errors: ErrorMessage[] = [];
    b.subscribe(B!, { error: (m) => errors.push(m) });
    await waitFor(() => errors.length > 0, { what: 'the second table snapshot refused' });
    expect(errors[0]).toMatchObject({ code: 'snapshot_failed', topic: B });
    expect(errors[0]!.message).toMatch(/engine commands in flight/);
    await expect(b.action('accept', 'o_001_nosuchorder')).rejects.toMatchObject({
      code: 'command_failed',
      message: expect.stringMatching(/^gateway_overloaded: /) as unknown,
    });
    const r = await call<ErrorAnswer>(s.url, 'GET', '/v1/staff/stores/001/orders/o_001_nosuchorder', { token });
    expect([r.status, r.body.code]).toEqual([503, 'gateway_overloaded']);
    expect(table).toBeUndefined();

    held.release();
    await waitFor(() => table, { what: 'the first snapshot once released' });
    // The refused socket's client asks again (with backoff) and gets its table.
    await waitFor(() => b.topics.get(B!)?.ready, { what: 'the second snapshot on retry' });
    await waitFor(() => s.gw.deps.engine.inFlight === 0, { what: 'nothing left in flight' });
  });
});
