/* global document, location, history */
// Shared by the staff screens: configuration, the staff token, the push
// connection, staff actions and Chinese labels (those the console shows too are labels.js).
import { PushClient } from './push-client.js';

export const cfg = JSON.parse(document.getElementById('lr-config').textContent);

/** The analytics dashboard: the configured URL, else this screen's host on the dashboard's port. */
export const dashboardUrl = cfg.dashboardUrl ?? `http://${location.hostname}:${cfg.dashboardPort}/`;

export { ORDER_STATUS, STATIONS, STORE_STATUS, TABLE_STATUS } from './labels.js';

export const PRINTER_LEVEL = { ok: '正常', warning: '警告', error: '故障' };

export const PRINTER_FLAGS = {
  offline: '离线',
  cover_open: '盖板打开',
  paper_out: '缺纸',
  paper_near_end: '纸将用完',
  cutter_error: '切刀故障',
  unrecoverable_error: '严重故障',
  recoverable_error: '可恢复故障',
  unreachable: '连不上',
};

/** The staff token: from `?token=` once (then removed from the address bar), else this tab's session. */
export function keepToken() {
  const q = new URLSearchParams(location.search);
  const fromUrl = q.get('token');
  if (fromUrl) {
    sessionStorage.setItem('lr-token', fromUrl);
    q.delete('token');
    const rest = q.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : ''));
    return fromUrl;
  }
  return sessionStorage.getItem('lr-token');
}

/** Connects the push socket and reflects its state in `#conn`. */
export function connectPush(token) {
  const conn = document.getElementById('conn');
  const show = (state, text) => {
    conn.dataset.state = state;
    conn.textContent = text;
  };
  if (!token) {
    show('error', '缺少员工令牌');
    return null;
  }
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const url = `${proto}//${location.host}${cfg.pushPath}?token=${encodeURIComponent(token)}`;
  return new PushClient(url, {
    onStatus: (s) => {
      if (s === 'welcome') show('live', '实时');
      else if (s === 'closed') show('down', '重连中…');
    },
    onError: (m) => toast(`${m.message}`),
  });
}

/** Start / bump / accept / serve, through the staff API when there is one, else the push socket. */
export async function staffAction(client, token, action, orderId, station) {
  const store = client.welcome?.store;
  if (cfg.apiBase && store) {
    const tail = {
      accept: '/accept',
      serve: '/serve',
      start: `/stations/${station}/start`,
      finish: `/stations/${station}/bump`,
    }[action];
    const r = await fetch(`${cfg.apiBase}/stores/${store}/orders/${encodeURIComponent(orderId)}${tail}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.message || `HTTP ${r.status}`);
    return body;
  }
  return client.action(action, orderId, station);
}

let toastTimer;
export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.hidden = true), 4000);
}

/** `h('div', {class: 'x', dataset: {a: 1}}, 'text', child)` */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

export const yuan = (fen) => `¥${(fen / 100).toFixed(2)}`;

export function elapsed(since, now = Date.now()) {
  const s = Math.max(0, Math.floor((now - since) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export const clock = (at) => new Date(at).toLocaleTimeString('zh-CN', { hour12: false });
