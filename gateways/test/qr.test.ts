/**
 * Table QR batches rendered on the piscina pool: the PNG sheet decodes back to
 * every table's URL, the PDF has one page per N tables and embeds the CJK
 * font for the labels.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { PNG_LAYOUT, QrBatchError, createQrPool, pdfCell, tableQrUrl, type QrTable } from '../src/qr/index.js';

const ARTIFACTS = new URL('./artifacts/', import.meta.url);
mkdirSync(ARTIFACTS, { recursive: true });

const pool = createQrPool({ maxThreads: 1 });
afterAll(() => pool.close());

const tables = (n: number): QrTable[] =>
  Array.from({ length: n }, (_, i) => ({
    label: `${i % 2 === 0 ? '大厅' : '包间'} A${String(i + 1).padStart(2, '0')}`,
    url: tableQrUrl('https://lunchrush.example/m/table', `v1.001-0001-${String(i + 1).padStart(5, '0')}.sig${i}xyz`),
    caption: `001-0001-${String(i + 1).padStart(5, '0')}`,
  }));

// jsqr is CommonJS with an `exports.default`: take whichever shape the loader hands over.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

/** Crops cell i of a PNG sheet and reads its QR code. */
function decodeCell(png: PNG, i: number, top: number): string | null {
  const { columns, cell } = PNG_LAYOUT;
  const x0 = (i % columns) * cell;
  const y0 = top + Math.floor(i / columns) * cell;
  const rgba = new Uint8ClampedArray(cell * cell * 4);
  for (let y = 0; y < cell; y++) {
    const from = ((y0 + y) * png.width + x0) * 4;
    rgba.set(png.data.subarray(from, from + cell * 4), y * cell * 4);
  }
  return jsQR(rgba, cell, cell)?.data ?? null;
}

/** The part of pdf.js's own canvas (the canvas package) read here. */
interface PdfCanvas {
  readonly width: number;
  readonly height: number;
}
interface PdfContext {
  getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
}

/** Rasterises every page of a PDF (pdf.js on its own canvas) and reads the QR code of each cell. */
async function decodePdf(bytes: Buffer, perPage: number): Promise<(string | null)[]> {
  const SCALE = 2;
  const doc = await getDocument({ data: new Uint8Array(bytes), verbosity: 0 }).promise;
  const out: (string | null)[] = [];
  for (let p = 1; p <= doc.numPages; p++) {
    const page = await doc.getPage(p);
    const viewport = page.getViewport({ scale: SCALE });
    // pdf.js draws glyphs with its own canvas package's Path2D: use its canvas, not ours.
    const factory = (
      doc as unknown as { canvasFactory: { create(w: number, h: number): { canvas: PdfCanvas; context: PdfContext } } }
    ).canvasFactory;
    const { canvas, context } = factory.create(Math.ceil(viewport.width), Math.ceil(viewport.height));
    await page.render({ canvasContext: context, viewport, canvas }).promise;
    const img = context.getImageData(0, 0, canvas.width, canvas.height);
    for (let j = 0; j < perPage; j++) {
      const c = pdfCell(perPage, j);
      const [x0, y0, w, h] = [c.x, c.y, c.width, c.height].map((v) => Math.floor(v * SCALE)) as [
        number,
        number,
        number,
        number,
      ];
      const rgba = new Uint8ClampedArray(w * h * 4);
      for (let y = 0; y < h; y++) {
        const from = ((y0 + y) * canvas.width + x0) * 4;
        rgba.set(img.data.subarray(from, from + w * 4), y * w * 4);
      }
      out.push(jsQR(rgba, w, h)?.data ?? null);
    }
  }
  await doc.destroy();
  return out;
}

describe('QR batches', () => {
  it('renders a PNG sheet whose every cell decodes to its table URL', async () => {
    const ts = tables(6);
    const bytes = await pool.renderQrBatch({ tables: ts, format: 'png', title: '湘川小馆·长沙五一广场店' });
    writeFileSync(new URL('qr-sheet.png', ARTIFACTS), bytes);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    const png = PNG.sync.read(bytes);
    expect(png.width).toBe(PNG_LAYOUT.columns * PNG_LAYOUT.cell);
    expect(png.height).toBe(PNG_LAYOUT.titleHeight + 2 * PNG_LAYOUT.cell);
    expect(ts.map((_, i) => decodeCell(png, i, PNG_LAYOUT.titleHeight))).toEqual(ts.map((t) => t.url));
  });

  it('renders a PDF with one page per N tables and the CJK font embedded; every code reads back', async () => {
    const ts = tables(13);
    const bytes = await pool.renderQrBatch({ tables: ts, format: 'pdf', perPage: 6, title: '桌台二维码' });
    writeFileSync(new URL('qr-batch.pdf', ARTIFACTS), bytes);
    const text = bytes.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    expect(text.match(/\/Type \/Page\b(?!s)/g)).toHaveLength(3);
    // Matched, not printed: a failing toMatch would dump the whole binary PDF.
    expect(/\/FontName \/[A-Z]{6}\+NotoSansHans/.test(text)).toBe(true);

    // Printed and scanned: every code on every page reads back as its table's URL.
    const read = await decodePdf(bytes, 6);
    expect(read.slice(0, ts.length)).toEqual(ts.map((t) => t.url));
    expect(read.slice(ts.length).every((x) => x === null)).toBe(true);

    const four = await pool.renderQrBatch({ tables: ts.slice(0, 8), format: 'pdf', perPage: 4 });
    expect(four.toString('latin1').match(/\/Type \/Page\b(?!s)/g)).toHaveLength(2);
  });

  it('renders several batches at once on the pool', async () => {
    const outs = await Promise.all([1, 2, 3].map((n) => pool.renderQrBatch({ tables: tables(n), format: 'png' })));
    outs.forEach((bytes, k) => {
      const png = PNG.sync.read(bytes);
      expect(decodeCell(png, k, 0)).toBe(tables(k + 1)[k]!.url);
    });
  });

  it('refuses bad batches before they reach a worker', async () => {
    await expect(pool.renderQrBatch({ tables: [], format: 'png' })).rejects.toBeInstanceOf(QrBatchError);
    await expect(pool.renderQrBatch({ tables: [{ label: '', url: 'x' }], format: 'png' })).rejects.toThrow(/label/);
    await expect(pool.renderQrBatch({ tables: tables(1), format: 'gif' as 'png' })).rejects.toThrow(/format/);
    await expect(pool.renderQrBatch({ tables: tables(1), format: 'pdf', perPage: 99 })).rejects.toThrow(/perPage/);
    await expect(
      pool.renderQrBatch({ tables: [{ label: 'A', url: 'x'.repeat(2_000) }], format: 'png' }),
    ).rejects.toThrow(/url/);
  });
});
