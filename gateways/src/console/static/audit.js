// The audit trail: who did what, when, from where; newest first; CSV export.
import { useEffect, useState } from 'preact/hooks';
import { api, download, html, storePath, table, time } from './api.js';

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
  'PUT /v1/staff/stores/{store}/campaigns/{campaignId}': '创建优惠券活动',
  [`${S}campaigns/{campaignId}/pause`]: '暂停/恢复活动',
  [`${S}campaigns/{campaignId}/issue`]: '向会员发券',
  'PUT /v1/staff/stores/{store}/promotions': '设置门店促销',
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
          : table(
              '操作日志',
              ['#', '时间', '操作人', '来源', '操作', '对象', '内容'],
              page.entries.map(
                (e) =>
                  html`<tr data-seq=${e.seq}>
                    <td>${e.seq}</td>
                    <td>${time(e.at)}</td>
                    <td>${e.who}</td>
                    <td>${e.ip}</td>
                    <td>${ACTIONS[e.action] ?? (e.summary || e.action)}<br /><small class="who">${e.action}</small></td>
                    <td class="wrap">${e.target}</td>
                    <td class="wrap" title=${e.detail}>
                      <small>${e.detail.length > 160 ? `${e.detail.slice(0, 160)}…` : e.detail}</small>
                    </td>
                  </tr>`,
              ),
            )
      }
    </div>
  </div>`;
}
