// The menu editor (dishes with specs, options, allergens, prep time, channels, time windows and
// photos; a SKU's price) and the stock and 86 board.
import { useEffect, useState } from 'preact/hooks';
import { CHANNELS, STATIONS, api, html, loadSession, storePath, yuan } from './api.js';

const EMPTY = {
  spuId: '',
  name: '',
  category: '',
  description: '',
  station: 'wok',
  prepTimeSec: 300,
  skus: [{ skuId: '', spec: '', priceFen: 0 }],
  optionGroups: [],
  allergens: [],
  channels: ['dine_in', 'takeaway', 'delivery'],
  windows: [],
  tags: [],
  images: [],
  available: true,
};

const list = (s) =>
  s
    .split(/[,，、]/)
    .map((x) => x.trim())
    .filter(Boolean);
const windowsText = (ws) => ws.map((w) => `${w.from}-${w.to}`).join(', ');
const parseWindows = (s) =>
  list(s).map((w) => {
    const [from, to] = w.split('-').map((x) => x.trim());
    return { from, to };
  });
/** One option group a line: `辣度: 微辣, 中辣, 特辣` (pick at most one). */
const optionsText = (gs) => gs.map((g) => `${g.name}: ${g.choices.map((c) => c.name).join(', ')}`).join('\n');
const parseOptions = (s) =>
  s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l, i) => {
      const [name, rest = ''] = l.split(/[:：]/);
      const choices = list(rest).map((c, j) => ({ id: `c${j + 1}`, name: c, priceDeltaFen: 0, available: true }));
      return { id: `g${i + 1}`, name: name.trim(), min: 0, max: 1, choices };
    });

/** The editor's text fields for lists, kept as typed and parsed on save. */
const textsOf = (spu) => ({
  options: optionsText(spu.optionGroups),
  allergens: spu.allergens.join(', '),
  windows: windowsText(spu.windows),
  tags: spu.tags.join(', '),
});

function Editor({ spu, onSaved, onCancel, say }) {
  const [d, setD] = useState(structuredClone(spu));
  const [t, setT] = useState(textsOf(spu));
  const text = (k) => (ev) => setT({ ...t, [k]: ev.target.value });
  const [busy, setBusy] = useState(false);
  const set = (k) => (ev) => setD({ ...d, [k]: ev.target.value });
  const setSku = (i, k, v) => setD({ ...d, skus: d.skus.map((s, j) => (j === i ? { ...s, [k]: v } : s)) });
  async function upload(ev) {
    const file = ev.target.files[0];
    if (!file) return;
    setBusy(true);
    try {
      const r = await api('POST', storePath('images'), { raw: file, type: file.type || 'image/jpeg' });
      setD((x) => ({ ...x, images: [r.url] }));
      say(`图片已上传（${r.width}×${r.height}，WebP ${Math.round(r.bytes / 1024)} KB）`);
    } catch (e) {
      say(e);
    } finally {
      setBusy(false);
    }
  }
  async function save(ev) {
    ev.preventDefault();
    const body = {
      ...d,
      prepTimeSec: Number(d.prepTimeSec),
      optionGroups: parseOptions(t.options),
      allergens: list(t.allergens),
      windows: parseWindows(t.windows),
      tags: list(t.tags),
    };
    body.skus = d.skus.map((s) => ({
      skuId: s.skuId,
      spec: s.spec,
      priceFen: Math.round(Number(s.priceYuan ?? s.priceFen / 100) * 100),
    }));
    setBusy(true);
    try {
      await api('PUT', storePath(`menu/spus/${encodeURIComponent(d.spuId)}`), { body });
      say(`已保存「${d.name}」`);
      onSaved();
    } catch (e) {
      say(e);
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="panel form" onSubmit=${save} aria-label="菜品编辑">
    <label for="spu-id">菜品编号</label
    ><input id="spu-id" value=${d.spuId} onInput=${set('spuId')} required pattern="[A-Za-z0-9_-]{1,64}" />
    <label for="spu-name">菜名</label><input id="spu-name" value=${d.name} onInput=${set('name')} required />
    <label for="spu-cat">分类</label><input id="spu-cat" value=${d.category} onInput=${set('category')} required />
    <label for="spu-desc">描述</label><textarea id="spu-desc" value=${d.description} onInput=${set('description')} />
    <label>规格与价格</label>
    <div>
      ${d.skus.map(
        (s, i) =>
          html`<div class="row">
            <input
              aria-label="SKU 编号"
              placeholder="SKU 编号"
              value=${s.skuId}
              onInput=${(e) => setSku(i, 'skuId', e.target.value)}
              required
            />
            <input
              aria-label="规格"
              placeholder="规格（大份/小份）"
              value=${s.spec}
              onInput=${(e) => setSku(i, 'spec', e.target.value)}
            />
            <input
              aria-label="价格（元）"
              placeholder="价格（元）"
              type="number"
              step="0.01"
              min="0"
              value=${s.priceYuan ?? (s.priceFen / 100).toFixed(2)}
              onInput=${(e) => setSku(i, 'priceYuan', e.target.value)}
              required
            />
          </div>`,
      )}
      <button type="button" onClick=${() => setD({ ...d, skus: [...d.skus, { skuId: '', spec: '', priceFen: 0 }] })}>
        添加规格
      </button>
    </div>
    <label for="spu-opts">口味选项</label>
    <textarea
      id="spu-opts"
      placeholder="每行一组，如：辣度: 微辣, 中辣, 特辣"
      value=${t.options}
      onInput=${text('options')}
    />
    <label for="spu-allergens">过敏原</label>
    <input id="spu-allergens" value=${t.allergens} onInput=${text('allergens')} />
    <label for="spu-station">出品档口</label>
    <select id="spu-station" value=${d.station} onChange=${set('station')}>
      ${Object.entries(STATIONS).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
    </select>
    <label for="spu-prep">制作时长（秒）</label
    ><input id="spu-prep" type="number" min="0" value=${d.prepTimeSec} onInput=${set('prepTimeSec')} />
    <label>售卖渠道</label>
    <div class="row">
      ${Object.entries(CHANNELS).map(
        ([k, v]) =>
          html`<label
            ><input
              type="checkbox"
              checked=${d.channels.includes(k)}
              onChange=${(e) => setD({ ...d, channels: e.target.checked ? [...d.channels, k] : d.channels.filter((c) => c !== k) })}
            />
            ${v}</label
          >`,
      )}
    </div>
    <label for="spu-windows">供应时段</label>
    <input id="spu-windows" placeholder="全天供应留空，如 07:00-10:30" value=${t.windows} onInput=${text('windows')} />
    <label for="spu-tags">标签</label>
    <input id="spu-tags" placeholder="招牌, 新品" value=${t.tags} onInput=${text('tags')} />
    <label for="spu-image">菜品图片</label>
    <div class="row">
      ${d.images[0] && html`<img class="thumb" src=${d.images[0]} alt="菜品图片" />`}
      <input id="spu-image" type="file" accept="image/png,image/jpeg,image/webp" onChange=${upload} />
    </div>
    <span></span>
    <div class="row">
      <button class="primary" type="submit" disabled=${busy}>保存菜品</button>
      <button type="button" onClick=${onCancel}>取消</button>
    </div>
  </form>`;
}

export function MenuPage({ say }) {
  const [doc, setDoc] = useState(null);
  const [editing, setEditing] = useState(null);
  const [prices, setPrices] = useState({});
  const load = () => api('GET', storePath('catalog')).then(setDoc, say);
  useEffect(() => void load(), []);
  async function price(sku) {
    const fen = Math.round(Number(prices[sku.skuId]) * 100);
    try {
      await api('POST', storePath(`menu/skus/${sku.skuId}/price`), { body: { priceFen: fen } });
      say(`${sku.skuId} 改价为 ${yuan(fen)}`);
      await load();
    } catch (e) {
      say(e);
    }
  }
  async function toggle(spu) {
    try {
      await api('POST', storePath(`menu/spus/${spu.spuId}/availability`), { body: { available: !spu.available } });
      await load();
    } catch (e) {
      say(e);
    }
  }
  if (editing !== null)
    return html`<${Editor}
      spu=${editing}
      say=${say}
      onCancel=${() => setEditing(null)}
      onSaved=${() => {
        setEditing(null);
        void load();
      }}
    />`;
  if (doc === null) return html`<p class="loading">加载中…</p>`;
  return html`<div class="panel">
    <div class="row">
      <button class="primary" onClick=${() => setEditing(EMPTY)}>新增菜品</button>
      <span class="who">共 ${doc.spus.length} 道菜 · 门店 ${loadSession()?.store}</span>
    </div>
    <table aria-label="菜品列表">
      <thead>
        <tr>
          <th>图片</th>
          <th>菜名</th>
          <th>分类</th>
          <th>规格与价格</th>
          <th>档口</th>
          <th>状态</th>
          <th></th>
        </tr>
      </thead>
      <tbody>
        ${doc.spus.map(
          (spu) =>
            html`<tr key=${spu.spuId} data-spu=${spu.spuId}>
              <td>
                ${
                  spu.images[0]
                    ? html`<img
                        class="thumb"
                        loading="lazy"
                        src=${spu.images[0]}
                        alt=""
                        onLoad=${(e) => (e.target.style.visibility = '')}
                        onError=${(e) => (e.target.style.visibility = 'hidden')}
                      />`
                    : ''
                }
              </td>
              <td>${spu.name}<br /><small class="who">${spu.allergens.join('、')}</small></td>
              <td>${spu.category}</td>
              <td>
                ${spu.skus.map(
                  (k) =>
                    html`<div class="row">
                      ${k.spec || '标准'} ${yuan(k.priceFen)}
                      <input
                        aria-label=${`${k.skuId} 新价格`}
                        type="number"
                        step="0.01"
                        min="0"
                        style="width:6em"
                        value=${prices[k.skuId] ?? ''}
                        onInput=${(e) => setPrices({ ...prices, [k.skuId]: e.target.value })}
                      />
                      <button onClick=${() => price(k)} disabled=${!prices[k.skuId]}>改价</button>
                    </div>`,
                )}
              </td>
              <td>${STATIONS[spu.station] ?? spu.station}</td>
              <td><button onClick=${() => toggle(spu)}>${spu.available ? '在售 · 下架' : '已下架 · 上架'}</button></td>
              <td><button onClick=${() => setEditing(spu)}>编辑</button></td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

export function StockPage({ me, say }) {
  const [menu, setMenu] = useState(null);
  const [levels, setLevels] = useState({});
  const [counts, setCounts] = useState({});
  const store = me.store;
  const load = async () => {
    const [m, l] = await Promise.all([api('GET', `/v1/stores/${store}/menu`), api('GET', `/v1/stores/${store}/stock`)]);
    setMenu(m);
    setLevels(Object.fromEntries(l.skus.map((s) => [s.skuId, s])));
  };
  useEffect(() => void load().catch(say), []);
  async function act(skuId, action, body, done) {
    try {
      const r = await api('POST', storePath(`stock/${skuId}/${action}`), { body });
      setLevels({ ...levels, [skuId]: { ...levels[skuId], ...r } });
      say(done);
    } catch (e) {
      say(e);
    }
  }
  if (menu === null) return html`<p class="loading">加载中…</p>`;
  const LEVEL = { ok: ['充足', 'ok'], low: ['紧张', 'warn'], sold_out: ['售罄', 'bad'], out: ['售罄', 'bad'] };
  return html`<div class="panel">
    <table aria-label="库存">
      <thead>
        <tr>
          <th>菜品</th>
          <th>规格</th>
          <th>剩余</th>
          <th>状态</th>
          <th>盘点</th>
          <th>沽清</th>
        </tr>
      </thead>
      <tbody>
        ${menu.spus.flatMap((spu) =>
          spu.skus.map((k) => {
            const l = levels[k.skuId] ?? {};
            const [text, cls] = l.eightySixed ? ['已沽清', 'bad'] : (LEVEL[l.level] ?? [l.level ?? '—', '']);
            return html`<tr key=${k.skuId} data-sku=${k.skuId}>
              <td>${spu.name}</td>
              <td>${k.spec || '标准'}</td>
              <td>${l.available ?? '—'}</td>
              <td><span class=${`tag ${cls}`}>${text}</span></td>
              <td class="row">
                <input
                  aria-label=${`${k.skuId} 库存数量`}
                  type="number"
                  min="0"
                  style="width:6em"
                  value=${counts[k.skuId] ?? ''}
                  onInput=${(e) => setCounts({ ...counts, [k.skuId]: e.target.value })}
                />
                <button
                  disabled=${!me.may.stock || counts[k.skuId] === undefined || counts[k.skuId] === ''}
                  onClick=${() => act(k.skuId, 'set', { available: Number(counts[k.skuId]) }, `${spu.name} 库存设为 ${counts[k.skuId]}`)}
                >
                  设置
                </button>
              </td>
              <td>
                <button
                  disabled=${!me.may.stock}
                  onClick=${() => act(k.skuId, '86', { on: true }, `${spu.name} 已沽清`)}
                >
                  沽清
                </button>
                <button
                  disabled=${!me.may.stock}
                  onClick=${() => act(k.skuId, '86', { on: false }, `${spu.name} 恢复售卖`)}
                >
                  恢复
                </button>
              </td>
            </tr>`;
          }),
        )}
      </tbody>
    </table>
  </div>`;
}
