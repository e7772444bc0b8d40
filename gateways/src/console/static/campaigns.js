// Marketing: the chain's coupon campaigns (define a 满减 campaign, pause or resume one, what each
// issued and has left) and the store's automatic promotions.
import { useEffect, useState } from 'preact/hooks';
import { api, html, storePath, table, time, yuan } from './api.js';

const DAY_MS = 86_400_000;
const KIND = { member_price: '会员价', combo: '套餐价', second_half: '第二份半价', time_of_day: '时段折扣' };

const termsText = (t) =>
  t.kind === 'threshold'
    ? t.thresholdFen === 0
      ? `无门槛减 ${yuan(t.minusFen)}`
      : `满 ${yuan(t.thresholdFen)} 减 ${yuan(t.minusFen)}`
    : t.kind === 'percent'
      ? `${100 - t.percentOff} 折`.replace(/(\d)(\d) 折/, '$1.$2 折')
      : t.kind === 'item'
        ? '赠菜券'
        : '免配送费';

function NewCampaign({ onDone, say }) {
  async function create(ev) {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const name = String(f.get('name'));
    const now = Date.now();
    const body = {
      name,
      terms: {
        kind: 'threshold',
        name,
        thresholdFen: Math.round(Number(f.get('threshold')) * 100),
        minusFen: Math.round(Number(f.get('minus')) * 100),
        newCustomerOnly: f.get('newOnly') === 'on',
      },
      total: Number(f.get('total')),
      perMemberLimit: Number(f.get('perMember')),
      claimFrom: now,
      claimTo: now + Number(f.get('claimDays')) * DAY_MS,
      validity: { days: Number(f.get('validDays')) },
    };
    try {
      await api('PUT', storePath(`campaigns/${encodeURIComponent(String(f.get('id')))}`), { body });
      say(`已创建活动「${name}」`);
      ev.target.reset();
      onDone();
    } catch (e) {
      say(e);
    }
  }
  return html`<form class="panel row" onSubmit=${create} aria-label="新建优惠券活动">
    <input name="id" placeholder="活动编号（字母、数字、_）" required pattern="[A-Za-z0-9_]{1,40}" style="width:8em" />
    <input name="name" placeholder="活动名称" required style="width:10em" />
    满 <input name="threshold" type="number" min="0" step="0.01" value="30" style="width:5em" /> 元 减
    <input name="minus" type="number" min="0.01" step="0.01" value="5" style="width:4em" /> 元 · 共
    <input name="total" type="number" min="1" value="100" style="width:6em" /> 张 · 每人
    <input name="perMember" type="number" min="1" max="100" value="1" style="width:4em" /> 张 · 领取
    <input name="claimDays" type="number" min="1" value="7" style="width:4em" /> 天 · 有效
    <input name="validDays" type="number" min="1" value="30" style="width:4em" /> 天
    <label><input name="newOnly" type="checkbox" /> 仅新客</label>
    <button class="primary" type="submit">创建活动</button>
  </form>`;
}

export function CampaignsPage({ me, say }) {
  const [campaigns, setCampaigns] = useState(null);
  const [promotions, setPromotions] = useState(null);
  const load = () => api('GET', storePath('campaigns')).then((r) => setCampaigns(r.campaigns), say);
  useEffect(() => {
    void load();
    api('GET', storePath('promotions')).then((r) => setPromotions(r.promotions ?? []), say);
  }, []);
  async function pause(c) {
    try {
      await api('POST', storePath(`campaigns/${c.campaignId}/pause`), { body: { paused: !c.paused } });
      say(c.paused ? `「${c.name}」已恢复领取` : `「${c.name}」已暂停领取`);
      await load();
    } catch (e) {
      say(e);
    }
  }
  return html`<div>
    ${me.may.setup && html`<${NewCampaign} onDone=${load} say=${say} />`}
    <div class="panel">
      <h3>优惠券活动</h3>
      ${
        campaigns === null
          ? html`<p class="loading">加载中…</p>`
          : table(
              '优惠券活动',
              ['活动', '优惠', '已发 / 总量', '剩余', '领取时间', '状态', ''],
              campaigns.map(
                (c) =>
                  html`<tr key=${c.campaignId} data-campaign=${c.campaignId}>
                    <td>${c.name}<br /><small class="who">${c.campaignId}</small></td>
                    <td>${c.def ? termsText(c.def.terms) : '—'}</td>
                    <td>${c.issued} / ${c.total}</td>
                    <td>${c.remaining}</td>
                    <td>${c.def ? `${time(c.def.claimFrom)} 至 ${time(c.def.claimTo)}` : '—'}</td>
                    <td>
                      ${
                        c.paused
                          ? html`<span class="tag warn">已暂停</span>`
                          : c.open
                            ? html`<span class="tag ok">进行中</span>`
                            : html`<span class="tag">未开始/已结束</span>`
                      }
                    </td>
                    <td>
                      <button disabled=${!me.may.setup} onClick=${() => pause(c)}>${c.paused ? '恢复' : '暂停'}</button>
                    </td>
                  </tr>`,
              ),
            )
      }
    </div>
    <div class="panel">
      <h3>门店自动促销</h3>
      ${
        promotions === null
          ? html`<p class="loading">加载中…</p>`
          : promotions.length === 0
            ? html`<p class="empty">本店暂无自动促销</p>`
            : html`<ul>
                ${promotions.map((p) => html`<li>${KIND[p.kind] ?? p.kind}：${p.label}</li>`)}
              </ul>`
      }
    </div>
  </div>`;
}
