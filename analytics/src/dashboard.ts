/**
 * The dashboard page: Apache ECharts (served from the npm package at
 * /assets/echarts.min.js, no CDN) over the JSON API. Store and date range come
 * from the URL (?store=001&from=…&to=…) or the controls; without dates it shows
 * the 30 days up to the newest event. Each chart marks itself with
 * `data-points` once drawn, and `<body data-ready>` when all are, for tests.
 */

/**
 * Chinese families before the generic ones, for the page and for the charts' canvas text:
 * whichever the device has (macOS, Windows, Linux with Debian's fonts-noto-cjk or
 * WenQuanYi). A machine with none draws boxes (`npm test` and `npm start` install
 * fonts-noto-cjk when run as root; the dashboard test fails on boxes).
 */
const FONT_STACK =
  'system-ui, -apple-system, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif';

const PAGE = String.raw`<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>lunchrush · 经营分析</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { margin: 0; font: 14px/1.4 ${FONT_STACK}; background: #f4f5f7; color: #222; }
  header { display: flex; gap: 16px; align-items: center; padding: 12px 20px; background: #b71c1c; color: #fff; flex-wrap: wrap; }
  header h1 { font-size: 18px; margin: 0 12px 0 0; }
  header label { display: flex; gap: 6px; align-items: center; }
  header select, header input, header button { font: inherit; padding: 2px 6px; }
  #kpis { display: flex; gap: 24px; margin-left: auto; }
  #kpis b { font-size: 18px; }
  main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; padding: 12px; }
  section { background: #fff; border-radius: 6px; padding: 8px 12px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  section h2 { font-size: 14px; margin: 4px 0; color: #555; }
  .chart { height: 300px; }
  #error { color: #b71c1c; padding: 0 20px; }
</style>
</head>
<body>
<header>
  <h1>湘川小馆 · 经营分析</h1>
  <label>门店 <select id="store"><option value="">全部门店</option></select></label>
  <label>从 <input id="from" type="date"></label>
  <label>到 <input id="to" type="date"></label>
  <button id="go">查询</button>
  <div id="kpis"><span>订单 <b id="k-orders">–</b></span><span>营业额 <b id="k-revenue">–</b></span><span>已退款 <b id="k-refunded">–</b></span><span>净营业额 <b id="k-net">–</b></span><span>入库延迟 <b id="k-lag">–</b></span></div>
</header>
<div id="error"></div>
<main>
  <section><h2>销售热力图（星期 × 小时，已支付订单）</h2><div class="chart" id="heatmap"></div></section>
  <section><h2>30 分钟时段销售</h2><div class="chart" id="slots"></div></section>
  <section><h2>翻台率（餐段）</h2><div class="chart" id="turnover"></div></section>
  <section><h2>热销菜品与毛利</h2><div class="chart" id="dishes"></div></section>
  <section><h2>渠道构成</h2><div class="chart" id="channels"></div></section>
  <section><h2>实时入库延迟（秒 / 条）</h2><div class="chart" id="lag"></div></section>
  <section><h2>优惠券活动：发放、核销与让利（全连锁）</h2><div class="chart" id="coupons"></div></section>
  <section><h2>会员等级：复购率与消费（全连锁）</h2><div class="chart" id="members"></div></section>
  <section><h2>储值负债（按日，全连锁）</h2><div class="chart" id="liability"></div></section>
</main>
<script src="/assets/echarts.min.js"></script>
<script>
(function () {
  var WEEK = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
  var yuan = function (fen) { return (fen / 100).toFixed(0); };
  // Charts draw on a canvas in ECharts' own font (sans-serif) unless told: the page's stack.
  // Legends go on top (ECharts 6 puts them at the bottom, over the axis labels).
  var TEXT = { fontFamily: ${JSON.stringify(FONT_STACK)} };
  var charts = {};
  // Resolves once the chart is drawn, animation included: <body data-ready> (what tests and
  // their screenshots wait for) means every chart is on screen, not half way through. One
  // listener per chart at most: a hidden tab draws nothing while the lag poll goes on.
  var drawing = {};
  function show(id, option, notMerge) {
    drawing[id] = drawing[id] || new Promise(function (resolve) {
      var once = function () { charts[id].off('finished', once); drawing[id] = null; resolve(); };
      charts[id].on('finished', once);
    });
    var drawn = drawing[id];
    charts[id].setOption(Object.assign({ textStyle: TEXT }, option), notMerge);
    return drawn;
  }
  ['heatmap', 'slots', 'turnover', 'dishes', 'channels', 'lag', 'coupons', 'members', 'liability'].forEach(function (id) {
    charts[id] = echarts.init(document.getElementById(id), null, { renderer: 'canvas' });
  });
  var q = new URLSearchParams(location.search);
  var $ = function (id) { return document.getElementById(id); };
  function get(path) {
    return fetch(path).then(function (r) { return r.json().then(function (b) { if (!r.ok) throw new Error(b.error ? b.error.message : r.status); return b; }); });
  }
  function mark(id, n) { document.getElementById(id).dataset.points = String(n); }
  function params() {
    return 'store=' + encodeURIComponent($('store').value) + '&from=' + $('from').value + '&to=' + $('to').value;
  }
  function draw() {
    document.body.removeAttribute('data-ready');
    $('error').textContent = '';
    var p = params();
    history.replaceState(null, '', '?' + p);
    return Promise.all([
      get('/api/heatmap?' + p), get('/api/slots?' + p), get('/api/turnover?' + p),
      get('/api/dishes?limit=12&' + p), get('/api/channels?' + p), get('/api/summary?' + p),
      get('/api/coupons?limit=12&' + p), get('/api/members?' + p), get('/api/liability?' + p)
    ]).then(function (r) {
      var done = [];
      var heat = r[0].rows, slots = r[1].rows, turn = r[2].rows, dishes = r[3].rows, chan = r[4].rows, sum = r[5].rows[0] || {};
      $('k-orders').textContent = sum.orders || 0;
      $('k-revenue').textContent = '¥' + yuan(sum.revenue_fen || 0);
      $('k-refunded').textContent = '¥' + yuan(sum.refunded_fen || 0);
      $('k-net').textContent = '¥' + yuan(sum.net_revenue_fen || 0);
      var hours = []; for (var h = 0; h < 24; h++) hours.push(h + '时');
      var maxOrders = heat.reduce(function (m, x) { return Math.max(m, x.orders); }, 1);
      done.push(show('heatmap', {
        tooltip: { formatter: function (x) { return WEEK[x.value[1]] + ' ' + x.value[0] + '时：' + x.value[2] + ' 单，¥' + yuan(x.value[3]); } },
        grid: { left: 50, right: 20, top: 10, bottom: 75 },
        xAxis: { type: 'category', data: hours, splitArea: { show: true } },
        yAxis: { type: 'category', data: WEEK, splitArea: { show: true } },
        visualMap: { dimension: 2, min: 0, max: maxOrders, calculable: true, orient: 'horizontal', left: 'center', bottom: 0, inRange: { color: ['#fff5f0', '#fb6a4a', '#67000d'] } },
        series: [{ type: 'heatmap', data: heat.map(function (x) { return [x.hour, x.weekday - 1, x.orders, x.revenue_fen]; }), label: { show: false } }]
      }, true));
      mark('heatmap', heat.length);
      done.push(show('slots', {
        tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['订单', '营业额(元)'] },
        grid: { left: 50, right: 60, top: 30, bottom: 30 },
        xAxis: { type: 'category', data: slots.map(function (x) { return x.starts; }) },
        yAxis: [{ type: 'value', name: '单' }, { type: 'value', name: '元' }],
        series: [
          { name: '订单', type: 'bar', data: slots.map(function (x) { return x.orders; }), itemStyle: { color: '#c62828' } },
          { name: '营业额(元)', type: 'line', yAxisIndex: 1, smooth: true, data: slots.map(function (x) { return +yuan(x.revenue_fen); }) }
        ]
      }, true));
      mark('slots', slots.length);
      var names = { lunch: '午市', dinner: '晚市', other: '其他' };
      done.push(show('turnover', {
        tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['每桌每日翻台', '平均就餐(分钟)'] },
        grid: { left: 50, right: 60, top: 30, bottom: 30 },
        xAxis: { type: 'category', data: turn.map(function (x) { return names[x.period] || x.period; }) },
        yAxis: [{ type: 'value', name: '次' }, { type: 'value', name: '分钟' }],
        series: [
          { name: '每桌每日翻台', type: 'bar', data: turn.map(function (x) { return x.turns_per_table_day; }), itemStyle: { color: '#ef6c00' } },
          { name: '平均就餐(分钟)', type: 'line', yAxisIndex: 1, data: turn.map(function (x) { return x.avg_seated_min; }) }
        ]
      }, true));
      mark('turnover', turn.length);
      var ds = dishes.slice().reverse();
      done.push(show('dishes', {
        tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['营业额(元)', '毛利(元)', '毛利率'] },
        grid: { left: 120, right: 50, top: 50, bottom: 30 },
        yAxis: { type: 'category', data: ds.map(function (x) { return x.name; }) },
        xAxis: [{ type: 'value' }, { type: 'value', max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + '%'; } } }],
        series: [
          { name: '营业额(元)', type: 'bar', data: ds.map(function (x) { return +yuan(x.revenue_fen); }), itemStyle: { color: '#c62828' } },
          { name: '毛利(元)', type: 'bar', data: ds.map(function (x) { return +yuan(x.margin_fen); }), itemStyle: { color: '#2e7d32' } },
          { name: '毛利率', type: 'line', xAxisIndex: 1, data: ds.map(function (x) { return x.margin_rate; }) }
        ]
      }, true));
      mark('dishes', dishes.length);
      var cn = { dine_in: '堂食', takeaway: '自提', delivery: '外卖', retail: '零售' };
      done.push(show('channels', {
        tooltip: { trigger: 'item', formatter: '{b}: ¥{c} ({d}%)' }, legend: { bottom: 0 },
        series: [{ type: 'pie', radius: ['35%', '65%'], data: chan.map(function (x) { return { name: cn[x.channel] || x.channel, value: +yuan(x.revenue_fen) }; }) }]
      }, true));
      mark('channels', chan.length);
      done.push.apply(done, drawMembers(r[6].rows, r[7].rows, r[8].rows));
      return Promise.all(done);
    });
  }
  // Members, coupons and stored value are the chain's (a card and a campaign serve every store).
  function drawMembers(coupons, members, liability) {
    var done = [];
    var empty = function (rows) { return rows.length === 0 ? { text: '所选日期内暂无数据', left: 'center', top: 'middle', textStyle: { color: '#999', fontSize: 14 } } : { text: '' }; };
    done.push(show('coupons', {
      title: empty(coupons), tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['发放(张)', '核销(张)', '让利(元)'] },
      grid: { left: 50, right: 60, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: coupons.map(function (x) { return x.campaign; }) },
      yAxis: [{ type: 'value', name: '张' }, { type: 'value', name: '元' }],
      series: [
        { name: '发放(张)', type: 'bar', data: coupons.map(function (x) { return +x.issued; }), itemStyle: { color: '#ef6c00' } },
        { name: '核销(张)', type: 'bar', data: coupons.map(function (x) { return +x.redeemed; }), itemStyle: { color: '#c62828' } },
        { name: '让利(元)', type: 'line', yAxisIndex: 1, data: coupons.map(function (x) { return +yuan(x.given_away_fen); }) }
      ]
    }, true));
    mark('coupons', coupons.length);
    done.push(show('members', {
      title: empty(members), tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['消费(元)', '人均消费(元)', '复购率'] },
      grid: { left: 60, right: 60, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: members.map(function (x) { return '等级 ' + x.level + '（' + x.members + ' 人）'; }) },
      yAxis: [{ type: 'value', name: '元' }, { type: 'value', max: 1, axisLabel: { formatter: function (v) { return Math.round(v * 100) + '%'; } } }],
      series: [
        { name: '消费(元)', type: 'bar', data: members.map(function (x) { return +yuan(x.spend_fen); }), itemStyle: { color: '#c62828' } },
        { name: '人均消费(元)', type: 'bar', data: members.map(function (x) { return +yuan(x.spend_per_member_fen); }), itemStyle: { color: '#2e7d32' } },
        { name: '复购率', type: 'line', yAxisIndex: 1, data: members.map(function (x) { return +x.repeat_rate; }) }
      ]
    }, true));
    mark('members', members.length);
    done.push(show('liability', {
      title: empty(liability), tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['充值(元)', '消费(元)', '退回(元)', '负债余额(元)'] },
      grid: { left: 60, right: 30, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: liability.map(function (x) { return x.day; }) },
      yAxis: { type: 'value', name: '元' },
      series: [
        { name: '充值(元)', type: 'bar', data: liability.map(function (x) { return +yuan(x.topped_up_fen); }), itemStyle: { color: '#ef6c00' } },
        { name: '消费(元)', type: 'bar', data: liability.map(function (x) { return +yuan(x.spent_fen); }), itemStyle: { color: '#c62828' } },
        { name: '退回(元)', type: 'bar', data: liability.map(function (x) { return +yuan(x.returned_fen); }), itemStyle: { color: '#2e7d32' } },
        { name: '负债余额(元)', type: 'line', data: liability.map(function (x) { return +yuan(x.owed_fen); }), itemStyle: { color: '#6a1b9a' } }
      ]
    }, true));
    mark('liability', liability.length);
    return done;
  }
  var lagSeries = [];
  function pollLag() {
    return get('/api/lag').then(function (s) {
      var t = new Date();
      lagSeries.push([t, s.ingesting ? s.lagSeconds : 0, s.ingesting ? s.lagMessages : 0]);
      if (lagSeries.length > 150) lagSeries.shift();
      $('k-lag').textContent = s.ingesting ? s.lagSeconds.toFixed(1) + ' 秒' : '未接入';
      var drawn = show('lag', {
        tooltip: { trigger: 'axis' }, legend: { top: 0, data: ['延迟(秒)', '待入库(条)'] },
        grid: { left: 50, right: 60, top: 30, bottom: 30 },
        xAxis: { type: 'time' }, yAxis: [{ type: 'value', name: '秒' }, { type: 'value', name: '条' }],
        series: [
          { name: '延迟(秒)', type: 'line', showSymbol: true, data: lagSeries.map(function (x) { return [x[0], x[1]]; }) },
          { name: '待入库(条)', type: 'line', yAxisIndex: 1, showSymbol: true, data: lagSeries.map(function (x) { return [x[0], x[2]]; }) }
        ]
      });
      mark('lag', lagSeries.length);
      return drawn;
    });
  }
  function fail(e) { $('error').textContent = '加载失败：' + e.message; }
  $('go').addEventListener('click', function () { draw().catch(fail); });
  window.addEventListener('resize', function () { Object.keys(charts).forEach(function (k) { charts[k].resize(); }); });
  get('/api/stores').then(function (s) {
    s.rows.forEach(function (x) { var o = document.createElement('option'); o.value = x.store; o.textContent = x.store + ' ' + x.name; $('store').appendChild(o); });
    $('store').value = q.get('store') || '';
    if (q.get('from') && q.get('to')) { $('from').value = q.get('from'); $('to').value = q.get('to'); return; }
    return get('/api/summary?from=2000-01-01&to=2100-12-31').then(function (r) {
      var last = (r.rows[0] && r.rows[0].last_event_at) ? r.rows[0].last_event_at.slice(0, 10) : new Date().toISOString().slice(0, 10);
      var from = new Date(Date.parse(last + 'T00:00:00Z') - 29 * 86400000).toISOString().slice(0, 10);
      $('from').value = from; $('to').value = last;
    });
  }).then(function () { return Promise.all([draw(), pollLag()]); })
    .then(function () { document.body.dataset.ready = '1'; })
    .catch(fail);
  setInterval(function () { pollLag().catch(function () {}); }, 2000);
})();
</script>
</body>
</html>
`;

export function dashboardHtml(): string {
  return PAGE;
}
