import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupNamespace, spawnTs, uniqueNamespace, waitFor } from '@lunchrush/testkit';
import { pino } from 'pino';
import { ConfigError, parseConfig } from '../src/config.js';
import { ERROR_TABLE } from '../src/errors.js';
import { startGateway, type Gateway } from '../src/server.js';
import { call, seatedDiner, startStack, staff, type Stack, type ErrorAnswer } from '@lunchrush/stack/testing';
import type { OpenApiDocument, TableView } from './answers.js';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());

describe('backpressure', () => {
  let lonely: Gateway;
  const nobody = uniqueNamespace('nobody');
  beforeAll(async () => {
    // A gateway whose namespace no engine serves, allowed one engine command in flight.
    const cfg = parseConfig({
      ...s.env,
      ENGINE_NAMESPACE: nobody,
      GATEWAY_ENGINE_TIMEOUT_MS: '1500',
      GATEWAY_MAX_INFLIGHT: '1',
      GATEWAY_RETRY_AFTER_S: '2',
    });
    lonely = await startGateway(cfg, { logger: pino({ level: 'silent' }) });
  });
  // The gateway makes streams of its own in that namespace (recommendation events): gone with it.
  afterAll(async () => {
    await lonely?.close();
    await cleanupNamespace(s.t.nc, nobody);
  });

  it('refuses at once with 503 + Retry-After past its in-flight bound, and 503s what the engine cannot take', async () => {
    const first = call<ErrorAnswer>(lonely.url, 'GET', '/v1/stores/001/menu');
    await waitFor(() => lonely.deps.engine.inFlight === 1, { what: 'the first request to reach the engine client' });
    // Another store: a read of the same store's menu would share the first one's (one read at a time per store).
    const second = await call<ErrorAnswer>(lonely.url, 'GET', '/v1/stores/002/stock');
    expect(second.status).toBe(503);
    expect(second.body.code).toBe('gateway_overloaded');
    expect(second.headers.get('retry-after')).toBe('2');
    const r = await first;
    expect(r.status).toBe(503);
    expect(r.body.code).toBe('partition_moving');
    expect(r.headers.get('retry-after')).toBe('2');
  });
});

describe('OpenAPI', () => {
  it('lists every route with its parameters, and every error code with its status', async () => {
    const r = await call<OpenApiDocument>(s.url, 'GET', '/openapi.json');
    expect(r.status).toBe(200);
    const doc = r.body;
    expect(doc.openapi).toBe('3.0.3');
    for (const route of s.gw.routes) {
      const op = doc.paths[route.path]?.[route.method === 'del' ? 'delete' : route.method];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      for (const code of route.errors) {
        const status = String(ERROR_TABLE[code]!.status);
        expect(
          op!.responses[status]?.content!['application/json']!.schema.properties!.code!.enum,
          `${route.path} ${code}`,
        ).toContain(code);
      }
    }
    expect(Object.keys(doc['x-error-codes']).sort()).toEqual(Object.keys(ERROR_TABLE).sort());
    expect(doc['x-error-codes'].sold_out).toMatchObject({ status: 409 });
    expect(doc['x-error-codes'].overloaded).toMatchObject({ status: 503, retryable: true });
    const place = doc.paths['/v1/diner/orders']!.post!;
    expect(place.parameters).toContainEqual(
      expect.objectContaining({ name: 'Idempotency-Key', in: 'header', required: true }) as unknown,
    );
    const line = place.requestBody!.content['application/json']!.schema.properties!.lines!.items!;
    expect(Object.keys(line.properties!).sort()).toEqual(['note', 'options', 'qty', 'skuId']); // no price
    expect(doc.paths['/v1/staff/stores/{store}/catalog']!.put!['x-roles']).toEqual(['manager', 'admin']);
  });

  it('answers unknown routes with 404 {code, message}', async () => {
    const r = await call<ErrorAnswer>(s.url, 'GET', '/v1/nothing/here');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ code: 'not_found', message: expect.any(String) as unknown });
  });
});

describe('fuzz', () => {
  it('1,000 malformed, oversized, wrong-typed and forged requests get 4xx, never 5xx', async () => {
    const d = await seatedDiner(s, 40);
    const manager = staff(s, 'manager');
    let seed = 42;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const junk = [
      '',
      '{',
      'null',
      '[]',
      '"x"',
      '{"qty":-1}',
      '{"skuId":{"$gt":""},"qty":1}',
      '{"lines":[{"skuId":"pai-huanggua","qty":1e9}]}',
      '{"lines":"all"}',
      '{"tableToken":"t1.k1.0010001000016.AAAAAAAAAAAAAAAAAAAAAA"}',
      '{"code":"../../etc/passwd"}',
      '{"rating":"5"}',
      '{"available":1.5}',
      JSON.stringify({ saleId: 'x', lines: [{ skuId: 'mifan-s', qty: 1 }] }),
      '\u0000\u0001\u0002',
      'x'.repeat(20_000),
    ];
    const paths = s.gw.routes.map((r) => [r.method === 'del' ? 'DELETE' : r.method.toUpperCase(), r.path] as const);
    const fill = (p: string): string =>
      p.replace(
        /\{(\w+)\}/g,
        (_, n: string) =>
          [
            { store: '001', orderId: 'o_001_fuzz', tableId: '0010001000016', skuId: 'mifan-s' }[n] ?? 'x',
            '%00',
            '..',
            'o_999_zz',
            '9'.repeat(80),
          ][rnd(5)]!,
      );
    const tokens = [undefined, d.token, manager, 'Bearer', 'ds_x', 's1.k1.e30.AAAA', staff(s, 'kitchen', '002')];
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      const [method, path] = paths[rnd(paths.length)]!;
      // Not the diner's own logout: the fuzzing diner's table is read at the end with its session.
      if (path.startsWith('/v1/simulator') || path === '/v1/diner/logout') continue;
      const token = tokens[rnd(tokens.length)];
      const raw = junk[rnd(junk.length)]!;
      const headers: Record<string, string> = {
        'content-type': ['application/json', 'text/csv', 'text/plain', 'application/x-www-form-urlencoded'][rnd(4)]!,
        'idempotency-key': ['', 'short', 'k'.repeat(100), `fuzz-${i}-key`][rnd(4)]!,
        'x-lunchrush-timestamp': String([0, Math.floor(Date.now() / 1000), -1][rnd(3)]),
        'x-lunchrush-signature': ['sha256=00', 'md5=abc', `sha256=${'0'.repeat(64)}`][rnd(3)]!,
        'wechatpay-timestamp': String(Math.floor(Date.now() / 1000)),
        'wechatpay-nonce': 'n',
        'wechatpay-signature': ['WECHATPAY/SIGNTEST/abc', 'AAAA', ''][rnd(3)]!,
        'wechatpay-serial': ['PUB_KEY_ID_X', 'ABCDEF0123'][rnd(2)]!,
      };
      const r = await call<ErrorAnswer>(s.url, method, `${fill(path)}${rnd(4) === 0 ? '?format=xml&token=%zz' : ''}`, {
        ...(method === 'GET' || method === 'DELETE' ? {} : { raw }),
        ...(token === undefined ? {} : { token }),
        headers,
      });
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      if (r.status >= 500) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
      if (r.status >= 400) expect(typeof r.body?.code, `${method} ${path}`).toBe('string');
    }
    expect([...statuses.keys()].every((k) => k < 500)).toBe(true);
    // Nothing got through: the fuzzing diner's table is as it was, and no order was placed for store 001 by fuzz.
    const t = await call<TableView>(s.url, 'GET', '/v1/diner/table', { token: d.token });
    expect(t.body.cart, JSON.stringify(t.body)).toEqual([]);
  });
});

describe('configuration', () => {
  it('refuses unknown variables, missing secrets and bad values, naming the variable', () => {
    expect(() => parseConfig({ GATEWAY_DEV_SECRETS: '1', GATEWAY_PROT: '80' })).toThrow(
      /unknown variable GATEWAY_PROT/,
    );
    expect(() => parseConfig({})).toThrow(ConfigError);
    expect(() => parseConfig({})).toThrow(/GATEWAY_QR_KEYS is required/);
    expect(() => parseConfig({ GATEWAY_DEV_SECRETS: '1', GATEWAY_PORT: 'eighty' })).toThrow(
      /GATEWAY_PORT must be a whole number/,
    );
    expect(() => parseConfig({ GATEWAY_DEV_SECRETS: '1', GATEWAY_PII_KEYS: 'k1:c2hvcnQ=' })).toThrow(
      /must be 32 bytes/,
    );
    expect(() => parseConfig({ GATEWAY_DEV_SECRETS: '1', WECHATPAY_MODE: 'real' })).toThrow(
      /WECHATPAY_APIV3_KEY is required/,
    );
    const c = parseConfig({ GATEWAY_DEV_SECRETS: '1' });
    expect(c.port).toBe(8080);
    expect(c.wechatPay.mode).toBe('simulator');
  });
});

/** One request on a fresh connection (so the kernel picks a listener anew), answered with the serving pid. */
function pidOf(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/healthz', agent: false, headers: { connection: 'close' } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve((JSON.parse(text) as { pid: number }).pid));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('several gateway processes on one port', () => {
  it('GATEWAY_WORKERS=2 serves one port from two processes (SO_REUSEPORT)', async () => {
    const child = spawnTs('gateways/src/main.ts', {
      env: { ...s.env, NODE_ROLE: 'gateway', GATEWAY_WORKERS: '2', GATEWAY_PORT: '0' },
    });
    try {
      const m = await child.waitForLine(/GATEWAY READY port=(\d+) workers=2/, 60_000);
      const port = Number(m[1]);
      expect(m.input).toMatch(/uws=native/);
      const pids = new Set<number>();
      await waitFor(
        async () => {
          pids.add(await pidOf(port));
          return pids.size === 2;
        },
        { what: 'answers from both workers', timeoutMs: 20_000, intervalMs: 1 },
      );
      const menu = await call(`http://127.0.0.1:${port}`, 'GET', '/v1/stores/001/menu');
      expect(menu.status).toBe(200);
    } finally {
      await child.stop();
    }
  });
});
