/* global location */
// Store settings and the analytics dashboard.
import { useEffect, useState } from 'preact/hooks';
import { STORE_STATUS, api, html, storePath } from './api.js';

/** A store's hours as the form writes them ("10:00-14:00, 17:00-21:00"); a window for some weekdays says which. */
const hoursText = (hours) =>
  hours.map((w) => (w.days ? `${w.from}-${w.to}（周${w.days.join('')}）` : `${w.from}-${w.to}`)).join(', ');

export function SettingsPage({ me, say }) {
  const [view, setView] = useState(null);
  const load = () => api('GET', storePath('settings')).then(setView, say);
  useEffect(() => void load(), []);
  async function save(ev) {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const text = String(f.get('hours')).trim();
    const body = {
      name: String(f.get('name')),
      paymentTimeoutMs: Math.round(Number(f.get('timeout')) * 60_000),
      busyThresholdTickets: Number(f.get('busy')),
    };
    // Hours are sent only when edited: windows for some weekdays (set through the API) have no text form here.
    if (text !== hoursText(view.hours)) {
      body.hours = text
        .split(/[,，]/)
        .map((w) => w.trim())
        .filter(Boolean)
        .map((w) => {
          const [from, to] = w.split('-').map((x) => x.trim());
          return { from, to };
        });
    }
    try {
      setView(await api('PUT', storePath('settings'), { body }));
      say('门店设置已保存');
    } catch (e) {
      say(e);
    }
  }
  async function state(body, done) {
    try {
      setView(await api('POST', storePath('state'), { body }));
      say(done);
    } catch (e) {
      say(e);
    }
  }
  if (view === null) return html`<p class="loading">加载中…</p>`;
  return html`<div>
    <div class="panel row">
      <span>当前状态：<span class="tag">${STORE_STATUS[view.status] ?? view.status}</span></span>
      <span class="who">待出餐 ${view.pendingTotal} 单 · 桌台 ${view.tables.length} 张</span>
      <button disabled=${!me.may.setup} onClick=${() => state({ open: true }, '已开店')}>开店</button>
      <button disabled=${!me.may.setup} onClick=${() => state({ open: false }, '已打烊')}>打烊</button>
      <button disabled=${!me.may.setup} onClick=${() => state({ busy: view.status !== 'busy' }, '已切换繁忙状态')}>
        繁忙开关
      </button>
    </div>
    <form class="panel form" onSubmit=${save} aria-label="门店设置">
      <label for="st-name">门店名称</label><input id="st-name" name="name" value=${view.name} required />
      <label for="st-hours">营业时间</label
      ><input
        id="st-hours"
        name="hours"
        value=${hoursText(view.hours)}
        placeholder="全天营业留空，如 10:00-14:00, 17:00-21:00"
      />
      <label for="st-timeout">支付超时（分钟）</label>
      <input id="st-timeout" name="timeout" type="number" min="1" max="1440" value=${view.paymentTimeoutMs / 60_000} />
      <label for="st-busy">繁忙阈值（单）</label
      ><input id="st-busy" name="busy" type="number" min="1" value=${view.busyThresholdTickets} /> <span></span
      ><button class="primary" type="submit" disabled=${!me.may.setup}>保存设置</button>
    </form>
  </div>`;
}

export function DashboardPage() {
  const url = `http://${location.hostname}:9470/`;
  return html`<div>
    <p class="who">经营数据看板（分析服务）：<a href=${url} target="_blank" rel="noopener">在新窗口打开</a></p>
    <iframe class="dashboard" src=${url} title="数据看板"></iframe>
  </div>`;
}
