import { it } from 'vitest';
import { encode, decode } from '@lunchrush/engine';
import { orderIdFor } from '@lunchrush/actors';
import { setupStore } from './helpers.js';
import { T1, open, tbl } from './table-support.js';
import { T0 } from './helpers.js';
import { Packr, Unpackr } from 'msgpackr';
it('dump', () => {
  const rt = setupStore();
  open(rt, T1);
  const r = tbl(rt, T1, { type: 'submit', orderId: orderIdFor('001', 'd1', 'k1'), dinerId: 'd1', requestHash: 'h'.repeat(43), at: T0,
    lines: [{ skuId: 'noodle-l', qty: 1, options: [{ group: 'spice', choice: 'none' }] }, { skuId: 'cola', qty: 2, options: [] }] } as never);
  const res = (r as { ok: boolean; result: unknown }).result;
  const seqP = new Packr({ sequential: true, useRecords: true, moreTypes: false, encodeUndefinedAsNil: true });
  const seqU = new Unpackr({ sequential: true, useRecords: true, moreTypes: false });
  for (const n of [1, 5, 20]) {
    const answers: unknown[] = [];
    for (let i = 0; i < n; i++) answers.push(i, [0, decode(encode(res))]);
    const cases = [
      ['plain', () => decode(new Uint8Array(encode(answers)))],
      ['plain-enc', () => new Uint8Array(encode(answers))],
      ['seq', () => seqU.unpack(new Uint8Array(seqP.pack(answers)))],
      ['seq-enc', () => new Uint8Array(seqP.pack(answers))],
      ['json', () => JSON.parse(JSON.stringify(answers))],
      ['json-enc', () => JSON.stringify(answers)],
      ['clone', () => structuredClone(answers)],
    ] as const;
    for (let rep = 0; rep < 2; rep++)
    for (const [name, f] of cases) {
      const t = performance.now(); let k = 0;
      while (performance.now() - t < 200) { f(); k++; }
      const ms = (performance.now() - t) / k;
      if (rep === 1) console.log(n, name, 'µs/answer', (ms * 1000 / n).toFixed(2), 'bytes', name.startsWith('seq') ? seqP.pack(answers).length : encode(answers).length);
    }
  }
});
