/**
 * The analysts' surfaces over a generated history ingested from a real stream:
 * the HTTP API, read-only SQL over HTTP, the CLI as a separate process (and via
 * `npm run analytics`), and the dashboard rendered in headless Chromium with a
 * screenshot saved to analytics/test/artifacts/dashboard.png.
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { REPO_ROOT, boxedOnCanvas, boxedText, setup, type TestContext } from '@lunchrush/testkit';
import {
  generateHistory,
  Ingester,
  publishHistory,
  runView,
  startServer,
  type AnalyticsServer,
  type Warehouse,
} from '@lunchrush/analytics';
import { ingestConfig, P, tempWarehouse } from './helpers.js';

const run = promisify(execFile);
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO_ROOT, 'analytics/test/artifacts');
const RANGE = 'from=2026-11-02&to=2026-11-08';

let t: TestContext;
let wh: Warehouse;
let drop: () => Promise<void>;
let ingester: Ingester;
let server: AnalyticsServer;

/** CI may lack Chromium: install Debian's package (root, as on this project's machines). */
function ensureChromium(): void {
  if (fs.existsSync(CHROMIUM)) return;
  execFileSync('apt-get', ['update'], { stdio: 'ignore' });
  execFileSync('apt-get', ['install', '-y', 'chromium'], {
    stdio: 'ignore',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

beforeAll(async () => {
  ensureChromium();
  t = await setup({ prefix: 'ah' });
  ({ wh, drop } = await tempWarehouse());
  const gen = await publishHistory(
    t.nc,
    t.ns,
    generateHistory({ stores: 3, days: 7, start: '2026-11-02', partitions: P, ordersPerStoreDay: 60 }),
  );
  ingester = await Ingester.start({ nc: t.nc, warehouse: wh, config: ingestConfig(t.ns) });
  await ingester.until((s) => s.records >= gen.records && s.lagMessages === 0);
  server = await startServer({ warehouse: wh, ingester, port: 0 });
}, 120_000);

afterAll(async () => {
  await server?.close();
  await ingester?.stop();
  await drop?.();
  await t?.cleanup();
});

/** The part of a DOM element the page checks read (this package type-checks without the DOM library). */
interface PageElement {
  readonly id: string;
  getAttribute(name: string): string | null;
  querySelectorAll(selector: string): { readonly length: number };
}

/** What the API's answers hold that the tests read (a view's rows are checked against the SQL's). */
interface ApiBody {
  readonly params: Parameters<typeof runView>[2];
  readonly rows: unknown[];
  readonly views: unknown[];
  readonly events: number;
}

const getJson = async (p: string): Promise<{ status: number; body: ApiBody }> => {
  const r = await fetch(server.url + p);
  return { status: r.status, body: (await r.json()) as ApiBody };
};

describe('HTTP API', () => {
  it('answers every view for a store and date range with the same rows as the SQL', async () => {
    for (const view of ['heatmap', 'slots', 'turnover', 'dishes', 'channels', 'soldout', 'conversion', 'kitchen']) {
      const { status, body } = await getJson(`/api/${view}?store=002&${RANGE}&limit=5`);
      expect(status, view).toBe(200);
      expect(body.params).toEqual({ store: '002', from: '2026-11-02', to: '2026-11-08', limit: 5 });
      expect(body.rows, view).toEqual(await runView(wh, view as never, body.params));
      if (view !== 'soldout') expect(body.rows.length, view).toBeGreaterThan(0);
    }
    const heat = (await getJson(`/api/heatmap?store=002&${RANGE}`)).body.rows as {
      weekday: number;
      hour: number;
      orders: number;
    }[];
    // Lunch and dinner peaks: noon and 18–19 h beat mid-afternoon.
    const byHour = (h: number) => heat.filter((r) => r.hour === h).reduce((n, r) => n + r.orders, 0);
    expect(byHour(12)).toBeGreaterThan(byHour(15));
    expect(byHour(18) + byHour(19)).toBeGreaterThan(byHour(15));
    expect(new Set(heat.map((r) => r.weekday))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7]));
  });

  it('refuses bad parameters and unknown routes with the error code', async () => {
    expect(await getJson(`/api/heatmap?store=12&${RANGE}`)).toMatchObject({
      status: 400,
      body: { error: { code: 'bad_request' } },
    });
    expect(await getJson('/api/heatmap?from=2026-11-09&to=2026-11-01')).toMatchObject({ status: 400 });
    expect(await getJson('/api/nope')).toMatchObject({ status: 404 });
    expect((await getJson('/api')).body.views.length).toBeGreaterThan(8);
  });

  it('serves read-only SQL and refuses writes', async () => {
    const ok = await fetch(`${server.url}/api/sql`, {
      method: 'POST',
      body: JSON.stringify({ sql: 'SELECT store, count() AS n FROM events GROUP BY store ORDER BY store' }),
    });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { rows: { store: string }[] }).rows.map((r) => r.store)).toEqual([
      '000',
      '001',
      '002',
      '003',
    ]);
    for (const sql of ['DROP TABLE events', 'INSERT INTO events (seq) VALUES (1)', 'SELECT 1 SETTINGS readonly = 0']) {
      const r = await fetch(`${server.url}/api/sql?${new URLSearchParams({ q: sql }).toString()}`);
      expect(r.status, sql).toBe(403);
      expect(await r.json(), sql).toMatchObject({ error: { code: 'read_only' } });
    }
  });

  it('exposes ingestion lag in seconds and messages', async () => {
    const lag = (await getJson('/api/lag')).body;
    expect(lag).toMatchObject({ ingesting: true, lagMessages: 0, lagSeconds: 0, failures: 0 });
    expect(lag.events).toBeGreaterThan(10_000);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^lunchrush_analytics_lag_seconds 0$/m);
    expect(metrics).toMatch(/^lunchrush_analytics_lag_messages 0$/m);
    expect(metrics).toMatch(/^lunchrush_analytics_events_total \d+/m);
  });
});

describe('CLI', () => {
  it('prints a heatmap table from a separate process, through npm run analytics', async () => {
    const { stdout } = await run(
      'npm',
      [
        'run',
        '--silent',
        'analytics',
        '--',
        'heatmap',
        '--store',
        '001',
        '--from',
        '2026-11-02',
        '--to',
        '2026-11-08',
        '--api',
        server.url,
      ],
      { cwd: REPO_ROOT },
    );
    const rows = (await getJson(`/api/heatmap?store=001&${RANGE}`)).body.rows as {
      orders: number;
      revenue_fen: number;
    }[];
    const total = rows.reduce((n, r) => n + r.orders, 0);
    const revenue = rows.reduce((n, r) => n + r.revenue_fen, 0);
    expect(stdout).toContain(
      'heatmap: paid orders and revenue by weekday (1 = Monday) × hour — store 001, 2026-11-02 … 2026-11-08',
    );
    for (const d of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'])
      expect(stdout).toMatch(new RegExp(`^${d}\\s+[\\d. ]+$`, 'm'));
    expect(stdout).toContain(`paid orders ${total}, revenue ${(revenue / 100).toFixed(2)} yuan`);
  });

  it('prints views as tables and SQL results; reports errors with a code', async () => {
    const cli = (args: string[]) =>
      run('node', ['--import', 'tsx', 'analytics/src/cli.ts', ...args, '--api', server.url], { cwd: REPO_ROOT });
    const { stdout } = await cli(['channels', '--store', '003', '--from', '2026-11-02', '--to', '2026-11-08']);
    expect(stdout.split('\n')[1]).toMatch(
      /^channel\s+orders\s+revenue_yuan\s+order_share\s+revenue_share\s+avg_ticket_yuan$/,
    );
    expect(stdout).toMatch(/^dine_in\s+\d+\s+\d+\.\d\d\s+\d+\.\d%/m);
    const sql = await cli(['sql', "SELECT count() AS n FROM events WHERE store = '003'"]);
    expect(sql.stdout).toMatch(/^\s*n\n-+\n\d+\n$/);
    await expect(cli(['sql', 'DROP TABLE events'])).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining('[read_only]') as unknown,
    });
  });
});

describe('dashboard', () => {
  let browser: Browser | undefined;
  afterAll(async () => browser?.close());

  it('renders every chart with data in headless Chromium; screenshot saved', async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1150 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/?store=001&${RANGE}`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
    const points = await page.$$eval('.chart', (els) =>
      els.map((e: PageElement) => [e.id, Number(e.getAttribute('data-points') ?? 0)]),
    );
    expect(Object.fromEntries(points)).toEqual({
      heatmap: expect.any(Number) as unknown,
      slots: expect.any(Number) as unknown,
      turnover: expect.any(Number) as unknown,
      dishes: expect.any(Number) as unknown,
      channels: expect.any(Number) as unknown,
      lag: expect.any(Number) as unknown,
      // members, coupons and stored value: the generated history has none (member-views.test draws them)
      coupons: 0,
      members: 0,
      liability: 0,
    });
    for (const [id, n] of points.slice(0, 6)) expect(n, String(id)).toBeGreaterThan(0);
    expect(await page.$$eval('.chart canvas', (c) => c.length)).toBeGreaterThanOrEqual(9);
    expect(await page.textContent('#k-orders')).toMatch(/^[1-9]\d*$/);
    const yuan = async (id: string) => Number((await page.textContent(id))!.replace(/^¥/, ''));
    expect(await yuan('#k-revenue')).toBeGreaterThan(0);
    expect(await yuan('#k-refunded')).toBeGreaterThan(0); // the generator refunds one paid order in 50
    expect(await yuan('#k-net')).toBeCloseTo((await yuan('#k-revenue')) - (await yuan('#k-refunded')), 2);
    expect(await page.$eval('#store', (s: PageElement) => s.querySelectorAll('option').length)).toBe(4);
    expect(errors).toEqual([]);
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: true });
    expect(fs.statSync(file).size).toBeGreaterThan(50_000);

    // Chinese, not boxes: the page's text, and the charts' (canvas) text in the charts' font.
    const fix = 'install a Chinese font (Debian: fonts-noto-cjk; npm test does it as root)';
    expect(await boxedText(page), `Chinese drawn as boxes on the dashboard: ${fix}`).toEqual([]);
    const charts = await page.evaluate<{ fonts: string[]; text: string }>(`(() => {
      const options = [...document.querySelectorAll('.chart')].map((e) => echarts.getInstanceByDom(e).getOption());
      return { fonts: options.map((o) => [o.textStyle].flat()[0].fontFamily), text: JSON.stringify(options) };
    })()`);
    expect(new Set(charts.fonts).size).toBe(1);
    expect(charts.text).toMatch(/周一.*午市|午市.*周一/s);
    expect(
      await boxedOnCanvas(page, charts.fonts[0]!, charts.text),
      `Chinese drawn as boxes in the charts: ${fix}`,
    ).toEqual([]);
  });
});
