/* global location, document */
// The console's session (the staff token, in this tab only) and its calls to the API.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);

const KEY = 'lunchrush.console.session';

/** { token, store, expiresAt, account } or null. */
export function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null');
    return s && s.expiresAt > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s) {
  if (s === null) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, JSON.stringify(s));
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? 'http_error';
    this.details = body?.details;
  }
}

/** A JSON call with the session's token; `raw` sends bytes with their own type. Rejects with ApiError. */
export async function api(method, path, { body, raw, type, token } = {}) {
  const headers = {};
  const t = token ?? loadSession()?.token;
  if (t) headers.authorization = `Bearer ${t}`;
  let payload;
  if (raw !== undefined) {
    payload = raw;
    headers['content-type'] = type;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const r = await fetch(path, { method, headers, body: payload });
  if (r.status === 401 && !path.endsWith('/login')) {
    saveSession(null);
    location.hash = '#/login';
  }
  const text = await r.text();
  let parsed = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // CSV and the like
  }
  if (!r.ok) throw new ApiError(r.status, typeof parsed === 'object' ? parsed : undefined);
  return parsed;
}

/** The store's staff API: `store('stock/x/set')` → `/v1/staff/stores/<store>/stock/x/set`. */
export const storePath = (tail) => `/v1/staff/stores/${loadSession()?.store ?? '001'}/${tail}`;

/** Downloads an authorised file (CSV, PDF) without putting the token in a URL. */
export async function download(path, filename) {
  const r = await fetch(path, { headers: { authorization: `Bearer ${loadSession()?.token}` } });
  if (!r.ok) throw new ApiError(r.status, await r.json().catch(() => undefined));
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A table of the console: `label` names it (aria-label, what the tests find it by), `cols` are its column titles. */
export const table = (label, cols, rows) =>
  html`<table aria-label=${label}>
    <thead>
      <tr>
        ${cols.map((c) => html`<th>${c}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${rows}
    </tbody>
  </table>`;

export const yuan = (fen) => `¥${(fen / 100).toFixed(2)}`;
export const time = (ms) => (ms ? new Date(ms).toLocaleString('zh-CN', { hour12: false }) : '—');

export const ROLES = { admin: '总部管理员', manager: '店长', waiter: '服务员', kitchen: '后厨', cashier: '收银员' };
export const CHANNELS = { dine_in: '堂食', takeaway: '外带', delivery: '外卖' };
// Stations and statuses: the staff screens' labels (the same file, served here too).
export { ORDER_STATUS, STATIONS, STORE_STATUS, TABLE_STATUS } from './labels.js';
export const ERRORS = {
  bad_credentials: '账号、密码或验证码错误',
  totp_required: '请输入动态验证码',
  account_locked: '登录失败次数过多，账号已锁定，请稍后再试或联系管理员解锁',
  account_disabled: '账号已停用',
  account_forbidden: '无权操作该账号或门店',
  role_forbidden: '当前角色无权执行此操作',
  store_forbidden: '无权访问该门店',
  rate_limited: '请求过于频繁，请稍后再试',
  validation_failed: '填写的内容有误',
  image_invalid: '图片格式不支持（请上传 PNG、JPEG 或 WebP）',
  image_limit_reached: '本店图片数量或容量已达上限，请先删除不用的图片',
};

/** A refusal in words; a validation failure names its first field (`body.terms.minusFen: …`). */
export function messageOf(e) {
  const text = ERRORS[e?.code] ?? e?.message ?? String(e);
  const first = e?.details?.issues?.[0];
  return first ? `${text}（${first.path}：${first.message}）` : text;
}
