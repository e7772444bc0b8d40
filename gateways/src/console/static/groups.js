// 拼团: the store's group-buy campaigns and their groups as they are now (members, paid, time left,
// refunds still under way), read again every few seconds; a manager can stop a campaign or
// dissolve a group (everyone refunded in full, the stock released).
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, html, storePath, table, yuan } from './api.js';

const REFRESH_MS = 5_000;
const STATUS = {
  forming: ['待团长付款', 'warn'],
  open: ['拼团中', 'ok'],
  completed: ['已成团', 'ok'],
  refunding: ['退款中', 'bad'],
  refunded: ['已退款', ''],
};
const FAILURE = {
  expired: '超时未成团',
  dissolved: '已解散',
  leader_unpaid: '团长未付款',
};

/** "12 分 05 秒" until `deadline`, "已截止" after. */
function left(deadline, now) {
  const ms = deadline - now;
  if (ms <= 0) return '已截止';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n) => String(n).padStart(2, '0');
  return h > 0 ? `${h} 小时 ${pad(m)} 分` : `${m} 分 ${pad(s % 60)} 秒`;
}

function GroupRow({ g, now, may, dissolve }) {
  const [text, cls] = STATUS[g.status] ?? [g.status, ''];
  const live = g.status === 'forming' || g.status === 'open';
  return html`<tr data-group=${g.groupId}>
    <td><code>${g.groupId.slice(-8)}</code></td>
    <td>
      <span class=${`tag ${cls}`}>${text}</span>
      ${g.failure && html` <small class="who">${FAILURE[g.failure] ?? g.failure}</small>`}
    </td>
    <td>${g.members} / ${g.size}</td>
    <td>${g.paid}</td>
    <td>${live ? left(g.deadline, now) : '—'}</td>
    <td>${g.refundsPending > 0 ? html`<span class="tag bad">${g.refundsPending}</span>` : '0'}</td>
    <td>${live && may && html`<button onClick=${() => dissolve(g)}>解散</button>`}</td>
  </tr>`;
}

function Campaign({ c: first, may, say, all }) {
  const [c, setC] = useState(first);
  const [groups, setGroups] = useState(null);
  const [now, setNow] = useState(Date.now());
  const id = encodeURIComponent(c.campaignId);
  // Only the latest read is shown: after the filter changes, an answer to a read made before
  // (live groups only) can arrive last and would otherwise replace the list just asked for.
  const latest = useRef(0);
  const load = () => {
    const n = ++latest.current;
    return api('GET', storePath(`group-buys/${id}/groups?which=${all ? 'all' : 'live'}`)).then((r) => {
      if (n !== latest.current) return;
      setGroups(r.groups);
      setNow(Date.now());
    }, say);
  };
  useEffect(() => {
    void load();
    const t = setInterval(load, REFRESH_MS);
    return () => clearInterval(t);
  }, [all]);
  async function dissolve(g) {
    try {
      await api('POST', storePath(`groups/${encodeURIComponent(g.groupId)}/dissolve`), {
        body: { reason: '门店解散' },
      });
      say(`团 ${g.groupId.slice(-8)} 已解散，已付款的成员将全额退款`);
      await load();
    } catch (e) {
      say(e);
    }
  }
  async function stop() {
    try {
      setC(await api('POST', storePath(`group-buys/${id}/stop`)));
      say(`「${c.terms.name}」已停止开新团，进行中的团照常到期`);
    } catch (e) {
      say(e);
    }
  }
  const t = c.terms;
  return html`<div class="panel" data-campaign=${c.campaignId}>
    <h3>
      ${t.name}
      <small class="who">
        ${' '}${c.campaignId} · ${yuan(t.groupPriceFen)} · ${t.size} 人成团 · 限时 ${Math.round(t.timeLimitMs / 60_000)}
        分钟
      </small>
      ${' '}${c.stopped ? html`<span class="tag">已停止</span>` : c.open ? html`<span class="tag ok">开团中</span>` : html`<span class="tag">未开始/已结束</span>`}
      ${may && !c.stopped && html` <button style="font-size:14px;vertical-align:middle" onClick=${stop}>停止开团</button>`}
    </h3>
    ${
      groups === null
        ? html`<p class="loading">加载中…</p>`
        : groups.length === 0
          ? html`<p class="empty">${all ? '还没有团' : '暂无进行中的团'}</p>`
          : table(
              `${t.name} 的团`,
              ['团号', '状态', '人数', '已付款', '剩余时间', '待退款', ''],
              groups.map(
                (g) => html`<${GroupRow} key=${g.groupId} g=${g} now=${now} may=${may} dissolve=${dissolve} />`,
              ),
            )
    }
  </div>`;
}

export function GroupsPage({ me, say }) {
  const [campaigns, setCampaigns] = useState(null);
  const [all, setAll] = useState(false);
  useEffect(() => {
    api('GET', storePath('group-buys')).then((r) => setCampaigns(r.campaigns), say);
  }, []);
  if (campaigns === null) return html`<p class="loading">加载中…</p>`;
  return html`<div>
    <div class="panel row">
      <label><input type="checkbox" checked=${all} onChange=${(e) => setAll(e.target.checked)} /> 显示已结束的团</label>
      <span class="who">每 5 秒刷新</span>
    </div>
    ${
      campaigns.length === 0
        ? html`<div class="panel empty">本店还没有拼团活动</div>`
        : campaigns.map(
            (c) => html`<${Campaign} key=${c.campaignId} c=${c} may=${me.may.setup} say=${say} all=${all} />`,
          )
    }
  </div>`;
}
