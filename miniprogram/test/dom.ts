/**
 * A jsdom document for miniprogram-simulate in a Node test environment. The flow
 * test cannot use vitest's jsdom environment: it swaps Uint8Array & co. for the
 * window's, and nats.js then refuses its own payloads. Only what Node lacks is
 * copied from the window, so Node's typed arrays, fetch and timers stay.
 */
// @ts-expect-error jsdom ships no types (no @types/jsdom installed: the test only needs a window)
import { JSDOM } from 'jsdom';

const dom = new JSDOM('<!doctype html><html><body></body></html>', { url: 'http://localhost/' });
const g = globalThis as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(dom.window)) {
  if (key in g || key.startsWith('_')) continue;
  g[key] = (dom.window as unknown as Record<string, unknown>)[key];
}
// jsdom's dispatchEvent takes only its own events.
for (const key of ['Event', 'CustomEvent']) g[key] = (dom.window as unknown as Record<string, unknown>)[key];
g.window = dom.window;
g.document = dom.window.document;
