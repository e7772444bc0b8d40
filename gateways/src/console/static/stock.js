// The stock and 86 board: what is left of every SKU, a stocktake, 沽清 and back.
import { useEffect, useState } from 'preact/hooks';
import { api, html, storePath, table } from './api.js';

const LEVEL = { ok: ['充足', 'ok'], low: ['紧张', 'warn'], out: ['售罄', 'bad'] };

function SkuRow({ spu, k, level, may, act }) {
  const [count, setCount] = useState('');
  const [text, cls] = level.eightySixed ? ['已沽清', 'bad'] : (LEVEL[level.level] ?? [level.level ?? '—', '']);
  return html`<tr key=${k.skuId} data-sku=${k.skuId}>
    <td>${spu.name}</td>
    <td>${k.spec || '标准'}</td>
    <td>${level.available ?? '—'}</td>
    <td><span class=${`tag ${cls}`}>${text}</span></td>
    <td class="row">
      <input
        aria-label=${`${k.skuId} 库存数量`}
        type="number"
        min="0"
        style="width:6em"
        value=${count}
        onInput=${(e) => setCount(e.target.value)}
      />
      <button
        disabled=${!may || count === ''}
        onClick=${() => act(k.skuId, 'set', { available: Number(count) }, `${spu.name} 库存设为 ${count}`)}
      >
        设置
      </button>
    </td>
    <td>
      <button disabled=${!may} onClick=${() => act(k.skuId, '86', { on: true }, `${spu.name} 已沽清`)}>沽清</button>
      <button disabled=${!may} onClick=${() => act(k.skuId, '86', { on: false }, `${spu.name} 恢复售卖`)}>恢复</button>
    </td>
  </tr>`;
}

export function StockPage({ me, say }) {
  const [menu, setMenu] = useState(null);
  const [levels, setLevels] = useState({});
  useEffect(() => {
    Promise.all([api('GET', `/v1/stores/${me.store}/menu`), api('GET', `/v1/stores/${me.store}/stock`)]).then(
      ([m, l]) => {
        setMenu(m);
        setLevels(Object.fromEntries(l.skus.map((s) => [s.skuId, s])));
      },
      say,
    );
  }, []);
  async function act(skuId, action, body, done) {
    try {
      const r = await api('POST', storePath(`stock/${skuId}/${action}`), { body });
      setLevels((x) => ({ ...x, [skuId]: { ...x[skuId], ...r } }));
      say(done);
    } catch (e) {
      say(e);
    }
  }
  if (menu === null) return html`<p class="loading">加载中…</p>`;
  return html`<div class="panel">
    ${table(
      '库存',
      ['菜品', '规格', '剩余', '状态', '盘点', '沽清'],
      menu.spus.flatMap((spu) =>
        spu.skus.map(
          (k) =>
            html`<${SkuRow}
              key=${k.skuId}
              spu=${spu}
              k=${k}
              level=${levels[k.skuId] ?? {}}
              may=${me.may.stock}
              act=${act}
            />`,
        ),
      ),
    )}
  </div>`;
}
