// Staff accounts: create, switch off or on, end a lockout; and the manager's own TOTP.
import { useEffect, useState } from 'preact/hooks';
import { ROLES, api, html, storePath, table, time } from './api.js';

function NewAccount({ roles, onCreated, say }) {
  async function create(ev) {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const body = { username: f.get('username'), name: f.get('name'), role: f.get('role'), password: f.get('password') };
    try {
      await api('POST', storePath('accounts'), { body });
      say(`已创建账号 ${body.username}`);
      ev.target.reset();
      onCreated();
    } catch (e) {
      say(e);
    }
  }
  return html`<form class="panel row" onSubmit=${create} aria-label="新建账号">
    <input name="username" placeholder="登录名（小写字母、数字）" required pattern="[a-z0-9][a-z0-9_-]{2,31}" />
    <input name="name" placeholder="姓名" required />
    <select name="role">
      ${roles.map((r) => html`<option value=${r}>${ROLES[r]}</option>`)}
    </select>
    <input name="password" type="password" placeholder="初始密码（至少 10 位）" minlength="10" required />
    <button class="primary" type="submit">新建账号</button>
  </form>`;
}

/** TOTP for my own account: a secret to add to an authenticator app, confirmed with its code. */
function Totp({ say, onDone }) {
  const [totp, setTotp] = useState(null);
  const start = () => api('POST', '/v1/staff/me/totp', { body: {} }).then(setTotp, say);
  async function confirm(ev) {
    ev.preventDefault();
    const code = new FormData(ev.target).get('code');
    try {
      await api('POST', '/v1/staff/me/totp', { body: { secret: totp.secret, code } });
      setTotp(null);
      say('已开启动态验证码登录');
      onDone();
    } catch (e) {
      say(e);
    }
  }
  if (totp === null)
    return html`<div class="panel row"><button onClick=${start}>为我的账号开启动态验证码（TOTP）</button></div>`;
  return html`<form class="panel row" onSubmit=${confirm}>
    <span>在验证器中添加密钥 <code>${totp.secret}</code>，再输入当前 6 位验证码：</span>
    <input name="code" inputmode="numeric" maxlength="6" required />
    <button type="submit">确认开启</button>
  </form>`;
}

function AccountRow({ a, patch }) {
  const locked = a.lockedUntil > Date.now();
  return html`<tr data-account=${a.username}>
    <td>${a.username}</td>
    <td>${a.name}</td>
    <td>${ROLES[a.role]}</td>
    <td>${a.role === 'admin' ? '全部' : a.stores.join('、')}</td>
    <td>
      ${a.disabled ? html`<span class="tag bad">已停用</span>` : html`<span class="tag ok">正常</span>`}
      ${locked && html`<span class="tag warn">已锁定</span>`} ${a.totp && html`<span class="tag">动态码</span>`}
    </td>
    <td>${time(a.lastLoginAt)}</td>
    <td class="row">
      <button onClick=${() => patch(a, { disabled: !a.disabled }, a.disabled ? '已启用' : '已停用')}>
        ${a.disabled ? '启用' : '停用'}
      </button>
      ${locked && html`<button onClick=${() => patch(a, { unlock: true }, '已解锁')}>解锁</button>`}
    </td>
  </tr>`;
}

export function StaffPage({ me, say }) {
  const [accounts, setAccounts] = useState(null);
  const load = () => api('GET', storePath('accounts')).then((r) => setAccounts(r.accounts), say);
  useEffect(() => void load(), []);
  const roles = me.role === 'admin' ? Object.keys(ROLES) : ['waiter', 'kitchen', 'cashier'];
  async function patch(a, body, done) {
    try {
      await api('PATCH', storePath(`accounts/${a.username}`), { body });
      say(done);
      await load();
    } catch (e) {
      say(e);
    }
  }
  return html`<div>
    <${NewAccount} roles=${roles} onCreated=${load} say=${say} />
    <${Totp} say=${say} onDone=${load} />
    <div class="panel">
      ${
        accounts === null
          ? html`<p class="loading">加载中…</p>`
          : table(
              '员工账号',
              ['登录名', '姓名', '角色', '门店', '状态', '最近登录', ''],
              accounts.map((a) => html`<${AccountRow} key=${a.username} a=${a} patch=${patch} />`),
            )
      }
    </div>
  </div>`;
}
