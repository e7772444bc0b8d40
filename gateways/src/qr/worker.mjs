// Renders a batch of table QR codes on a piscina worker thread: a PNG sheet
// (a grid, one cell per table) or a PDF (N tables per A4 page). Plain
// JavaScript so worker threads load it without a TypeScript loader; the
// types and the pool live in ./index.ts. Layout numbers are shared with it
// through ./layout.mjs.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { GlobalFonts, createCanvas, loadImage } from '@napi-rs/canvas';
import PDFDocument from 'pdfkit';
import QRCode from 'qrcode';
import { PDF_LAYOUT, PNG_LAYOUT, pdfCell } from './layout.mjs';

const require = createRequire(import.meta.url);
const FONT_FAMILY = 'LunchrushCJK';
let fontPath;
let fontRegistered = false;

/** Noto Sans Hans from @embedpdf/fonts-sc: table labels are Chinese (大厅 A01). */
function cjkFont() {
  if (fontPath === undefined) {
    try {
      // The package exports only its JS entry: find the fonts beside it.
      const entry = require.resolve('@embedpdf/fonts-sc');
      fontPath = join(dirname(entry), '..', 'fonts', 'NotoSansHans-Regular.otf');
      if (!existsSync(fontPath)) fontPath = null;
    } catch {
      fontPath = null;
    }
  }
  return fontPath;
}

function registerCanvasFont() {
  if (fontRegistered) return;
  fontRegistered = true;
  const p = cjkFont();
  if (p !== null) GlobalFonts.registerFromPath(p, FONT_FAMILY);
}

const qrOptions = (width) => ({ errorCorrectionLevel: 'M', margin: 2, width, type: 'png' });

async function renderPng({ tables, title }) {
  registerCanvasFont();
  const { columns, cell, qr, pad, titleHeight } = PNG_LAYOUT;
  const cols = Math.min(columns, tables.length);
  const rows = Math.ceil(tables.length / columns);
  const top = title ? titleHeight : 0;
  const canvas = createCanvas(cols * cell, top + rows * cell);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.fillStyle = '#000000';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  if (title) {
    ctx.font = `28px ${FONT_FAMILY}, sans-serif`;
    ctx.fillText(title, canvas.width / 2, titleHeight / 2);
  }
  for (let i = 0; i < tables.length; i++) {
    const t = tables[i];
    const x = (i % columns) * cell;
    const y = top + Math.floor(i / columns) * cell;
    const img = await loadImage(await QRCode.toBuffer(t.url, qrOptions(qr)));
    ctx.drawImage(img, x + (cell - qr) / 2, y + pad, qr, qr);
    ctx.font = `32px ${FONT_FAMILY}, sans-serif`;
    ctx.fillText(t.label, x + cell / 2, y + pad + qr + 28);
    if (t.caption) {
      ctx.font = `18px ${FONT_FAMILY}, sans-serif`;
      ctx.fillText(t.caption, x + cell / 2, y + pad + qr + 62);
    }
    // Cut lines between cells.
    ctx.strokeStyle = '#cccccc';
    ctx.strokeRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
  }
  return canvas.encode('png');
}

/** The code as vector squares (one rectangle per run of dark modules): sharp at any print size, and fast. */
function drawQr(doc, text, x, y, size) {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 2;
  const n = modules.size;
  const unit = size / (n + 2 * quiet);
  for (let r = 0; r < n; r++) {
    let c = 0;
    while (c < n) {
      if (!modules.get(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < n && modules.get(r, c)) c++;
      doc.rect(x + (quiet + start) * unit, y + (quiet + r) * unit, (c - start) * unit, unit);
    }
  }
  doc.fillColor('#000000').fill();
}

async function renderPdf({ tables, title, perPage }) {
  const { width, height, margin, qrMax } = PDF_LAYOUT;
  const doc = new PDFDocument({
    size: [width, height],
    margin: 0,
    autoFirstPage: false,
    info: { Title: title || 'Table QR codes', Producer: 'lunchrush' },
  });
  const chunks = [];
  doc.on('data', (c) => chunks.push(c));
  const done = new Promise((resolve, reject) => {
    doc.on('end', resolve);
    doc.on('error', reject);
  });
  const font = cjkFont();
  if (font !== null) doc.registerFont(FONT_FAMILY, font);
  const { width: cellW, height: cellH } = pdfCell(perPage, 0);
  const qr = Math.min(qrMax, cellW - 20, cellH - 60);
  const pages = Math.ceil(tables.length / perPage);
  for (let p = 0; p < pages; p++) {
    doc.addPage();
    doc.font(font !== null ? FONT_FAMILY : 'Helvetica');
    if (title)
      doc
        .fontSize(14)
        .text(`${title}  (${p + 1}/${pages})`, margin, margin, { width: width - 2 * margin, align: 'center' });
    for (let j = 0; j < perPage; j++) {
      const t = tables[p * perPage + j];
      if (t === undefined) break;
      const { x, y } = pdfCell(perPage, j);
      doc
        .save()
        .lineWidth(0.5)
        .strokeColor('#cccccc')
        .dash(3, { space: 3 })
        .rect(x, y, cellW, cellH)
        .stroke()
        .restore();
      drawQr(doc, t.url, x + (cellW - qr) / 2, y + 10, qr);
      doc
        .fillColor('#000000')
        .fontSize(18)
        .text(t.label, x, y + 16 + qr, { width: cellW, align: 'center' });
      if (t.caption)
        doc
          .fontSize(9)
          .fillColor('#555555')
          .text(t.caption, x, y + 42 + qr, { width: cellW, align: 'center' });
    }
  }
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

/** The piscina task: `{ tables: [{label, url, caption?}], format: 'png'|'pdf', title?, perPage }` → bytes. */
export default async function render(task) {
  const bytes = task.format === 'pdf' ? await renderPdf(task) : await renderPng(task);
  // Hand the bytes back without a copy.
  const out = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return out;
}
