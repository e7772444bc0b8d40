/* global document, location, window */
// The console's shell: login, the side menu (what the role may open), the store switch,
// and the page of the location's hash.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ROLES, api, html, loadSession, messageOf, saveSession } from './api.js';
import { DashboardPage, SettingsPage } from './admin.js';
import { AuditPage } from './audit.js';
import { CampaignsPage } from './campaigns.js';
import { GroupsPage } from './groups.js';
import { MenuPage } from './menu.js';
import { OrdersPage, PrintersPage, TablesPage } from './orders.js';
import { StaffPage } from './staff.js';
import { StockPage } from './stock.js';

const PAGES = [
  { id: 'orders', name: '实时订单', may: 'view', page: OrdersPage },
  { id: 'menu', name: '菜品管理', may: 'setup', page: MenuPage },
  { id: 'stock', name: '库存与沽清', may: 'view', page: StockPage },
  { id: 'tables', name: '桌台与二维码', may: 'view', page: TablesPage },
  { id: 'printers', name: '打印机', may: 'view', page: PrintersPage },
  { id: 'settings', name: '门店设置', may: 'view', page: SettingsPage },
  { id: 'campaigns', name: '营销活动', may: 'view', page: CampaignsPage },
  { id: 'groups', name: '拼团实时', may: 'view', page: GroupsPage },
  { id: 'staff', name: '员工账号', may: 'accounts', page: StaffPage },
  { id: 'audit', name: '操作日志', may: 'audit', page: AuditPage },
  { id: 'dashboard', name: '数据看板', may: 'view', page: DashboardPage },
];

const route = () => location.hash.replace(/^#\/?/, '') || 'orders';

function useHash() {
  const [hash, setHash] = useState(route());
  useEffect(() => {
    const on = () => setHash(route());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Login({ onSession }) {
  const [error, setError] = useState('');
  const [needTotp, setNeedTotp] = useState(false);
  const [busy, setBusy] = useState(false);
  async function submit(ev) {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const body = { username: f.get('username').trim(), password: f.get('password') };
    if (f.get('totp')) body.totp = f.get('totp').trim();
    setBusy(true);
    try {
      const s = await api('POST', '/v1/staff/login', { body });
      saveSession(s);
      onSession(s);
    } catch (e) {
      if (e.code === 'totp_required') setNeedTotp(true);
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="login" onSubmit=${submit}>
    <h1>商家后台登录</h1>
    <label>账号<input name="username" autocomplete="username" required /></label>
    <label>密码<input name="password" type="password" autocomplete="current-password" required /></label>
    ${needTotp && html`<label>动态验证码<input name="totp" inputmode="numeric" maxlength="6" /></label>`}
    ${error && html`<p class="error" role="alert">${error}</p>`}
    <button class="primary" type="submit" disabled=${busy}>登录</button>
  </form>`;
}

/** The stores this account may work in (`GET /v1/staff/stores`: the admin, every store of the chain). */
function StoreSwitch({ me, onSession }) {
  const [stores, setStores] = useState(null);
  useEffect(() => {
    api('GET', '/v1/staff/stores').then(
      (r) => setStores(r.stores),
      () => setStores([]),
    );
  }, [me.store, me.staffId]);
  const label = (s) => (s.name ? `${s.store} ${s.name}` : `门店 ${s.store}`);
  const here = stores?.find((s) => s.store === me.store) ?? { store: me.store, name: '' };
  if (stores === null || stores.length < 2) return html`<span class="who">${label(here)}</span>`;
  async function change(ev) {
    const s = await api('POST', '/v1/staff/session', { body: { store: ev.target.value } });
    saveSession(s);
    onSession(s);
  }
  return html`<select aria-label="门店" value=${me.store} onChange=${change}>
    ${stores.map((s) => html`<option value=${s.store}>${label(s)}</option>`)}
  </select>`;
}

function Shell({ session, onSession }) {
  const hash = useHash();
  const [me, setMe] = useState(null);
  const [toast, setToast] = useState('');
  useEffect(() => {
    api('GET', '/v1/staff/me').then(setMe, () => onSession(null));
  }, [session.token]);
  useEffect(() => {
    if (!toast) return undefined;
    const t = setTimeout(() => setToast(''), 3000);
    return () => clearTimeout(t);
  }, [toast]);
  if (me === null) return html`<p class="loading">加载中…</p>`;
  const [id, ...rest] = hash.split('/');
  const page = PAGES.find((p) => p.id === id) ?? PAGES[0];
  const allowed = me.may[page.may] === true;
  const say = (m) => setToast(typeof m === 'string' ? m : messageOf(m));
  function logout() {
    saveSession(null);
    onSession(null);
  }
  return html`<div class="shell">
    <nav>
      <div class="brand">lunchrush 商家后台</div>
      ${PAGES.filter((p) => me.may[p.may]).map(
        (p) => html`<a href="#/${p.id}" class=${p === page ? 'on' : ''}>${p.name}</a>`,
      )}
    </nav>
    <main>
      <header class="top">
        <h2>${page.name}</h2>
        <${StoreSwitch} me=${me} onSession=${onSession} />
        <span class="who">${me.account?.name ?? me.staffId} · ${ROLES[me.role]}</span>
        <button onClick=${logout}>退出</button>
      </header>
      ${
        allowed
          ? html`<${page.page} key=${`${page.id}-${me.store}`} me=${me} say=${say} args=${rest} />`
          : html`<div class="panel empty" role="alert">无权限：${ROLES[me.role]}不能打开「${page.name}」</div>`
      }
    </main>
    ${toast && html`<div class="toast" role="status">${toast}</div>`}
  </div>`;
}

function App() {
  const [session, setSession] = useState(loadSession());
  if (session === null) return html`<${Login} onSession=${setSession} />`;
  return html`<${Shell} session=${session} onSession=${setSession} />`;
}

const root = document.getElementById('app');
root.replaceChildren(); // the page's "加载中…" goes: render adds to what is there
render(html`<${App} />`, root);
