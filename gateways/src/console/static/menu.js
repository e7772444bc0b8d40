// The menu editor's list: every dish with its photo, specs and prices (the price editor:
// managers only), on/off, and the editor of one dish.
import { useEffect, useState } from 'preact/hooks';
import { STATIONS, api, html, loadSession, storePath, table, yuan } from './api.js';
import { DishEditor, EMPTY_DISH } from './dish-editor.js';

function Thumb({ spu }) {
  if (!spu.images[0]) return '';
  // A photo that does not load (the demo menu's are placeholders) leaves an empty frame.
  return html`<img
    class="thumb"
    loading="lazy"
    src=${spu.images[0]}
    alt=""
    onLoad=${(e) => (e.target.style.visibility = '')}
    onError=${(e) => (e.target.style.visibility = 'hidden')}
  />`;
}

function Prices({ spu, prices, setPrices, price }) {
  return spu.skus.map(
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
  );
}

export function MenuPage({ say }) {
  const [doc, setDoc] = useState(null);
  const [editing, setEditing] = useState(null);
  const [prices, setPrices] = useState({});
  const load = () => api('GET', storePath('catalog')).then(setDoc, say);
  useEffect(() => void load(), []);
  const run = async (method, tail, body, done) => {
    try {
      await api(method, storePath(tail), { body });
      if (done) say(done);
      await load();
    } catch (e) {
      say(e);
    }
  };
  const price = (sku) => {
    const fen = Math.round(Number(prices[sku.skuId]) * 100);
    return run('POST', `menu/skus/${sku.skuId}/price`, { priceFen: fen }, `${sku.skuId} 改价为 ${yuan(fen)}`);
  };
  const toggle = (spu) => run('POST', `menu/spus/${spu.spuId}/availability`, { available: !spu.available });
  if (editing !== null) {
    const saved = () => {
      setEditing(null);
      void load();
    };
    return html`<${DishEditor} spu=${editing} say=${say} onCancel=${() => setEditing(null)} onSaved=${saved} />`;
  }
  if (doc === null) return html`<p class="loading">加载中…</p>`;
  return html`<div class="panel">
    <div class="row">
      <button class="primary" onClick=${() => setEditing(EMPTY_DISH)}>新增菜品</button>
      <span class="who">共 ${doc.spus.length} 道菜 · 门店 ${loadSession()?.store}</span>
    </div>
    ${table(
      '菜品列表',
      ['图片', '菜名', '分类', '规格与价格', '档口', '状态', ''],
      doc.spus.map(
        (spu) =>
          html`<tr key=${spu.spuId} data-spu=${spu.spuId}>
            <td><${Thumb} spu=${spu} /></td>
            <td>${spu.name}<br /><small class="who">${spu.allergens.join('、')}</small></td>
            <td>${spu.category}</td>
            <td><${Prices} spu=${spu} prices=${prices} setPrices=${setPrices} price=${price} /></td>
            <td>${STATIONS[spu.station] ?? spu.station}</td>
            <td><button onClick=${() => toggle(spu)}>${spu.available ? '在售 · 下架' : '已下架 · 上架'}</button></td>
            <td><button onClick=${() => setEditing(spu)}>编辑</button></td>
          </tr>`,
      ),
    )}
  </div>`;
}
