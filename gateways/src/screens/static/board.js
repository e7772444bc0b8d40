/* global document */
// Table board: every table's live state, the orders waiting for staff (to
// accept, to serve, refunds to decide), the kitchen load, and what just happened.
import {
  ORDER_STATUS,
  PRINTER_FLAGS,
  PRINTER_LEVEL,
  STATIONS,
  STORE_STATUS,
  TABLE_STATUS,
  clock,
  connectPush,
  dashboardUrl,
  h,
  keepToken,
  staffAction,
  toast,
  yuan,
} from './common.js';

const token = keepToken();
const tables = new Map(); // tableId → { tableId, label, status, partySize }
const pending = new Map(); // orderId → { orderId, tableId, status, totalFen? }
const events = [];
const printers = new Map(); // printer id → { id, name, level, flags, held }
let printersAvailable = null;
/** Each delivery platform's last sync health (`platform_health` on the alarm channel). */
const platformHealth = new Map();
let store = null;

document.getElementById('dashboard').href = dashboardUrl;

document
  .getElementById('legend')
  .replaceChildren(...Object.entries(TABLE_STATUS).map(([k, v]) => h('span', { class: `chip ${k}` }, v)));

const client = connectPush(token);
client?.subscribe('board', {
  snapshot(data) {
    store = data.store;
    tables.clear();
    for (const t of data.tables)
      tables.set(t.tableId, { tableId: t.tableId, label: t.label, status: t.status, partySize: t.partySize });
    pending.clear();
    for (const o of data.orders)
      pending.set(o.orderId, { orderId: o.orderId, tableId: o.tableId, status: o.status, totalFen: o.totalFen });
    document.getElementById('title').textContent = `桌台看板 · ${store.name || store.store}`;
    render();
  },
  delta(d) {
    if (d.kind === 'store') {
      store = { ...store, status: d.status, pending: d.pending };
    } else if (d.kind === 'table') {
      tables.set(d.tableId, { tableId: d.tableId, label: d.label, status: d.status, partySize: d.partySize });
    } else if (d.kind === 'order') {
      const o = pending.get(d.orderId) ?? { orderId: d.orderId, tableId: d.tableId };
      if (d.event === 'paid') pending.set(d.orderId, { ...o, status: 'paid' });
      else if (d.event === 'ready') pending.set(d.orderId, { ...o, status: 'ready' });
      else if (d.event === 'refund_requested')
        pending.set(d.orderId, { ...o, status: 'refund_requested', amountFen: d.amountFen });
      log(d);
    } else if (d.kind === 'courier') {
      logCourier(d);
    }
    render();
  },
});

// Alarms on <ns>.alarms.<store> (the printer daemon's, and refunds that need a person) and the printers' status on connect.
client?.subscribe('printers', {
  snapshot(d) {
    printersAvailable = d.available;
    printers.clear();
    for (const p of d.printers) printers.set(p.id, p);
    render();
  },
  delta(a) {
    // A delivery platform's sync health (every few seconds): its own pane, not the event list.
    if (a.kind === 'platform_health') {
      platformHealth.set(a.platform, a);
      render();
      return;
    }
    if (a.kind === 'printer') {
      printersAvailable = true;
      printers.set(a.printer, { id: a.printer, name: a.name, level: a.level, flags: a.flags, held: a.held });
    }
    events.unshift({ at: a.at, text: alarmText(a), kind: a.kind === 'printer' && a.level === 'ok' ? 'ok' : 'alarm' });
    events.length = Math.min(events.length, 30);
    render();
  },
});

const PLATFORM_NAME = { meituan: '美团', eleme: '饿了么' };
const SYNC_STATUS = { ok: ['ok', '正常'], lagging: ['warning', '延迟'], down: ['error', '中断'] };
const seconds = (ms) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} 秒`);
function renderPlatforms() {
  const list = [...platformHealth.values()];
  document.getElementById('platforms-pane').hidden = list.length === 0;
  document.getElementById('platforms').replaceChildren(
    ...list.map((p) => {
      const [level, text] = SYNC_STATUS[p.status] ?? ['warning', p.status];
      return h(
        'li',
        { class: `printer ${level}`, dataset: { platform: p.platform, status: p.status } },
        h('span', { class: 'name' }, PLATFORM_NAME[p.platform] ?? p.platform),
        h('span', { class: 'level' }, text),
        h(
          'span',
          { class: 'flags' },
          `上次同步 ${p.lastSyncAt === null ? '—' : clock(p.lastSyncAt)}，延迟 p99 ${seconds(p.lagP99Ms)}`,
        ),
        p.pending ? h('span', { class: 'held' }, `${p.pending} 条待发`) : null,
        p.errors ? h('span', { class: 'held' }, `错误 ${p.errors} 次`) : null,
      );
    }),
  );
}

const flagsText = (flags) => flags.map((f) => PRINTER_FLAGS[f] ?? f).join('、');
const st = (s) => STATIONS[s] ?? s;
function alarmText(a) {
  switch (a.kind) {
    case 'printer':
      return `打印机 ${a.name || a.printer} ${PRINTER_LEVEL[a.level] ?? a.level}${a.flags.length ? `：${flagsText(a.flags)}` : ''}${a.held ? `，${a.held} 张待打` : ''}`;
    case 'failover':
      return a.back ? `${st(a.station)} 恢复由 ${a.to} 打印` : `${st(a.station)} 改由备用打印机 ${a.to} 打印`;
    case 'unrouted':
      return `${st(a.station)} 未配置打印机，${a.held} 张待打`;
    case 'kds_only':
      return `${st(a.station)} 超时 ${a.lateMinutes} 分钟的单只上出餐屏`;
    case 'config_invalid':
      return `打印配置无效：${a.message}`;
    case 'refund_failed':
      return `订单 ${a.orderId.slice(-4)} 退款 ¥${(a.amountFen / 100).toFixed(2)} 未成功（${a.reason}），请到商户平台处理`;
    case 'platform_sync': {
      const name = a.platform === 'meituan' ? '美团' : a.platform === 'eleme' ? '饿了么' : a.platform;
      return a.status === 'down'
        ? `${name}同步中断（${a.message}），${a.pending} 条变更待发，必要时在${name}后台手动下架`
        : `${name}同步已恢复`;
    }
    default:
      return `打印告警：${a.kind}`;
  }
}

const EVENT_TEXT = { paid: '已支付', ready: '出餐完成', urge: '催单', refund_requested: '申请退款', refund: '已退款' };
function log(d) {
  const t = d.tableId ? tables.get(d.tableId) : undefined;
  events.unshift({
    at: d.at,
    text: `${t ? `${t.label} 桌 ` : ''}订单 ${d.orderId.slice(-4)} ${EVENT_TEXT[d.event] ?? d.event}${d.count ? ` ×${d.count}` : ''}`,
    kind: d.event,
  });
  events.length = Math.min(events.length, 30);
}

/** A delivery's rider (or the staff taking it over), in the event list. */
const COURIER_TEXT = {
  dispatching: '呼叫骑手',
  accepted: '骑手已接单',
  arrived: '骑手已到店',
  picked_up: '骑手已取餐',
  delivered: '已送达',
  staff: '无骑手，请门店自送',
  staff_delivered: '门店已送达',
};
const STAFF_REASON = { no_rider: '无人接单', rider_no_show: '骑手未到店', dispatch_failed: '配送平台下单失败' };

function logCourier(d) {
  const rider = d.rider ? ` ${d.rider.name}` : '';
  const why = d.status === 'staff' && d.staffReason ? `（${STAFF_REASON[d.staffReason] ?? d.staffReason}）` : '';
  events.unshift({
    at: d.at,
    text: `外卖 ${d.orderId.slice(-4)} ${COURIER_TEXT[d.status] ?? d.status}${rider}${why}`,
    kind: d.status === 'staff' ? 'alarm' : 'courier',
  });
  events.length = Math.min(events.length, 30);
}

async function act(action, orderId, button) {
  button.disabled = true;
  try {
    await staffAction(client, token, action, orderId);
    // Accepted orders go to the kitchen, served ones are done: neither waits for staff here any more.
    pending.delete(orderId);
    render();
  } catch (e) {
    toast(`操作失败：${e.message}`);
    button.disabled = false;
  }
}

function render() {
  if (store) {
    const s = document.getElementById('store-status');
    s.textContent = STORE_STATUS[store.status] ?? store.status;
    s.dataset.status = store.status;
    const load = Object.entries(store.pending ?? {}).filter(([, n]) => n > 0);
    document.getElementById('load').textContent = load.length
      ? `后厨：${load.map(([st, n]) => `${STATIONS[st] ?? st} ${n}`).join(' · ')}`
      : '';
  }
  const list = [...tables.values()].sort((a, b) => a.label.localeCompare(b.label, 'zh-CN'));
  document
    .getElementById('tables')
    .replaceChildren(
      ...list.map((t) =>
        h(
          'div',
          { class: `table ${t.status}`, dataset: { tableId: t.tableId, status: t.status } },
          h('span', { class: 'label' }, t.label || t.tableId.slice(-5)),
          h('span', { class: 'status' }, TABLE_STATUS[t.status] ?? t.status),
          t.partySize > 0 ? h('span', { class: 'party' }, `${t.partySize} 人`) : null,
        ),
      ),
    );
  const rows = [...pending.values()];
  document.getElementById('pending').replaceChildren(
    ...rows.map((o) => {
      const t = o.tableId ? tables.get(o.tableId) : undefined;
      const button =
        o.status === 'paid'
          ? h(
              'button',
              { dataset: { action: 'accept' }, onclick: (e) => act('accept', o.orderId, e.currentTarget) },
              '接单',
            )
          : o.status === 'ready'
            ? h(
                'button',
                { dataset: { action: 'serve' }, onclick: (e) => act('serve', o.orderId, e.currentTarget) },
                '上菜',
              )
            : null;
      return h(
        'li',
        { class: `pending-order ${o.status}`, dataset: { pending: o.orderId, status: o.status } },
        h('span', { class: 'who' }, t ? `${t.label} 桌` : '外带'),
        h('span', { class: 'no' }, `#${o.orderId.slice(-4)}`),
        h('span', { class: 'state' }, ORDER_STATUS[o.status] ?? o.status),
        o.amountFen ? h('span', { class: 'amount' }, yuan(o.amountFen)) : null,
        button,
      );
    }),
  );
  document.getElementById('pending-empty').hidden = rows.length > 0;
  const plist = [...printers.values()];
  document
    .getElementById('printers')
    .replaceChildren(
      ...(plist.length === 0
        ? [h('li', { class: 'printer none' }, printersAvailable === false ? '打印服务未连接' : '暂无打印机')]
        : plist.map((p) =>
            h(
              'li',
              { class: `printer ${p.level}`, dataset: { printer: p.id, level: p.level } },
              h('span', { class: 'name' }, p.name || p.id),
              h('span', { class: 'level' }, PRINTER_LEVEL[p.level] ?? p.level),
              p.flags.length ? h('span', { class: 'flags' }, flagsText(p.flags)) : null,
              p.held ? h('span', { class: 'held' }, `${p.held} 张待打`) : null,
            ),
          )),
    );
  renderPlatforms();
  document
    .getElementById('events')
    .replaceChildren(...events.map((e) => h('li', { class: e.kind }, h('time', {}, clock(e.at)), ' ', e.text)));
}
