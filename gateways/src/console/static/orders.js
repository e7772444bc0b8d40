/* global location */
// Live orders (the push socket's board topic: orders waiting for staff), tables with their
// QR codes, and the printers' status.
import { useEffect, useRef, useState } from 'preact/hooks';
import { PushClient } from '/screens/push-client.js';
import {
  ORDER_STATUS,
  STATIONS,
  TABLE_STATUS,
  api,
  download,
  html,
  loadSession,
  storePath,
  table,
  yuan,
} from './api.js';

/** Follows `topic` on the push socket; every delta asks for a fresh snapshot (a console is one screen, not a fleet). */
function usePush(topic, onSnapshot) {
  const [state, setState] = useState('connecting');
  const ref = useRef(onSnapshot);
  ref.current = onSnapshot;
  useEffect(() => {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const url = `${proto}//${location.host}/ws?token=${encodeURIComponent(loadSession()?.token ?? '')}`;
    const client = new PushClient(url, {
      onStatus: (s) => setState(s === 'welcome' ? 'live' : s === 'closed' ? 'down' : state),
    });
    client.subscribe(topic, {
      snapshot: (data) => ref.current(data),
      delta: () => client.resync(topic),
    });
    return () => client.close();
  }, [topic]);
  return state;
}

function Conn({ state }) {
  return html`<span class=${`tag ${state === 'live' ? 'ok' : 'warn'}`} data-conn=${state}
    >${state === 'live' ? '实时' : '连接中…'}</span
  >`;
}

function OrderCard({ o, may, act }) {
  const refund = o.refunds.find((r) => r.status === 'requested');
  return html`<div class=${`card ${o.status}`} data-order=${o.orderId}>
    <h3>${o.tableLabel ?? '外带/外卖'} · ${ORDER_STATUS[o.status] ?? o.status}</h3>
    <div class="who">${o.orderId}</div>
    <ul>
      ${o.lines.map((l) => html`<li>${l.name}${l.spec ? `（${l.spec}）` : ''} × ${l.qty}</li>`)}
    </ul>
    <div>合计 ${yuan(o.totalFen)}</div>
    ${refund && html`<div class="tag warn">申请退款 ${yuan(refund.amountFen)}：${refund.reason}</div>`}
    <div class="row" style="margin-top:8px">
      ${o.status === 'paid' && may.accept && html`<button class="primary" onClick=${() => act(o, 'accept', {}, '已接单')}>接单</button>`}
      ${o.status === 'ready' && may.serve && html`<button onClick=${() => act(o, 'serve', {}, '已上菜')}>上菜</button>`}
      ${o.status === 'paid' && may.refunds && html`<button onClick=${() => act(o, 'cancel', { reason: '门店取消' }, '已取消并退款')}>取消订单</button>`}
      ${
        refund &&
        may.refunds &&
        html`<button class="primary" onClick=${() => act(o, `refunds/${refund.refundId}/approve`, {}, '已同意退款')}>
            同意退款
          </button>
          <button
            onClick=${() => act(o, `refunds/${refund.refundId}/reject`, { reason: '菜品已在制作' }, '已拒绝退款')}
          >
            拒绝
          </button>`
      }
    </div>
  </div>`;
}

export function OrdersPage({ me, say }) {
  const [board, setBoard] = useState(null);
  const state = usePush('board', setBoard);
  async function act(o, action, body, done) {
    try {
      await api('POST', storePath(`orders/${o.orderId}/${action}`), { body });
      say(done);
    } catch (e) {
      say(e);
    }
  }
  return html`<div>
    <div class="row" style="margin-bottom:12px">
      <${Conn} state=${state} /> <span class="who">${board ? `${board.orders.length} 个待处理订单` : ''}</span>
    </div>
    ${
      board === null
        ? html`<p class="loading">加载中…</p>`
        : board.orders.length === 0
          ? html`<div class="panel empty">暂无待处理订单</div>`
          : html`<div class="cards">
              ${board.orders.map((o) => html`<${OrderCard} key=${o.orderId} o=${o} may=${me.may} act=${act} />`)}
            </div>`
    }
  </div>`;
}

export function TablesPage({ me, say }) {
  const [board, setBoard] = useState(null);
  const state = usePush('board', setBoard);
  async function qr(format) {
    try {
      await download(storePath(`tables/qr?format=${format}`), `tables-${me.store}.${format}`);
    } catch (e) {
      say(e);
    }
  }
  return html`<div>
    <div class="panel row">
      <${Conn} state=${state} />
      <button disabled=${!me.may.setup} onClick=${() => qr('pdf')}>批量打印桌台二维码（PDF）</button>
      <button disabled=${!me.may.setup} onClick=${() => qr('png')}>下载二维码图片（PNG）</button>
    </div>
    <div class="panel">
      ${
        board === null
          ? html`<p class="loading">加载中…</p>`
          : table(
              '桌台',
              ['桌号', '状态', '人数', '桌台码'],
              board.tables.map(
                (t) =>
                  html`<tr>
                    <td>${t.label || t.tableId}</td>
                    <td><span class="tag">${TABLE_STATUS[t.status] ?? t.status}</span></td>
                    <td>${t.partySize || '—'}</td>
                    <td class="who">${t.tableId}</td>
                  </tr>`,
              ),
            )
      }
    </div>
  </div>`;
}

const LEVEL = { ok: ['正常', 'ok'], warning: ['警告', 'warn'], error: ['故障', 'bad'] };

function PrinterTable({ printers }) {
  return table(
    '打印机',
    ['打印机', '地址', '状态', '积压'],
    printers.map((p) => {
      const [text, cls] = LEVEL[p.level] ?? [p.level, ''];
      return html`<tr>
        <td>${p.name ?? p.id}</td>
        <td class="who">${p.host}:${p.port}</td>
        <td><span class=${`tag ${cls}`}>${text}</span> ${(p.flags ?? []).join(' ')}</td>
        <td>${p.held ?? 0}</td>
      </tr>`;
    }),
  );
}

function StationTable({ stations, may, say }) {
  async function test(station) {
    try {
      const r = await api('POST', storePath('printers/test'), { body: { station } });
      say(`已发送测试页到 ${STATIONS[station] ?? station}（${r.printer ?? '无可用打印机'}）`);
    } catch (e) {
      say(e);
    }
  }
  return table(
    '档口',
    ['档口', '打印机', '待打印', ''],
    stations.map(
      (s) =>
        html`<tr data-station=${s.station}>
          <td>${STATIONS[s.station] ?? s.station}</td>
          <td>${s.printer ?? '—'}${s.failoverFrom ? `（替代 ${s.failoverFrom}）` : ''}</td>
          <td>${s.held}</td>
          <td><button disabled=${!may} onClick=${() => test(s.station)}>测试打印</button></td>
        </tr>`,
    ),
  );
}

export function PrintersPage({ me, say }) {
  const [status, setStatus] = useState(null);
  const state = usePush('printers', setStatus);
  if (status === null)
    return html`<div class="panel">
      <${Conn} state=${state} />
      <p class="loading">加载中…</p>
    </div>`;
  if (!status.available)
    return html`<div class="panel">
      <${Conn} state=${state} />
      <p class="empty">打印服务未连接（printer-daemon 没有应答）</p>
    </div>`;
  return html`<div>
    <div class="panel"><${Conn} state=${state} /> <${PrinterTable} printers=${status.printers ?? []} /></div>
    <div class="panel"><${StationTable} stations=${status.stations ?? []} may=${me.may.setup} say=${say} /></div>
  </div>`;
}
