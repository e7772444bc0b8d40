/**
 * Catalog import and export as JSON and CSV. Every problem is reported with the
 * row (CSV; the header is row 1, as a spreadsheet numbers them) or JSON path
 * and the field, all at once, in a `CatalogFormatError`.
 *
 * CSV: one row per SKU; the SPU's columns repeat on each of its rows (a later
 * row may leave them empty). Lists are separated by `|`. Two columns carry a
 * small notation:
 *
 *   windows  `1-5@07:00-10:30;6,7@08:00-11:00` (ISO weekdays, 1 = Monday) or `11:00-14:00` for every day
 *   options  `spice:辣度[1-1]=mild:微辣:0,hot:特辣:0;extra:加料[0-3]=egg:加蛋:200,beef:加牛肉:800:off`
 *            group `id:name[min-max]`, then choices `id:name:price delta in fen`, `:off` when unavailable
 *
 * Money columns are integer fen (`price_fen`), never yuan with decimals.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { CatalogDocSchema, type CatalogDoc, type OptionGroup, type SpuInput } from './menu.js';
import { CatalogFormatError, type FormatIssue } from './errors.js';
import { SERVICE_CHANNELS } from './domain.js';
import { formatWindows, parseWindows } from './hours.js';

export const CSV_COLUMNS = [
  'spu_id',
  'name',
  'category',
  'description',
  'station',
  'prep_time_sec',
  'channels',
  'windows',
  'tags',
  'allergens',
  'ingredients',
  'calories_kcal',
  'sort',
  'images',
  'packaging_fee_fen',
  'available',
  'options',
  'sku_id',
  'spec',
  'price_fen',
  'cost_fen',
] as const;
type Column = (typeof CSV_COLUMNS)[number];

const REQUIRED: readonly Column[] = ['spu_id', 'name', 'category', 'station', 'sku_id', 'price_fen'];
const SKU_COLUMNS: ReadonlySet<Column> = new Set<Column>(['sku_id', 'spec', 'price_fen', 'cost_fen']);

/** Schema field → CSV column, to name the column of a validation issue. */
const FIELD_TO_COLUMN: Readonly<Record<string, Column>> = {
  spuId: 'spu_id',
  name: 'name',
  category: 'category',
  description: 'description',
  station: 'station',
  prepTimeSec: 'prep_time_sec',
  channels: 'channels',
  windows: 'windows',
  tags: 'tags',
  allergens: 'allergens',
  ingredients: 'ingredients',
  caloriesKcal: 'calories_kcal',
  sort: 'sort',
  images: 'images',
  packagingFeeFen: 'packaging_fee_fen',
  available: 'available',
  optionGroups: 'options',
  skuId: 'sku_id',
  spec: 'spec',
  priceFen: 'price_fen',
  costFen: 'cost_fen',
};

// ---------------------------------------------------------------- JSON

/** Parses and validates a catalog document; issues name the JSON path. */
export function parseCatalogJson(text: string): CatalogDoc {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CatalogFormatError([{ field: '(json)', message: e instanceof Error ? e.message : String(e) }], {
      cause: e,
    });
  }
  return validateCatalog(raw);
}

/** Validates an object as a catalog document (defaults filled in). */
export function validateCatalog(raw: unknown): CatalogDoc {
  const r = CatalogDocSchema.safeParse(raw);
  if (r.success) return r.data;
  throw new CatalogFormatError(r.error.issues.map((i) => ({ field: jsonPath(i.path), message: i.message })));
}

export function catalogToJson(doc: CatalogDoc): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`;
  return out === '' ? '(root)' : out;
}

// ---------------------------------------------------------------- CSV export

const RESERVED = /[:;,[\]=|]/;

/** Writes the SPUs of a document as CSV (fees, version and category order are JSON-only). */
export function catalogToCsv(doc: CatalogDoc): string {
  const issues: FormatIssue[] = [];
  const rows: string[][] = [];
  doc.spus.forEach((spu, i) => {
    const options = formatOptions(spu.optionGroups, (message) =>
      issues.push({ field: `spus[${i}].optionGroups`, message }),
    );
    for (const list of ['tags', 'allergens', 'ingredients', 'images'] as const) {
      for (const item of spu[list])
        if (item.includes('|'))
          issues.push({ field: `spus[${i}].${list}`, message: `"${item}" contains |, the CSV list separator` });
    }
    for (const sku of spu.skus) {
      const row: Record<Column, string> = {
        spu_id: spu.spuId,
        name: spu.name,
        category: spu.category,
        description: spu.description,
        station: spu.station,
        prep_time_sec: String(spu.prepTimeSec),
        channels: spu.channels.join('|'),
        windows: formatWindows(spu.windows),
        tags: spu.tags.join('|'),
        allergens: spu.allergens.join('|'),
        ingredients: spu.ingredients.join('|'),
        calories_kcal: spu.caloriesKcal === undefined ? '' : String(spu.caloriesKcal),
        sort: String(spu.sort),
        images: spu.images.join('|'),
        packaging_fee_fen: String(spu.packagingFeeFen),
        available: spu.available ? 'true' : 'false',
        options,
        sku_id: sku.skuId,
        spec: sku.spec,
        price_fen: String(sku.priceFen),
        cost_fen: sku.costFen === undefined ? '' : String(sku.costFen),
      };
      rows.push(CSV_COLUMNS.map((c) => row[c]));
    }
  });
  if (issues.length > 0) throw new CatalogFormatError(issues);
  return stringify([[...CSV_COLUMNS], ...rows], { record_delimiter: '\n' });
}

function formatOptions(groups: readonly OptionGroup[], problem: (m: string) => void): string {
  const check = (what: string, text: string): string => {
    if (RESERVED.test(text)) problem(`${what} "${text}" contains one of : ; , [ ] = |`);
    return text;
  };
  return groups
    .map((g) => {
      const choices = g.choices.map(
        (c) => `${c.id}:${check('choice name', c.name)}:${c.priceDeltaFen}${c.available ? '' : ':off'}`,
      );
      return `${g.id}:${check('option group name', g.name)}[${g.min}-${g.max}]=${choices.join(',')}`;
    })
    .join(';');
}

// ---------------------------------------------------------------- CSV import

/**
 * Parses a catalog CSV into a document (fees and version absent, categories in
 * order of appearance). Throws `CatalogFormatError` listing every bad row and field.
 */
export function parseCatalogCsv(text: string): CatalogDoc {
  const records = readRecords(text);
  const { names, index } = readHeader(records);
  const issues: FormatIssue[] = [];
  const spus = new Map<string, Building>();
  const skuSeen = new Map<string, number>();
  records.slice(1).forEach((rec, k) => {
    readRow(rec, k + 2, { names, index, issues, spus, skuSeen });
  });
  if (issues.length > 0) throw new CatalogFormatError(issues);

  const list = [...spus.values()];
  const categories: string[] = [];
  for (const b of list) {
    const c = String(b.spu.category);
    if (c !== '' && !categories.includes(c)) categories.push(c);
  }
  const r = CatalogDocSchema.safeParse({ categories, spus: list.map((b) => b.spu as SpuInput) });
  if (r.success) return r.data;
  for (const i of r.error.issues) issues.push(locate(i.path, i.message, list));
  throw new CatalogFormatError(issues.sort((a, b) => (a.row ?? 0) - (b.row ?? 0)));
}

function readRecords(text: string): string[][] {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true, trim: false });
  } catch (e) {
    const line = (e as { lines?: number }).lines;
    throw new CatalogFormatError(
      [
        {
          ...(line === undefined ? {} : { row: line }),
          field: '(file)',
          message: e instanceof Error ? e.message : String(e),
        },
      ],
      {
        cause: e,
      },
    );
  }
  return records;
}

/** The header's columns by name; throws on an unknown, repeated or missing column. */
function readHeader(records: string[][]): { names: string[]; index: Map<string, number> } {
  const header = records[0];
  if (header === undefined) throw new CatalogFormatError([{ row: 1, field: '(header)', message: 'the file is empty' }]);
  const issues: FormatIssue[] = [];
  const names = header.map((h) => h.trim());
  const index = new Map<string, number>();
  names.forEach((n, i) => {
    if (!(CSV_COLUMNS as readonly string[]).includes(n))
      issues.push({ row: 1, field: n === '' ? `(column ${i + 1})` : n, message: 'unknown column' });
    else if (index.has(n)) issues.push({ row: 1, field: n, message: 'column appears twice' });
    else index.set(n, i);
  });
  for (const c of REQUIRED) if (!index.has(c)) issues.push({ row: 1, field: c, message: 'required column is missing' });
  if (issues.length > 0) throw new CatalogFormatError(issues);
  return { names, index };
}

interface Building {
  spu: Record<string, unknown> & { skus: Record<string, unknown>[] };
  firstRow: number;
  rawSpu: Partial<Record<Column, string>>;
  skuRows: number[];
}

interface CsvBuild {
  readonly names: readonly string[];
  readonly index: ReadonlyMap<string, number>;
  readonly issues: FormatIssue[];
  readonly spus: Map<string, Building>;
  readonly skuSeen: Map<string, number>;
}

/** One SKU row: a new SPU with its first SKU, or another SKU of an SPU seen before. */
function readRow(rec: string[], row: number, b: CsvBuild): void {
  const { names, index, issues, spus, skuSeen } = b;
  if (rec.length > names.length)
    issues.push({ row, field: '(row)', message: `${rec.length} fields, the header has ${names.length}` });
  const cell = (c: Column): string => {
    const i = index.get(c);
    return i === undefined ? '' : (rec[i] ?? '').trim();
  };
  const bad = (field: Column, message: string): void => {
    issues.push({ row, field, message });
  };
  const spuId = cell('spu_id');
  if (spuId === '') return bad('spu_id', 'is empty');
  const skuId = cell('sku_id');
  if (skuId === '') bad('sku_id', 'is empty');
  else if (skuSeen.has(skuId)) bad('sku_id', `${skuId} already appears in row ${skuSeen.get(skuId)}`);
  else skuSeen.set(skuId, row);

  const sku: Record<string, unknown> = { skuId, spec: cell('spec') };
  const price = int(cell('price_fen'));
  if (price === undefined) bad('price_fen', `expected a whole number of fen, got "${cell('price_fen')}"`);
  else sku.priceFen = price;
  if (cell('cost_fen') !== '') {
    const cost = int(cell('cost_fen'));
    if (cost === undefined) bad('cost_fen', `expected a whole number of fen, got "${cell('cost_fen')}"`);
    else sku.costFen = cost;
  }

  const existing = spus.get(spuId);
  if (existing !== undefined) {
    for (const c of CSV_COLUMNS) {
      if (SKU_COLUMNS.has(c) || c === 'spu_id') continue;
      const v = cell(c);
      if (v !== '' && v !== (existing.rawSpu[c] ?? ''))
        bad(c, `differs from row ${existing.firstRow} of the same spu_id ${spuId}`);
    }
    existing.spu.skus.push(sku);
    existing.skuRows.push(row);
    return;
  }

  const rawSpu: Partial<Record<Column, string>> = {};
  for (const c of CSV_COLUMNS) rawSpu[c] = cell(c);
  spus.set(spuId, { spu: spuOf(spuId, sku, cell, bad), firstRow: row, rawSpu, skuRows: [row] });
}

/** The SPU columns of its first row. */
function spuOf(
  spuId: string,
  sku: Record<string, unknown>,
  cell: (c: Column) => string,
  bad: (field: Column, message: string) => void,
): Record<string, unknown> & { skus: Record<string, unknown>[] } {
  const spu: Record<string, unknown> & { skus: Record<string, unknown>[] } = {
    spuId,
    name: cell('name'),
    category: cell('category'),
    station: cell('station'),
    skus: [sku],
  };
  if (cell('description') !== '') spu.description = cell('description');
  const intField = (c: Column, key: string): void => {
    if (cell(c) === '') return;
    const n = int(cell(c), true);
    if (n === undefined) bad(c, `expected a whole number, got "${cell(c)}"`);
    else spu[key] = n;
  };
  intField('prep_time_sec', 'prepTimeSec');
  intField('calories_kcal', 'caloriesKcal');
  intField('sort', 'sort');
  intField('packaging_fee_fen', 'packagingFeeFen');
  if (cell('channels') !== '') {
    const list = splitList(cell('channels'));
    const wrong = list.filter((x) => !(SERVICE_CHANNELS as readonly string[]).includes(x));
    if (wrong.length > 0) bad('channels', `unknown channel ${wrong.join(', ')}; use ${SERVICE_CHANNELS.join(', ')}`);
    else spu.channels = list;
  }
  for (const [c, key] of [
    ['tags', 'tags'],
    ['allergens', 'allergens'],
    ['ingredients', 'ingredients'],
    ['images', 'images'],
  ] as const) {
    if (cell(c) !== '') spu[key] = splitList(cell(c));
  }
  if (cell('windows') !== '') {
    try {
      spu.windows = parseWindows(cell('windows'));
    } catch (e) {
      bad('windows', (e as Error).message);
    }
  }
  if (cell('available') !== '') {
    const b = bool(cell('available'));
    if (b === undefined) bad('available', `expected true or false, got "${cell('available')}"`);
    else spu.available = b;
  }
  if (cell('options') !== '') {
    try {
      spu.optionGroups = parseOptions(cell('options'));
    } catch (e) {
      bad('options', (e as Error).message);
    }
  }
  return spu;
}

/** Maps a schema issue path (`spus.3.skus.1.priceFen`) back to a CSV row and column. */
function locate(
  path: readonly PropertyKey[],
  message: string,
  list: readonly { firstRow: number; skuRows: number[] }[],
): FormatIssue {
  if (path[0] !== 'spus' || typeof path[1] !== 'number') return { row: 1, field: '(file)', message };
  const b = list[path[1]];
  if (b === undefined) return { row: 1, field: '(file)', message };
  if (path[2] === 'skus' && typeof path[3] === 'number') {
    const row = b.skuRows[path[3]] ?? b.firstRow;
    const field = FIELD_TO_COLUMN[String(path[4] ?? 'skuId')] ?? 'sku_id';
    return { row, field, message };
  }
  const field = path[2] === undefined ? 'spu_id' : (FIELD_TO_COLUMN[String(path[2])] ?? String(path[2]));
  const where = path.length > 3 ? ` (at ${path.slice(3).map(String).join('.')})` : '';
  return { row: b.firstRow, field, message: `${message}${where}` };
}

function int(text: string, signed = false): number | undefined {
  if (!(signed ? /^-?\d{1,12}$/ : /^\d{1,12}$/).test(text)) return undefined;
  return Number(text);
}

function bool(text: string): boolean | undefined {
  const t = text.toLowerCase();
  if (['true', '1', 'yes', 'y'].includes(t)) return true;
  if (['false', '0', 'no', 'n'].includes(t)) return false;
  return undefined;
}

function splitList(text: string): string[] {
  return text
    .split('|')
    .map((x) => x.trim())
    .filter((x) => x !== '');
}

/** Inverse of `formatOptions`; throws an Error whose message says what is wrong where. */
export function parseOptions(text: string): Record<string, unknown>[] {
  return text
    .split(';')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map((g) => {
      const m = /^([^:;,[\]=|]+):([^:;,[\]=|]+)\[(\d+)-(\d+)\]=(.+)$/.exec(g);
      if (m === null) throw new Error(`"${g}": expected id:name[min-max]=choice,choice`);
      const choices = m[5]!.split(',').map((c) => {
        const parts = c.trim().split(':');
        if (parts.length < 3 || parts.length > 4 || (parts.length === 4 && parts[3] !== 'off')) {
          throw new Error(`"${c.trim()}" in group ${m[1]}: expected id:name:delta_fen or id:name:delta_fen:off`);
        }
        const delta = int(parts[2]!.trim(), true);
        if (delta === undefined) throw new Error(`"${c.trim()}" in group ${m[1]}: price delta must be whole fen`);
        return { id: parts[0]!.trim(), name: parts[1]!.trim(), priceDeltaFen: delta, available: parts.length === 3 };
      });
      return { id: m[1]!.trim(), name: m[2]!.trim(), min: Number(m[3]), max: Number(m[4]), choices };
    });
}
