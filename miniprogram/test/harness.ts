/**
 * Loads the mini-program's page and component definitions into miniprogram-simulate
 * (j-component on jsdom) with their real WXML, replaces the wx APIs the app uses,
 * and writes rendered pages as HTML snapshots with their WXSS (rpx → px at 375 wide).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import simulate from 'miniprogram-simulate';
import { dishSheet } from '../src/components/dish-sheet/sheet';

export const SRC = join(dirname(fileURLToPath(import.meta.url)), '..', 'src');
export const SNAPSHOTS = join(dirname(fileURLToPath(import.meta.url)), 'snapshots');

const read = (p: string): string => readFileSync(join(SRC, p), 'utf8');

let sheetId: string | undefined;

/** j-component keeps and wraps what it is given: every registration gets its own copies. */
function fresh(def: object): object {
  const d = def as Record<string, unknown>;
  const copy = (x: unknown): unknown => (x === undefined ? undefined : { ...(x as object) });
  return {
    ...d,
    data: JSON.parse(JSON.stringify(d.data ?? {})),
    methods: copy(d.methods),
    ...(d.observers === undefined ? {} : { observers: copy(d.observers) }),
    ...(d.properties === undefined
      ? {}
      : { properties: Object.fromEntries(Object.entries(d.properties as object).map(([k, v]) => [k, copy(v)])) }),
  };
}

/** Registers a page (or component) definition with its WXML; pages get the dish sheet. */
export function loadDef(dir: string, def: object): string {
  sheetId ??= simulate.load({ ...fresh(dishSheet), template: read('components/dish-sheet/index.wxml') }) as unknown as string;
  const json = JSON.parse(read(`${dir}/index.json`)) as { usingComponents?: Record<string, string> };
  const using: Record<string, string> = {};
  if (json.usingComponents?.['dish-sheet'] !== undefined) using['dish-sheet'] = sheetId!;
  return simulate.load({ ...fresh(def), template: read(`${dir}/index.wxml`), usingComponents: using }) as unknown as string;
}

export type Rendered = ReturnType<typeof simulate.render>;

export function render(id: string, props?: Record<string, unknown>): Rendered {
  const c = simulate.render(id, props);
  c.attach((globalThis as any).document.createElement('parent-wrapper'));
  return c;
}

/** The page's instance, to call lifecycle methods (onLoad, onShow) as WeChat would. */
export function page<T = any>(c: Rendered): T {
  return c.instance;
}

/**
 * Lets every queued microtask run: j-component delivers events in a microtask, and a
 * handler awaiting the in-memory gateway settles within the same turn. Not a timer.
 */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Taps the index-th match (inside child components too) and waits for the handler. */
export async function tap(c: Rendered, selector: string, index = 0): Promise<void> {
  const all = [...c.querySelectorAll(selector), ...children(c).flatMap((k) => k.querySelectorAll(selector))];
  const el = all[index];
  if (el === undefined) throw new Error(`nothing matches ${selector} (#${index}) in\n${html(c)}`);
  el.dispatchEvent('tap');
  await flush();
}

/** Custom components rendered by a page (j-component keeps them in their own shadow trees). */
export function children(c: Rendered): Rendered[] {
  const sheet = c.querySelector('#sheet');
  return sheet === undefined ? [] : [sheet];
}

/** The page's markup with each child component's shadow tree put in its place. */
export function html(c: Rendered): string {
  let out = (c.dom as any).innerHTML;
  for (const k of children(c)) {
    const inner = (k.dom as any).shadowRoot?.innerHTML ?? html(k);
    out = out.replace('<dish-sheet></dish-sheet>', `<dish-sheet>${inner}</dish-sheet>`);
  }
  return out;
}

export function text(c: Rendered, selector: string): string[] {
  return [...c.querySelectorAll(selector), ...children(c).flatMap((k) => k.querySelectorAll(selector))].map(
    (e) => ((e as any).dom).textContent?.replace(/\s+/g, ' ').trim() ?? '',
  );
}

/** WXSS as browser CSS: rpx at a 375 px wide phone, wx-* elements as blocks. */
function css(wxss: string): string {
  return wxss.replace(/(-?\d*\.?\d+)rpx/g, (_m, n: string) => `${+(Number(n) / 2).toFixed(2)}px`).replace(/(^|[\s,}])page(\s*\{)/g, '$1.phone$2');
}

/**
 * Writes a page as HTML. `volatile`: what a live run makes anew each time (ids from the real stack),
 * shown as a fixed placeholder so that a committed snapshot only changes when the page does.
 */
export function snapshot(name: string, c: Rendered, dir: string, volatile: [RegExp, string][] = []): string {
  mkdirSync(SNAPSHOTS, { recursive: true });
  const styles = [read('app.wxss'), read(`${dir}/index.wxss`), read('components/dish-sheet/index.wxss')].map(css).join('\n');
  const body = volatile.reduce((b, [re, by]) => b.replace(re, by), html(c).replace(/<(\/?)wx-/g, '<$1wx-'));
  const doc = `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>lunchrush mini-program — ${name}</title>
<style>
body { margin: 0; background: #ddd; }
.phone { width: 375px; min-height: 667px; margin: 16px auto; background: #f7f7f7; position: relative; overflow: hidden; transform: translateZ(0); font-family: -apple-system, 'PingFang SC', 'Noto Sans CJK SC', sans-serif; font-size: 14px; color: #333; }
wx-view, wx-scroll-view, wx-navigator, wx-textarea, dish-sheet, wx-dish-sheet { display: block; }
wx-scroll-view { overflow-y: auto; }
wx-text { display: inline; }
.mask, .cart-panel, .bar, .toast { position: absolute !important; }
${styles}
</style>
</head>
<body>
<!-- Rendered by miniprogram-simulate from src/${dir}/index.wxml with test data; regenerate with npx vitest run miniprogram. -->
<div class="phone">
${body}
</div>
</body>
</html>
`;
  writeFileSync(join(SNAPSHOTS, `${name}.html`), doc);
  return doc;
}

/** Records wx navigation and toasts; the rest of wx stays miniprogram-simulate's. */
export function stubWx(extra: Record<string, unknown> = {}): { navigations: string[]; storage: Map<string, unknown> } {
  const navigations: string[] = [];
  const storage = new Map<string, unknown>();
  const nav = (o: { url: string; success?: () => void }): Promise<void> => {
    navigations.push(o.url);
    o.success?.();
    return Promise.resolve();
  };
  Object.assign(wx, {
    navigateTo: nav,
    redirectTo: nav,
    reLaunch: nav,
    navigateBack: () => Promise.resolve(),
    getStorageSync: (k: string) => storage.get(k) ?? '',
    setStorageSync: (k: string, v: unknown) => void storage.set(k, v),
    getAccountInfoSync: () => ({ miniProgram: { envVersion: 'develop', appId: 'touristappid', version: '' } }),
    ...extra,
  });
  return { navigations, storage };
}
