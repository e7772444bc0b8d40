import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ElemeApi } from '../src/eleme.js';
import { PlatformError, PlatformErrorCode } from '../src/errors.js';
import { MeituanApi } from '../src/meituan.js';
import type { PlatformApi, PlatformCall, PlatformPush } from '../src/platform.js';
import { MemorySeenSignatures } from '../src/seen.js';
import { elemeCallSign, elemePushSign, meituanSign } from '../src/signing.js';

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
const NOW = 1_765_000_000_000;
const PUSH_BASE = 'https://lr.example.com';
const API_BASE = 'https://open.example.com';

const meituan = (secret = 'mt-secret'): PlatformApi => new MeituanApi({ appId: '4321', secret }, PUSH_BASE, API_BASE);
const eleme = (secret = 'el-secret'): PlatformApi =>
  new ElemeApi({ appId: 'app-el', secret, token: 'tok-1' }, API_BASE);

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof PlatformError) return e.code;
    throw e;
  }
  return 'accepted';
}

describe('the platforms sign as they publish', () => {
  it('美团: md5 of the URL, "?", the params sorted k=v&…, and the secret; sig itself is left out', () => {
    const params = { timestamp: '1765000000', app_id: '4321', order_id: '27', sig: 'ignored' };
    const expected = md5(`${API_BASE}/api/v1/order/confirm?app_id=4321&order_id=27&timestamp=1765000000mt`);
    expect(meituanSign(`${API_BASE}/api/v1/order/confirm`, params, 'mt')).toBe(expected);
  });

  it('饿了么: calls MD5(action + token + sorted k=JSON(v) + secret), pushes MD5(sorted k=v + secret), uppercase', () => {
    expect(
      elemeCallSign('eleme.order.confirmOrderLite', 'tok', { timestamp: 1, app_key: 'k', orderId: 'o' }, 's'),
    ).toBe(md5('eleme.order.confirmOrderLitetokapp_key="k"orderId="o"timestamp=1s').toUpperCase());
    expect(elemePushSign({ type: 10, appId: 'a', signature: 'x', shopId: '9' }, 's')).toBe(
      md5('appId=ashopId=9type=10s').toUpperCase(),
    );
  });
});

const SKU = fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/);
const ID = fc.stringMatching(/^[0-9]{6,18}$/);
const pushArb: fc.Arbitrary<PlatformPush> = fc.oneof(
  fc.record({
    kind: fc.constant('new' as const),
    poi: ID,
    platformOrderId: ID,
    lines: fc.array(
      fc.record({ sku: SKU, qty: fc.integer({ min: 1, max: 20 }), priceFen: fc.integer({ min: 0, max: 99_999 }) }),
      { minLength: 1, maxLength: 5 },
    ),
    totalFen: fc.integer({ min: 0, max: 999_999 }),
    at: fc.constant(Math.floor(NOW / 1000) * 1000),
  }),
  fc.record({
    kind: fc.constant('cancel' as const),
    poi: ID,
    platformOrderId: ID,
    reason: fc.constantFrom('用户取消', '超时未接单', ''),
  }),
  fc.record({
    kind: fc.constant('refund' as const),
    poi: ID,
    platformOrderId: ID,
    refundId: ID,
    reason: fc.constantFrom('菜品洒了', ''),
  }),
  fc.record({ kind: fc.constant('remind' as const), poi: ID, platformOrderId: ID, remindId: ID }),
);
const callArb: fc.Arbitrary<PlatformCall> = fc.oneof(
  fc.record({
    op: fc.constant('stock' as const),
    poi: ID,
    items: fc.array(fc.record({ sku: SKU, stock: fc.nat(500) }), { minLength: 1, maxLength: 5 }),
  }),
  fc.record({
    op: fc.constant('menu' as const),
    poi: ID,
    items: fc.array(fc.record({ sku: SKU, name: fc.constantFrom('拍黄瓜', '牛肉面 大份'), priceFen: fc.nat(99_999) }), {
      minLength: 1,
      maxLength: 3,
    }),
  }),
  fc.record({
    op: fc.constant('order' as const),
    poi: ID,
    platformOrderId: ID,
    status: fc.constantFrom('confirmed', 'ready', 'delivered', 'cancelled', 'refund_agreed', 'refund_refused' as const),
  }),
  fc.record({ op: fc.constant('list' as const), poi: ID }),
);

describe.each([
  ['美团', meituan, () => meituan('another-secret')],
  ['饿了么', eleme, () => eleme('another-secret')],
] as const)(
  '%s: pushes and calls verify as signed; forged, stale and tampered ones are refused',
  (_name, api, forger) => {
    it('a push reads back as it was signed; a push signed with another secret or tampered with is refused', () => {
      fc.assert(
        fc.property(pushArb, fc.nat(10_000), (push, at) => {
          const req = api().signPush(push, NOW);
          expect(api().verifyPush(req.path, req.body, NOW).push).toEqual(push);
          const forged = forger().signPush(push, NOW);
          expect(refusal(() => api().verifyPush(forged.path, forged.body, NOW))).toBe(
            PlatformErrorCode.InvalidSignature,
          );
          // Any one character changed: refused, never read as another push.
          const i = at % req.body.length;
          const c = req.body[i] === '1' ? '2' : '1';
          const tampered = req.body.slice(0, i) + c + req.body.slice(i + 1);
          if (tampered !== req.body)
            expect([
              PlatformErrorCode.InvalidSignature,
              PlatformErrorCode.BadRequest,
              PlatformErrorCode.StaleTimestamp,
            ]).toContain(refusal(() => api().verifyPush(req.path, tampered, NOW)));
        }),
        { numRuns: 200 },
      );
    });

    it('a push signed more than the tolerance ago (or ahead) is stale', () => {
      const push: PlatformPush = { kind: 'remind', poi: '1', platformOrderId: '2', remindId: '3' };
      const old = api().signPush(push, NOW - 301_000);
      expect(refusal(() => api().verifyPush(old.path, old.body, NOW))).toBe(PlatformErrorCode.StaleTimestamp);
      const ahead = api().signPush(push, NOW + 301_000);
      expect(refusal(() => api().verifyPush(ahead.path, ahead.body, NOW))).toBe(PlatformErrorCode.StaleTimestamp);
      const edge = api().signPush(push, NOW - 299_000);
      expect(refusal(() => api().verifyPush(edge.path, edge.body, NOW))).toBe('accepted');
    });

    it('our calls read back on the platform side as made; forged ones are refused', () => {
      fc.assert(
        fc.property(callArb, (call) => {
          const req = api().signCall(call, NOW);
          expect(api().verifyCall(req.path, req.body, NOW).call).toEqual(call);
          const forged = forger().signCall(call, NOW);
          expect(refusal(() => api().verifyCall(forged.path, forged.body, NOW))).toBe(
            PlatformErrorCode.InvalidSignature,
          );
        }),
        { numRuns: 100 },
      );
    });

    it('every refusal travels in the platform shape and reads back as the same code', () => {
      for (const code of Object.values(PlatformErrorCode)) {
        const a = api().answerPush({ ok: false, code, message: '原因' });
        expect(api().readPushAnswer(a)).toEqual({ ok: false, code, message: '原因' });
        const call: PlatformCall = { op: 'list', poi: '1' };
        expect(api().readReply(api().answerCall({ ok: false, code, message: '原因' }, call), call)).toEqual({
          ok: false,
          code,
          message: '原因',
        });
      }
      expect(api().readPushAnswer(api().answerPush({ ok: true }))).toEqual({ ok: true });
      expect(api().readReply({ status: 503, body: '' }, { op: 'list', poi: '1' })).toMatchObject({
        ok: false,
        code: 'platform_unavailable',
      });
    });
  },
);

describe('a replayed request', () => {
  it('is taken once within the window; one that was not done may come again', async () => {
    const seen = new MemorySeenSignatures();
    expect(await seen.firstTime('meituan:abc', 600_000)).toBe(true);
    expect(await seen.firstTime('meituan:abc', 600_000)).toBe(false);
    await seen.forget('meituan:abc');
    expect(await seen.firstTime('meituan:abc', 600_000)).toBe(true);
  });
});
