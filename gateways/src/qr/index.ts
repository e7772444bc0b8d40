/**
 * Printable batches of table QR codes, rendered off the event loop on a
 * piscina worker pool: a PNG sheet (a grid of codes with their labels) or a
 * PDF (N tables per A4 page). The QR content is whatever URL the caller
 * gives, normally `tableQrUrl(base, signedToken)`: this module never signs.
 */
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { PDF_LAYOUT, PNG_LAYOUT, pdfCell, pdfGrid } from './layout.mjs';

export { PDF_LAYOUT, PNG_LAYOUT, pdfCell, pdfGrid };

export const DEFAULT_PDF_PER_PAGE = 6;
export const MAX_QR_BATCH_TABLES = 500;
export const MAX_QR_URL_LENGTH = 1_024;
export const MAX_QR_LABEL_LENGTH = 40;
/** Workers are started on demand and stopped after this long idle. */
export const DEFAULT_QR_IDLE_TIMEOUT_MS = 30_000;

export interface QrTable {
  /** Printed under the code, e.g. `大厅 A01`. */
  readonly label: string;
  /** The QR content: a URL carrying the signed table token. */
  readonly url: string;
  /** A smaller second line, e.g. the table code `001-0001-00001-6`. */
  readonly caption?: string;
}

export interface QrBatchRequest {
  readonly tables: readonly QrTable[];
  readonly format: 'png' | 'pdf';
  /** A heading on the sheet / each page, e.g. the store name. */
  readonly title?: string;
  /** PDF only: tables per page (1–12). */
  readonly perPage?: number;
}

export class QrBatchError extends Error {
  readonly code = 'qr_invalid';
}

/** The URL a table's QR code carries: `base` plus the signed token as `t`. */
export function tableQrUrl(base: string, token: string): string {
  return `${base}${base.includes('?') ? '&' : '?'}t=${encodeURIComponent(token)}`;
}

function validate(req: QrBatchRequest): Required<Omit<QrBatchRequest, 'title'>> & { title: string } {
  if (req.format !== 'png' && req.format !== 'pdf') throw new QrBatchError('format must be png or pdf');
  if (req.tables.length === 0) throw new QrBatchError('no tables');
  if (req.tables.length > MAX_QR_BATCH_TABLES)
    throw new QrBatchError(`at most ${MAX_QR_BATCH_TABLES} tables per batch`);
  const perPage = req.perPage ?? DEFAULT_PDF_PER_PAGE;
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > 12) throw new QrBatchError('perPage must be 1–12');
  const tables = req.tables.map((t, i) => {
    if (typeof t.label !== 'string' || t.label.length === 0 || t.label.length > MAX_QR_LABEL_LENGTH)
      throw new QrBatchError(`tables[${i}].label must be 1–${MAX_QR_LABEL_LENGTH} characters`);
    if (typeof t.url !== 'string' || t.url.length === 0 || t.url.length > MAX_QR_URL_LENGTH)
      throw new QrBatchError(`tables[${i}].url must be 1–${MAX_QR_URL_LENGTH} characters`);
    if (t.caption !== undefined && (typeof t.caption !== 'string' || t.caption.length > 80))
      throw new QrBatchError(`tables[${i}].caption must be at most 80 characters`);
    return t.caption === undefined
      ? { label: t.label, url: t.url }
      : { label: t.label, url: t.url, caption: t.caption };
  });
  return { tables, format: req.format, perPage, title: (req.title ?? '').slice(0, 60) };
}

export interface QrPoolOptions {
  /** Default: half the cores, at least 1 (renders are CPU-bound; the gateway keeps the rest). */
  readonly maxThreads?: number;
  readonly idleTimeoutMs?: number;
}

export interface QrPool {
  renderQrBatch(req: QrBatchRequest): Promise<Buffer>;
  /** Waits for running renders, then stops the workers. */
  close(): Promise<void>;
}

export function createQrPool(opts: QrPoolOptions = {}): QrPool {
  const pool = new Piscina({
    filename: new URL('./worker.mjs', import.meta.url).href,
    minThreads: 0,
    maxThreads: opts.maxThreads ?? Math.max(1, Math.floor(availableParallelism() / 2)),
    idleTimeout: opts.idleTimeoutMs ?? DEFAULT_QR_IDLE_TIMEOUT_MS,
  });
  return {
    renderQrBatch: async (req) => {
      const task = validate(req);
      const out = (await pool.run(task)) as Uint8Array;
      return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    },
    close: () => pool.close(),
  };
}

let shared: QrPool | undefined;

/** Renders on the process-wide pool (created on first use; `closeQrPool()` stops it). */
export function renderQrBatch(req: QrBatchRequest): Promise<Buffer> {
  shared ??= createQrPool();
  return shared.renderQrBatch(req);
}

export async function closeQrPool(): Promise<void> {
  const p = shared;
  shared = undefined;
  await p?.close();
}
