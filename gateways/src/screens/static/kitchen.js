/* global document, location */
// Kitchen display: the open tickets of one station, oldest first, with the
// time since the order was placed; 开始 (start) and 出餐 (bump) per ticket.
import { STATIONS, connectPush, elapsed, h, keepToken, staffAction, toast } from './common.js';

const token = keepToken();
const station = new URLSearchParams(location.search).get('station') || 'wok';
const name = STATIONS[station] ?? station;
document.getElementById('title').textContent = `后厨出餐屏 · ${name}`;
document.title = `${name} · 后厨出餐屏`;

/** orderId → { ticket, state, status, urges, voided } */
const tickets = new Map();
const client = connectPush(token);

client?.subscribe(`kitchen:${station}`, {
  snapshot(data) {
    tickets.clear();
    for (const t of data.tickets) tickets.set(t.ticket.orderId, { ...t, voided: false });
    render();
  },
  delta(d) {
    if (d.kind === 'ticket') {
      const t = d.ticket;
      const cur = tickets.get(t.orderId);
      if (t.kind === 'new')
        tickets.set(t.orderId, { ticket: t, state: 'queued', status: 'sent_to_kitchen', urges: 0, voided: false });
      else if (cur && t.kind === 'urge') cur.urges = Math.max(cur.urges + 1, t.urgeCount ?? 0);
      else if (cur && t.kind === 'void') cur.voided = true;
    } else if (d.kind === 'progress') {
      const cur = tickets.get(d.orderId);
      if (!cur) return;
      if (d.state === 'queued' || d.state === 'cooking') {
        cur.state = d.state;
        cur.status = d.status;
      } else tickets.delete(d.orderId);
    }
    render();
  },
});

async function act(action, orderId, button) {
  button.disabled = true;
  try {
    await staffAction(client, token, action, orderId, station);
  } catch (e) {
    toast(`操作失败：${e.message}`);
    button.disabled = false;
  }
}

function card(x) {
  const t = x.ticket;
  const where = t.tableLabel ? `${t.tableLabel} 桌` : t.channel === 'delivery' ? '外卖' : '自取';
  return h(
    'article',
    {
      class: `ticket ${x.state}${x.voided ? ' voided' : ''}${x.urges > 0 ? ' urged' : ''}`,
      dataset: { orderId: t.orderId, state: x.state },
    },
    h(
      'header',
      {},
      h('span', { class: 'where' }, where),
      h('span', { class: 'pickup' }, `#${t.pickupNo}`),
      h('span', { class: 'timer', dataset: { since: t.placedAt } }, elapsed(t.placedAt)),
    ),
    x.urges > 0 ? h('div', { class: 'badge urge' }, `催单 ×${x.urges}`) : null,
    x.voided ? h('div', { class: 'badge void' }, '已退菜') : null,
    h(
      'ul',
      { class: 'lines' },
      t.lines.map((l) =>
        h(
          'li',
          {},
          h('span', { class: 'qty' }, `${l.qty}×`),
          h('span', { class: 'dish' }, l.name + (l.spec ? `（${l.spec}）` : '')),
          l.options.length ? h('span', { class: 'opts' }, l.options.join(' / ')) : null,
          l.note ? h('span', { class: 'note' }, `备注：${l.note}`) : null,
        ),
      ),
    ),
    h(
      'footer',
      {},
      x.state === 'queued'
        ? h(
            'button',
            { class: 'start', dataset: { action: 'start' }, onclick: (e) => act('start', t.orderId, e.currentTarget) },
            '开始',
          )
        : h('span', { class: 'cooking' }, '制作中'),
      h(
        'button',
        { class: 'bump', dataset: { action: 'finish' }, onclick: (e) => act('finish', t.orderId, e.currentTarget) },
        '出餐',
      ),
    ),
  );
}

function render() {
  const list = [...tickets.values()].sort((a, b) => a.ticket.placedAt - b.ticket.placedAt);
  document.getElementById('tickets').replaceChildren(...list.map(card));
  document.getElementById('count').textContent = `${list.length} 单`;
  document.getElementById('empty').hidden = list.length > 0;
  tick();
}

/** Timers: warn after 10 minutes, late after 20. */
function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('.timer')) {
    const since = Number(el.dataset.since);
    el.textContent = elapsed(since, now);
    const min = (now - since) / 60000;
    el.closest('.ticket').dataset.age = min >= 20 ? 'late' : min >= 10 ? 'warn' : 'ok';
  }
}
setInterval(tick, 1000);
