// One dish in the menu editor: specs and prices, options, allergens, station, prep time,
// channels, time windows, tags and its photo. List fields are kept as typed and parsed on save.
import { useState } from 'preact/hooks';
import { CHANNELS, STATIONS, api, html, storePath } from './api.js';

export const EMPTY_DISH = {
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
const parseWindows = (s) =>
  list(s).map((w) => {
    const [from, to] = w.split('-').map((x) => x.trim());
    return { from, to };
  });
/** One option group a line: `辣度: 微辣, 中辣, 特辣` (pick at most one). */
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

const textsOf = (spu) => ({
  options: spu.optionGroups.map((g) => `${g.name}: ${g.choices.map((c) => c.name).join(', ')}`).join('\n'),
  allergens: spu.allergens.join(', '),
  windows: spu.windows.map((w) => `${w.from}-${w.to}`).join(', '),
  tags: spu.tags.join(', '),
});

/** What `PUT …/menu/spus/{spuId}` takes from the form. */
const bodyOf = (d, t) => ({
  ...d,
  prepTimeSec: Number(d.prepTimeSec),
  optionGroups: parseOptions(t.options),
  allergens: list(t.allergens),
  windows: parseWindows(t.windows),
  tags: list(t.tags),
  skus: d.skus.map((s) => ({
    skuId: s.skuId,
    spec: s.spec,
    priceFen: Math.round(Number(s.priceYuan ?? s.priceFen / 100) * 100),
  })),
});

function SkuRows({ skus, onChange }) {
  const setSku = (i, k) => (e) => onChange(skus.map((s, j) => (j === i ? { ...s, [k]: e.target.value } : s)));
  return html`<div>
    ${skus.map(
      (s, i) =>
        html`<div class="row">
          <input aria-label="SKU 编号" placeholder="SKU 编号" value=${s.skuId} onInput=${setSku(i, 'skuId')} required />
          <input aria-label="规格" placeholder="规格（大份/小份）" value=${s.spec} onInput=${setSku(i, 'spec')} />
          <input
            aria-label="价格（元）"
            placeholder="价格（元）"
            type="number"
            step="0.01"
            min="0"
            value=${s.priceYuan ?? (s.priceFen / 100).toFixed(2)}
            onInput=${setSku(i, 'priceYuan')}
            required
          />
        </div>`,
    )}
    <button type="button" onClick=${() => onChange([...skus, { skuId: '', spec: '', priceFen: 0 }])}>添加规格</button>
  </div>`;
}

function Channels({ channels, onChange }) {
  const flip = (k) => (e) => onChange(e.target.checked ? [...channels, k] : channels.filter((c) => c !== k));
  return html`<div class="row">
    ${Object.entries(CHANNELS).map(
      ([k, v]) =>
        html`<label><input type="checkbox" checked=${channels.includes(k)} onChange=${flip(k)} /> ${v}</label>`,
    )}
  </div>`;
}

/** The photo: uploaded at once (the gateway makes it a WebP), its URL kept in the dish. */
function Photo({ images, onChange, say, setBusy }) {
  async function upload(ev) {
    const file = ev.target.files[0];
    if (!file) return;
    setBusy(true);
    try {
      const r = await api('POST', storePath('images'), { raw: file, type: file.type || 'image/jpeg' });
      onChange([r.url]);
      say(`图片已上传（${r.width}×${r.height}，WebP ${Math.round(r.bytes / 1024)} KB）`);
    } catch (e) {
      say(e);
    } finally {
      setBusy(false);
    }
  }
  return html`<div class="row">
    ${images[0] && html`<img class="thumb" src=${images[0]} alt="菜品图片" />`}
    <input id="spu-image" type="file" accept="image/png,image/jpeg,image/webp" onChange=${upload} />
  </div>`;
}

export function DishEditor({ spu, onSaved, onCancel, say }) {
  const [d, setD] = useState(structuredClone(spu));
  const [t, setT] = useState(textsOf(spu));
  const [busy, setBusy] = useState(false);
  const set = (k) => (ev) => setD({ ...d, [k]: ev.target.value });
  const text = (k) => (ev) => setT({ ...t, [k]: ev.target.value });
  async function save(ev) {
    ev.preventDefault();
    setBusy(true);
    try {
      await api('PUT', storePath(`menu/spus/${encodeURIComponent(d.spuId)}`), { body: bodyOf(d, t) });
      say(`已保存「${d.name}」`);
      onSaved();
    } catch (e) {
      say(e);
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="panel form" onSubmit=${save} aria-label="菜品编辑">
    <label for="spu-id">菜品编号</label>
    <input id="spu-id" value=${d.spuId} onInput=${set('spuId')} required pattern="[A-Za-z0-9_-]{1,64}" />
    <label for="spu-name">菜名</label><input id="spu-name" value=${d.name} onInput=${set('name')} required />
    <label for="spu-cat">分类</label><input id="spu-cat" value=${d.category} onInput=${set('category')} required />
    <label for="spu-desc">描述</label><textarea id="spu-desc" value=${d.description} onInput=${set('description')} />
    <label>规格与价格</label><${SkuRows} skus=${d.skus} onChange=${(skus) => setD({ ...d, skus })} />
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
    <label for="spu-prep">制作时长（秒）</label>
    <input id="spu-prep" type="number" min="0" value=${d.prepTimeSec} onInput=${set('prepTimeSec')} />
    <label>售卖渠道</label><${Channels} channels=${d.channels} onChange=${(channels) => setD({ ...d, channels })} />
    <label for="spu-windows">供应时段</label>
    <input id="spu-windows" placeholder="全天供应留空，如 07:00-10:30" value=${t.windows} onInput=${text('windows')} />
    <label for="spu-tags">标签</label>
    <input id="spu-tags" placeholder="招牌, 新品" value=${t.tags} onInput=${text('tags')} />
    <label for="spu-image">菜品图片</label>
    <${Photo}
      images=${d.images}
      onChange=${(images) => setD((x) => ({ ...x, images }))}
      say=${say}
      setBusy=${setBusy}
    />
    <span></span>
    <div class="row">
      <button class="primary" type="submit" disabled=${busy}>保存菜品</button>
      <button type="button" onClick=${onCancel}>取消</button>
    </div>
  </form>`;
}
