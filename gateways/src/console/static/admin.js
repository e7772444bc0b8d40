/* global location */
// Store settings, staff accounts, the audit trail and the analytics dashboard.
import { useEffect, useState } from 'preact/hooks';
import { ROLES, api, download, html, storePath, time } from './api.js';

const STORE_STATUS = { open: '营业中', busy: '繁忙', closed: '已打烊', outside_hours: '非营业时间' };

export function SettingsPage({ me, say }) {
  const [view, setView] = useState(null);
  const load = () => api('GET', storePath('settings')).then(setView, say);
  useEffect(() => void load(), []);
  async function save(ev) {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const hours = String(f.get('hours'))
      .split(/[,，]/)
      .map((w) => w.trim())
      .filter(Boolean)
      .map((w) => {
        const [from, to] = w.split('-').map((x) => x.trim());
        return { from, to };
      });
    const body = {
      name: String(f.get('name')),
      hours,
      paymentTimeoutMs: Math.round(Number(f.get('timeout')) * 60_000),
      busyThresholdTickets: Number(f.get('busy')),
    };
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
      ><input id="st-hours" name="hours" placeholder="全天营业留空，如 10:00-14:00, 17:00-21:00" />
      <label for="st-timeout">支付超时（分钟）</label>
      <input id="st-timeout" name="timeout" type="number" min="1" max="1440" value=${view.paymentTimeoutMs / 60_000} />
      <label for="st-busy">繁忙阈值（单）</label><input id="st-busy" name="busy" type="number" min="1" value="30" />
      <span></span><button class="primary" type="submit" disabled=${!me.may.setup}>保存设置</button>
    </form>
  </div>`;
}

export function StaffPage({ me, say }) {
  const [accounts, setAccounts] = useState(null);
  const [totp, setTotp] = useState(null);
  const load = () => api('GET', storePath('accounts')).then((r) => setAccounts(r.accounts), say);
  useEffect(() => void load(), []);
  const roles = me.role === 'admin' ? Object.keys(ROLES) : ['waiter', 'kitchen', 'cashier'];
  async function create(ev) {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const body = { username: f.get('username'), name: f.get('name'), role: f.get('role'), password: f.get('password') };
    try {
      await api('POST', storePath('accounts'), { body });
      say(`已创建账号 ${body.username}`);
      ev.target.reset();
      await load();
    } catch (e) {
      say(e);
    }
  }
  async function patch(a, body, done) {
    try {
      await api('PATCH', storePath(`accounts/${a.username}`), { body });
      say(done);
      await load();
    } catch (e) {
      say(e);
    }
  }
  async function startTotp() {
    try {
      setTotp(await api('POST', '/v1/staff/me/totp', { body: {} }));
    } catch (e) {
      say(e);
    }
  }
  async function confirmTotp(ev) {
    ev.preventDefault();
    const code = new FormData(ev.target).get('code');
    try {
      await api('POST', '/v1/staff/me/totp', { body: { secret: totp.secret, code } });
      setTotp(null);
      say('已开启动态验证码登录');
      await load();
    } catch (e) {
      say(e);
    }
  }
  return html`<div>
    <form class="panel row" onSubmit=${create} aria-label="新建账号">
      <input name="username" placeholder="登录名（小写字母、数字）" required pattern="[a-z0-9][a-z0-9_-]{2,31}" />
      <input name="name" placeholder="姓名" required />
      <select name="role">
        ${roles.map((r) => html`<option value=${r}>${ROLES[r]}</option>`)}
      </select>
      <input name="password" type="password" placeholder="初始密码（至少 10 位）" minlength="10" required />
      <button class="primary" type="submit">新建账号</button>
    </form>
    <div class="panel row">
      ${
        totp === null
          ? html`<button onClick=${startTotp}>为我的账号开启动态验证码（TOTP）</button>`
          : html`<form class="row" onSubmit=${confirmTotp}>
              <span>在验证器中添加密钥 <code>${totp.secret}</code>，再输入当前 6 位验证码：</span>
              <input name="code" inputmode="numeric" maxlength="6" required /><button type="submit">确认开启</button>
            </form>`
      }
    </div>
    <div class="panel">
      ${
        accounts === null
          ? html`<p class="loading">加载中…</p>`
          : html`<table aria-label="员工账号">
              <thead>
                <tr>
                  <th>登录名</th>
                  <th>姓名</th>
                  <th>角色</th>
                  <th>门店</th>
                  <th>状态</th>
                  <th>最近登录</th>
                  <th></th>
                </tr>
              </thead>
              <tbody>
                ${accounts.map(
                  (a) =>
                    html`<tr data-account=${a.username}>
                      <td>${a.username}</td>
                      <td>${a.name}</td>
                      <td>${ROLES[a.role]}</td>
                      <td>${a.role === 'admin' ? '全部' : a.stores.join('、')}</td>
                      <td>
                        ${a.disabled ? html`<span class="tag bad">已停用</span>` : html`<span class="tag ok">正常</span>`}
                        ${a.lockedUntil > Date.now() && html`<span class="tag warn">已锁定</span>`}
                        ${a.totp && html`<span class="tag">动态码</span>`}
                      </td>
                      <td>${time(a.lastLoginAt)}</td>
                      <td class="row">
                        <button onClick=${() => patch(a, { disabled: !a.disabled }, a.disabled ? '已启用' : '已停用')}>
                          ${a.disabled ? '启用' : '停用'}
                        </button>
                        ${a.lockedUntil > Date.now() && html`<button onClick=${() => patch(a, { unlock: true }, '已解锁')}>解锁</button>`}
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </div>
  </div>`;
}

const S = 'POST /v1/staff/stores/{store}/';
/** The trail's actions in words (the route's own English summary for any other). */
const ACTIONS = {
  login: '登录',
  login_failed: '登录失败',
  switch_store: '切换门店',
  'account.create': '创建账号',
  'account.update': '修改账号',
  'account.setPassword': '修改密码',
  'account.setTotp': '设置动态验证码',
  [`${S}images`]: '上传菜品图片',
  'PUT /v1/staff/stores/{store}/menu/spus/{spuId}': '新增/修改菜品',
  'PUT /v1/staff/stores/{store}/catalog': '导入菜单',
  'PUT /v1/staff/stores/{store}/settings': '修改门店设置',
  [`${S}menu/skus/{skuId}/price`]: '改价',
  [`${S}menu/spus/{spuId}/availability`]: '上架/下架',
  [`${S}stock/{skuId}/set`]: '盘点库存',
  [`${S}stock/{skuId}/restock`]: '补货',
  [`${S}stock/{skuId}/86`]: '沽清/恢复',
  [`${S}orders/{orderId}/accept`]: '接单',
  [`${S}orders/{orderId}/serve`]: '上菜',
  [`${S}orders/{orderId}/cancel`]: '取消订单',
  [`${S}orders/{orderId}/refunds`]: '发起退款',
  [`${S}orders/{orderId}/refunds/{refundId}/approve`]: '同意退款',
  [`${S}orders/{orderId}/refunds/{refundId}/reject`]: '拒绝退款',
  [`${S}orders/{orderId}/stations/{station}/start`]: '开始制作',
  [`${S}orders/{orderId}/stations/{station}/bump`]: '出餐',
  [`${S}tables/{tableId}/merge`]: '并台',
  [`${S}tables/{tableId}/transfer`]: '转台',
  [`${S}tables/{tableId}/open`]: '开台',
  [`${S}tables/{tableId}/close`]: '结账清台',
  [`${S}state`]: '开店/打烊/繁忙',
  [`${S}accounts`]: '创建账号',
};

export function AuditPage({ me, say }) {
  const [scope, setScope] = useState('store');
  const [page, setPage] = useState(null);
  const query = `audit?scope=${scope}&limit=200`;
  useEffect(() => void api('GET', storePath(query)).then(setPage, say), [scope]);
  return html`<div>
    <div class="panel row">
      ${
        me.role === 'admin' &&
        html`<select aria-label="范围" value=${scope} onChange=${(e) => setScope(e.target.value)}>
          <option value="store">本门店操作</option>
          <option value="chain">账号与登录（全连锁）</option>
        </select>`
      }
      <button onClick=${() => download(storePath(`${query}&format=csv`), `audit-${me.store}.csv`).catch(say)}>
        导出 CSV
      </button>
      <span class="who">${page ? `共 ${page.total} 条，日志只追加、不可修改` : ''}</span>
    </div>
    <div class="panel">
      ${
        page === null
          ? html`<p class="loading">加载中…</p>`
          : html`<table aria-label="操作日志">
              <thead>
                <tr>
                  <th>#</th>
                  <th>时间</th>
                  <th>操作人</th>
                  <th>来源</th>
                  <th>操作</th>
                  <th>对象</th>
                  <th>内容</th>
                </tr>
              </thead>
              <tbody>
                ${page.entries.map(
                  (e) =>
                    html`<tr data-seq=${e.seq}>
                      <td>${e.seq}</td>
                      <td>${time(e.at)}</td>
                      <td>${e.who}</td>
                      <td>${e.ip}</td>
                      <td>
                        ${ACTIONS[e.action] ?? (e.summary || e.action)}<br /><small class="who">${e.action}</small>
                      </td>
                      <td class="wrap">${e.target}</td>
                      <td class="wrap" title=${e.detail}>
                        <small>${e.detail.length > 160 ? `${e.detail.slice(0, 160)}…` : e.detail}</small>
                      </td>
                    </tr>`,
                )}
              </tbody>
            </table>`
      }
    </div>
  </div>`;
}

export function DashboardPage() {
  const url = `http://${location.hostname}:9470/`;
  return html`<div>
    <p class="who">经营数据看板（分析服务）：<a href=${url} target="_blank" rel="noopener">在新窗口打开</a></p>
    <iframe class="dashboard" src=${url} title="数据看板"></iframe>
  </div>`;
}
