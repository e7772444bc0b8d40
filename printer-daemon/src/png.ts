/**
 * Draws a printed job as the paper would look: 203 dpi, 384 or 576 dots wide,
 * 12×24 half-width and 24×24 full-width cells scaled from GNU Unifont's 8×16 /
 * 16×16 bitmaps (thermal printers' built-in fonts are bitmaps of that kind), QR
 * codes module for module. Unifont comes from the Debian package `unifont`
 * (`/usr/share/unifont/unifont.hex.gz`) or `VIRTUAL_PRINTER_FONT`; without it
 * every character is drawn as an outlined box, so layout and QR codes still show.
 */
import fs from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import qrcode from 'qrcode-generator';
import type { Block, PrintedJob, Segment } from './escpos-parser.js';
import { charWidth } from './text.js';

const FONT_CANDIDATES = [
  '/usr/share/unifont/unifont.hex.gz',
  '/usr/share/unifont/unifont.hex',
  '/usr/share/unifont/unifont_all.hex.gz',
];
const CELL_W = 12;
const CELL_H = 24;
const LINE_GAP = 6;
const MARGIN = 8;

type Glyph = { readonly wide: boolean; readonly rows: Uint8Array };

let font: Map<number, Glyph> | null | undefined;

/** Loads Unifont once; null when none is installed. */
export function loadFont(): Map<number, Glyph> | null {
  if (font !== undefined) return font;
  const path = [process.env.VIRTUAL_PRINTER_FONT, ...FONT_CANDIDATES].find(
    (p): p is string => p !== undefined && p !== '' && fs.existsSync(p),
  );
  if (path === undefined) return (font = null);
  const raw = fs.readFileSync(path);
  const text = (path.endsWith('.gz') ? gunzipSync(raw) : raw).toString('latin1');
  const map = new Map<number, Glyph>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const cp = parseInt(line.slice(0, colon), 16);
    const hex = line.slice(colon + 1).trim();
    if (hex.length !== 32 && hex.length !== 64) continue;
    map.set(cp, { wide: hex.length === 64, rows: Uint8Array.from(Buffer.from(hex, 'hex')) });
  }
  return (font = map);
}

/** True when Chinese text renders as glyphs rather than boxes. */
export function hasFont(): boolean {
  return loadFont() !== null;
}

class Canvas {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Uint8Array(width * height).fill(255);
  }
  set(x: number, y: number, black: boolean): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data[y * this.width + x] = black ? 0 : 255;
  }
  rect(x: number, y: number, w: number, h: number, black: boolean): void {
    for (let j = 0; j < h; j++) for (let i = 0; i < w; i++) this.set(x + i, y + j, black);
  }
  png(): Buffer {
    const png = new PNG({ width: this.width, height: this.height });
    for (let i = 0; i < this.data.length; i++) {
      const v = this.data[i] ?? 255;
      png.data[i * 4] = v;
      png.data[i * 4 + 1] = v;
      png.data[i * 4 + 2] = v;
      png.data[i * 4 + 3] = 255;
    }
    return PNG.sync.write(png);
  }
}

function segmentWidth(s: Segment): number {
  let w = 0;
  for (const ch of s.text) w += charWidth(ch.codePointAt(0) ?? 0) * CELL_W * s.style.width;
  return w;
}

function blockHeight(b: Block): number {
  if (b.kind === 'feed') return b.lines * (CELL_H + LINE_GAP);
  if (b.kind === 'qr') return qrMatrix(b.data).size * b.moduleSize + LINE_GAP;
  const h = Math.max(1, ...b.segments.map((s) => s.style.height));
  return h * CELL_H + LINE_GAP;
}

function qrMatrix(data: string): { size: number; dark(r: number, c: number): boolean } {
  const q = qrcode(0, 'M');
  q.addData(data, 'Byte');
  q.make();
  return { size: q.getModuleCount(), dark: (r, c) => q.isDark(r, c) };
}

function drawChar(cv: Canvas, cp: number, x: number, y: number, s: Segment['style']): number {
  const wide = charWidth(cp) === 2;
  const cellW = (wide ? 2 : 1) * CELL_W * s.width;
  const cellH = CELL_H * s.height;
  if (s.invert) cv.rect(x, y, cellW, cellH, true);
  const ink = !s.invert;
  const g = loadFont()?.get(cp);
  if (g === undefined) {
    if (cp !== 0x20) {
      // No glyph: an outlined box keeps the layout readable.
      for (let i = 2; i < cellW - 2; i++) {
        cv.set(x + i, y + 3, ink);
        cv.set(x + i, y + cellH - 3, ink);
      }
      for (let j = 3; j < cellH - 2; j++) {
        cv.set(x + 2, y + j, ink);
        cv.set(x + cellW - 3, y + j, ink);
      }
    }
    return cellW;
  }
  const srcW = g.wide ? 16 : 8;
  const bytesPerRow = srcW / 8;
  for (let ty = 0; ty < cellH; ty++) {
    const sy = Math.floor((ty * 16) / cellH);
    for (let tx = 0; tx < cellW; tx++) {
      const sx = Math.floor((tx * srcW) / cellW);
      const byte = g.rows[sy * bytesPerRow + (sx >> 3)] ?? 0;
      if (byte & (0x80 >> (sx & 7))) {
        cv.set(x + tx, y + ty, ink);
        if (s.bold) cv.set(x + tx + 1, y + ty, ink);
      }
    }
  }
  return cellW;
}

/** The job as a PNG image of the paper (`dots` = 384 for 58 mm, 576 for 80 mm). */
export function renderJobPng(job: PrintedJob, dots: 384 | 576): Buffer {
  const height = MARGIN * 2 + job.blocks.reduce((h, b) => h + blockHeight(b), 0) + 12;
  const cv = new Canvas(dots, height);
  let y = MARGIN;
  for (const b of job.blocks) {
    const h = blockHeight(b);
    if (b.kind === 'line') {
      const w = b.segments.reduce((n, s) => n + segmentWidth(s), 0);
      let x = b.align === 'center' ? Math.floor((dots - w) / 2) : b.align === 'right' ? dots - w : 0;
      const lineH = h - LINE_GAP;
      for (const s of b.segments) {
        // Characters sit on the line's baseline: smaller ones at the bottom.
        const top = y + lineH - CELL_H * s.style.height;
        for (const ch of s.text) x += drawChar(cv, ch.codePointAt(0) ?? 0x20, x, top, s.style);
      }
    } else if (b.kind === 'qr') {
      const m = qrMatrix(b.data);
      const w = m.size * b.moduleSize;
      const x0 = b.align === 'center' ? Math.floor((dots - w) / 2) : b.align === 'right' ? dots - w : 0;
      for (let r = 0; r < m.size; r++)
        for (let c = 0; c < m.size; c++)
          if (m.dark(r, c)) cv.rect(x0 + c * b.moduleSize, y + r * b.moduleSize, b.moduleSize, b.moduleSize, true);
    }
    y += h;
  }
  // A cut is a dashed line; a job torn off by a fault gets a zigzag edge.
  const edge = height - 6;
  for (let x = 0; x < dots; x++) {
    if (job.complete) {
      if (x % 12 < 6) cv.set(x, edge, true);
    } else cv.set(x, edge - Math.abs((x % 16) - 8) / 2, true);
  }
  return cv.png();
}
