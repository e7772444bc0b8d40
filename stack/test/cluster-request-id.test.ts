/**
 * One request followed through the production topology by its id: the balancer (nginx) logs the
 * caller's `X-Request-Id` and hands it to a node; the gateway sends it with the engine command
 * (`SendOptions.req`); the engine that owns the store logs the command with it (`LOG_LEVEL=debug`)
 * and stamps it on the kitchen tickets the command made (`Lr-Req`); the printer daemon logs the
 * print with it. Real processes throughout: 3 nats-servers, 2 nodes, nginx, the printer daemon and
 * virtual printers.
 */
import fs from 'node:fs';
import { EngineClient } from '@lunchrush/engine';
import { signStaffToken } from '@lunchrush/gateways';
import { orderOf } from '@lunchrush/actors';
import { waitFor } from '@lunchrush/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../src/testing.js';
import { PARTITIONS, sell, startTestCluster, type TestCluster } from './cluster-support.js';

let t: TestCluster;

beforeAll(async () => {
  t = await startTestCluster({ LOG_LEVEL: 'debug' });
  await t.c.startKitchen(['001']);
}, 180_000);
afterAll(async () => {
  await t?.close();
}, 60_000);

/** Log lines (JSON) of the members whose name starts with `prefix` that name request `req`. */
function linesOf(prefix: string, req: string): Record<string, unknown>[] {
  const found: Record<string, unknown>[] = [];
  for (const [name, lines] of t.lines) {
    if (!name.startsWith(prefix)) continue;
    for (const l of lines) {
      if (!l.includes(req)) continue;
      try {
        const o = JSON.parse(l) as Record<string, unknown>;
        if (o.req === req) found.push({ ...o, member: name });
      } catch {
        // not a JSON line
      }
    }
  }
  return found;
}

describe('a request id from the balancer to the engine and the printer', () => {
  it("a POS sale's id is in the balancer's log and in the engine's log line of its command", async () => {
    const req = 'till-3.sale-77';
    const r = await sell(t, t.c.url, '001', 'rid-sale-1', { 'x-request-id': req });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe(req);
    const line = await waitFor(() => linesOf('node-', req).find((l) => l.msg === 'command'), {
      timeoutMs: 10_000,
      what: "the engine's line of the sale",
    });
    expect(line).toMatchObject({ store: '001', ok: true });
    expect(String(line.actor)).toMatch(/^sale\//);
    // nginx writes its access line in its log phase, after the answer is sent: it may come a moment later.
    await waitFor(() => fs.readFileSync(t.c.balancerLog, 'utf8').includes(`"req":"${req}","store":"001"`), {
      timeoutMs: 5_000,
      what: "the balancer's access line of the sale",
    });
  });

  it("an accept's id is in the engine's line of the command and in the printer daemon's line of each ticket", async () => {
    const client = await EngineClient.connect(t.c.natsUrl, { namespace: t.ns, partitions: PARTITIONS });
    const orderId = 'o_rid1';
    try {
      const order = orderOf(client, '001', orderId);
      const placed = await order.send({
        type: 'place',
        channel: 'takeaway',
        dinerId: 'd-rid',
        lines: [{ skuId: t.sku, qty: 1 }],
        at: Date.now(),
      });
      await order.send({
        type: 'confirmPayment',
        paymentId: 'wx-rid1',
        amountFen: placed.totalFen,
        paidAt: Date.now(),
        at: Date.now(),
      });
    } finally {
      await client.close();
    }
    const token = signStaffToken(t.cfg.staffKeys, { store: '001', role: 'manager', staffId: 't-kds', ttlS: 600 });
    const req = 'kds-1.accept-9';
    const r = await call(t.c.url, 'POST', `/v1/staff/stores/001/orders/${orderId}/accept`, {
      token,
      headers: { 'x-request-id': req },
    });
    expect(r.status).toBe(200);
    expect(linesOf('node-', req).find((l) => l.msg === 'command')).toMatchObject({
      store: '001',
      actor: `order/${orderId}`,
      ok: true,
    });
    const printed = await waitFor(
      () => {
        const p = linesOf('printer-daemon', req).filter((l) => l.msg === 'printed');
        return p.length > 0 ? p : undefined;
      },
      { timeoutMs: 30_000, what: "the printer daemon's line of the accept's tickets" },
    );
    for (const p of printed) expect(String(p.ticketId)).toContain(orderId);
    // Nothing else the daemon printed claims this request.
    const others = (t.lines.get('printer-daemon') ?? []).filter((l) => l.includes('"printed"') && !l.includes(orderId));
    expect(others.filter((l) => l.includes(req))).toEqual([]);
  });
});
