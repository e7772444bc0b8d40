import { describe, expect, it } from 'vitest';
import {
  CSV_COLUMNS,
  CatalogDocSchema,
  CatalogFormatError,
  catalogToCsv,
  catalogToJson,
  parseCatalogCsv,
  parseCatalogJson,
  type CatalogDoc,
} from '@lunchrush/actors';
import { chainTemplate } from '@lunchrush/actors/demo';
import { smallCatalog } from './helpers.js';

function issuesOf(f: () => unknown): { row?: number; field: string; message: string }[] {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CatalogFormatError);
    expect((e as CatalogFormatError).code).toBe('catalog_invalid');
    return [...(e as CatalogFormatError).issues];
  }
  return expect.fail('expected a CatalogFormatError');
}

const header = CSV_COLUMNS.join(',');
/** A CSV row from named cells, the rest empty. */
function row(cells: Partial<Record<(typeof CSV_COLUMNS)[number], string>>): string {
  return CSV_COLUMNS.map((c) => {
    const v = cells[c] ?? '';
    return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
  }).join(',');
}
const ok = { spu_id: 'cola', name: '可乐', category: '饮品', station: 'bar', sku_id: 'cola', price_fen: '600' };

describe('catalog JSON', () => {
  it('round-trips the demo menu exactly', () => {
    const doc = chainTemplate();
    expect(parseCatalogJson(catalogToJson(doc))).toEqual(doc);
  });

  it('fills defaults', () => {
    const doc = parseCatalogJson(
      JSON.stringify({
        spus: [{ spuId: 'a', name: 'A', category: '热菜', station: 'wok', skus: [{ skuId: 'a', priceFen: 100 }] }],
      }),
    );
    expect(doc.spus[0]).toMatchObject({
      description: '',
      channels: ['dine_in', 'takeaway', 'delivery', 'retail'],
      available: true,
      prepTimeSec: 300,
      optionGroups: [],
    });
  });

  it('names the JSON path of every problem', () => {
    const bad = smallCatalog();
    bad.spus![0]!.skus[1]!.priceFen = 12.5;
    (bad.spus![2] as { station: string }).station = 'Bar Counter';
    const issues = issuesOf(() => parseCatalogJson(JSON.stringify(bad)));
    expect(issues.map((i) => i.field)).toEqual(['spus[0].skus[1].priceFen', 'spus[2].station']);
    expect(issues[0]!.message).toMatch(/int/i);
  });

  it('reports broken JSON', () => {
    expect(issuesOf(() => parseCatalogJson('{"spus": ['))[0]).toMatchObject({ field: '(json)' });
  });
});

const cases: [string, string[], { row?: number; field: string; message: RegExp }[]][] = [
  [
    'a price in yuan',
    [row({ ...ok, price_fen: '6.00' })],
    [{ row: 2, field: 'price_fen', message: /whole number of fen, got "6.00"/ }],
  ],
  [
    'an unknown channel',
    [row({ ...ok, channels: 'dine_in|drone' })],
    [{ row: 2, field: 'channels', message: /unknown channel drone/ }],
  ],
  ['a bad window', [row({ ...ok, windows: '25:00-26:00' })], [{ row: 2, field: 'windows', message: /expected HH:MM/ }]],
  [
    'bad days',
    [row({ ...ok, windows: '8@10:00-11:00' })],
    [{ row: 2, field: 'windows', message: /days are 1 \(Mon\) to 7/ }],
  ],
  [
    'a bad option group',
    [row({ ...ok, options: 'spice:辣度=hot:特辣:0' })],
    [{ row: 2, field: 'options', message: /expected id:name\[min-max\]/ }],
  ],
  [
    'a bad option delta',
    [row({ ...ok, options: 'x:X[0-1]=a:A:1.5' })],
    [{ row: 2, field: 'options', message: /whole fen/ }],
  ],
  [
    'an impossible option group',
    [row({ ...ok, options: 'x:X[2-1]=a:A:0,b:B:0' })],
    [{ row: 2, field: 'options', message: /min 2 is above max 1/ }],
  ],
  ['a bad boolean', [row({ ...ok, available: 'maybe' })], [{ row: 2, field: 'available', message: /true or false/ }]],
  ['an empty name', [row({ ...ok, name: '' })], [{ row: 2, field: 'name', message: /too small|at least|>=1/i }]],
  [
    'a station id with spaces',
    [row({ ...ok, station: 'bar counter' })],
    [{ row: 2, field: 'station', message: /lowercase station/ }],
  ],
  [
    'a duplicate sku_id',
    [row(ok), row({ ...ok, spu_id: 'cola2' })],
    [{ row: 3, field: 'sku_id', message: /already appears in row 2/ }],
  ],
  [
    'SPU columns that disagree',
    [row(ok), row({ ...ok, sku_id: 'cola-l', name: '百事' })],
    [{ row: 3, field: 'name', message: /differs from row 2/ }],
  ],
  ['a bad cost', [row({ ...ok, cost_fen: '-1' })], [{ row: 2, field: 'cost_fen', message: /whole number/ }]],
  ['a bad sku id', [row({ ...ok, sku_id: 'co la' })], [{ row: 2, field: 'sku_id', message: /expected 1–64/ }]],
  ['an image that is no URL', [row({ ...ok, images: 'not a url' })], [{ row: 2, field: 'images', message: /url/i }]],
];

describe('catalog CSV: round trips and reading', () => {
  it('round-trips every SPU field of the demo menu', () => {
    const doc = chainTemplate();
    const back = parseCatalogCsv(catalogToCsv(doc));
    expect(back.spus).toEqual(doc.spus);
    expect(back.categories).toEqual(doc.categories);
  });

  it('round-trips options with deltas and unavailable choices, windows and lists', () => {
    const doc: CatalogDoc = CatalogDocSchema.parse(smallCatalog());
    const csv = catalogToCsv(doc);
    expect(csv).toContain(
      'spice:辣度[1-1]=none:不辣:0,hot:特辣:0;extra:加料[0-2]=egg:加蛋:200,beef:加牛肉:800,gone:加虾:900:off',
    );
    expect(csv).toContain('07:00-10:30');
    expect(csv).toContain('retail|delivery|takeaway');
    expect(parseCatalogCsv(csv).spus).toEqual(doc.spus);
  });

  it('reads one row per SKU and groups them by spu_id', () => {
    const csv = [
      header,
      row({ ...ok, spu_id: 'tea', name: '茶', sku_id: 'tea-l', spec: '大杯', price_fen: '900' }),
      row({ spu_id: 'tea', sku_id: 'tea-s', spec: '小杯', price_fen: '700' }),
      row(ok),
    ].join('\n');
    const doc = parseCatalogCsv(csv);
    expect(doc.spus.map((s) => [s.spuId, s.skus.map((k) => [k.skuId, k.spec, k.priceFen])])).toEqual([
      [
        'tea',
        [
          ['tea-l', '大杯', 900],
          ['tea-s', '小杯', 700],
        ],
      ],
      ['cola', [['cola', '', 600]]],
    ]);
  });

  it('accepts a BOM and CRLF line ends (spreadsheet exports)', () => {
    const csv = `\uFEFF${header}\r\n${row(ok)}\r\n`;
    expect(parseCatalogCsv(csv).spus[0]!.skus[0]!.priceFen).toBe(600);
  });
});

describe('catalog CSV: every problem named', () => {
  it.each(cases)('names the row and field of %s', (_n, rows, want) => {
    const issues = issuesOf(() => parseCatalogCsv([header, ...rows].join('\n')));
    expect(issues).toHaveLength(want.length);
    want.forEach((w, i) => {
      expect(issues[i]).toMatchObject({ row: w.row, field: w.field });
      expect(issues[i]!.message).toMatch(w.message);
    });
  });

  it('lists every problem at once, and the error message names them', () => {
    const csv = [
      header,
      row({ ...ok, price_fen: 'abc' }),
      row({ ...ok, spu_id: 'x', sku_id: 'x', available: '?' }),
    ].join('\n');
    try {
      parseCatalogCsv(csv);
      expect.fail('should throw');
    } catch (e) {
      expect((e as CatalogFormatError).issues).toHaveLength(2);
      expect((e as Error).message).toBe(
        'invalid catalog: row 2, field price_fen: expected a whole number of fen, got "abc"; row 3, field available: expected true or false, got "?"',
      );
    }
  });

  it('checks the header', () => {
    expect(issuesOf(() => parseCatalogCsv('spu_id,name,colour\n'))).toEqual([
      { row: 1, field: 'colour', message: 'unknown column' },
      { row: 1, field: 'category', message: 'required column is missing' },
      { row: 1, field: 'station', message: 'required column is missing' },
      { row: 1, field: 'sku_id', message: 'required column is missing' },
      { row: 1, field: 'price_fen', message: 'required column is missing' },
    ]);
    expect(issuesOf(() => parseCatalogCsv(''))[0]).toMatchObject({ row: 1, field: '(header)' });
  });

  it('reports unparseable CSV with its line', () => {
    const issue = issuesOf(() => parseCatalogCsv(`${header}\n"cola,broken`))[0]!;
    expect(issue.field).toBe('(file)');
  });

  it('refuses to export names that would break the notation', () => {
    const doc = CatalogDocSchema.parse(smallCatalog());
    const bad: CatalogDoc = {
      ...doc,
      spus: [{ ...doc.spus[0]!, optionGroups: [{ ...doc.spus[0]!.optionGroups[0]!, name: '辣度;级别' }] }],
    };
    expect(issuesOf(() => catalogToCsv(bad))[0]).toMatchObject({ field: 'spus[0].optionGroups' });
  });
});
