// Sheet layouts, shared by the worker (./worker.mjs) and the TypeScript side
// (tests crop PNG cells with them). Types: ./layout.d.mts.

/** PNG sheet: `columns` cells per row, each `cell` px square, the QR `qr` px wide `pad` px from the cell's top. */
export const PNG_LAYOUT = Object.freeze({ columns: 4, cell: 420, qr: 320, pad: 16, titleHeight: 60 });

/** PDF: A4 in points, a margin, a title line, QR codes at most `qrMax` pt wide. */
export const PDF_LAYOUT = Object.freeze({ width: 595.28, height: 841.89, margin: 28, titleHeight: 24, qrMax: 200 });

/** Columns × rows for N tables per page: 1 → 1×1, 2 → 1×2, 4 → 2×2, 6 → 2×3, 8 → 2×4, 12 → 3×4 … */
export function pdfGrid(perPage) {
  const columns = perPage <= 2 ? 1 : perPage <= 8 ? 2 : 3;
  return { columns, rows: Math.ceil(perPage / columns) };
}

/** Where table j of a page sits, in points from the top left: `{x, y, width, height}`. */
export function pdfCell(perPage, j) {
  const { columns, rows } = pdfGrid(perPage);
  const { width, height, margin, titleHeight } = PDF_LAYOUT;
  const w = (width - 2 * margin) / columns;
  const h = (height - 2 * margin - titleHeight) / rows;
  return { x: margin + (j % columns) * w, y: margin + titleHeight + Math.floor(j / columns) * h, width: w, height: h };
}
