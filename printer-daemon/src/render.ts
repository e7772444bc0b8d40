/**
 * Kitchen ticket → ESC/POS bytes. Commands (alignment, sizes, inversion, QR
 * code, cut) come from node-thermal-printer's Epson driver; text is encoded here
 * with iconv-lite (GB18030 by default, in Chinese character mode), and laid out
 * by display columns (text.ts), which the library does not do.
 */
import { tryParseTableCode, type KitchenTicket } from '@lunchrush/actors';
import iconv from 'iconv-lite';
import thermal from 'node-thermal-printer';
import { INIT, KANJI_ON } from './escpos.js';
import type { PrinterEncoding } from './store-config.js';
import { COLUMNS, clock, displayWidth, leftRight, wrap } from './text.js';

const { ThermalPrinter, PrinterTypes } = thermal;

/** Why a ticket carries a REPRINT banner. */
export type ReprintReason =
  /** A previous attempt's outcome is unknown (crash or printer fault after sending): it may be on paper already. */
  | 'unknown'
  /** Staff asked for it again. */
  | 'demand';

export interface RenderOptions {
  readonly widthMm: 58 | 80;
  readonly encoding: PrinterEncoding;
  readonly copies?: number;
  readonly stationLabel?: string;
  readonly storeName?: string;
  readonly tzOffsetMin?: number;
  /** When the ticket is printed (for the LATE banner and the footer). */
  readonly printedAt: number;
  readonly reprint?: ReprintReason;
  /** Minutes the ticket is late by; set when older than the stale threshold. */
  readonly lateMinutes?: number;
  /** Printed in the footer when printing on a backup printer. */
  readonly failoverFrom?: string;
}

const CHANNEL_LABEL: Record<string, string> = {
  dine_in: '堂食',
  takeaway: '外带',
  delivery: '外卖',
  retail: '零售',
};

/** The machine-readable last text line of every ticket: tests and the virtual printer find tickets by it. */
export const TICKET_MARK = '#';

export function renderTicket(t: KitchenTicket, o: RenderOptions): Buffer {
  const copies = o.copies ?? 1;
  const parts: Buffer[] = [];
  for (let copy = 1; copy <= copies; copy++) parts.push(renderCopy(t, o, copy, copies));
  return Buffer.concat(parts);
}

function renderCopy(t: KitchenTicket, o: RenderOptions, copy: number, copies: number): Buffer {
  const cols = COLUMNS[o.widthMm];
  const tz = o.tzOffsetMin ?? 480;
  // Used as a command builder only: no `interface`, the daemon owns the socket (the typings insist on one).
  const p = new ThermalPrinter({ type: PrinterTypes.EPSON, width: cols } as unknown as ConstructorParameters<
    typeof ThermalPrinter
  >[0]);
  const text = (s: string): void => p.add(iconv.encode(s, o.encoding));
  const line = (s = ''): void => {
    text(s);
    p.newLine();
  };
  const lines = (ss: readonly string[]): void => ss.forEach((s) => line(s));
  /** Text at magnification `m` (1–8): the layout width shrinks by the same factor. */
  const sized = (m: number, s: string, opts: { invert?: boolean; bold?: boolean } = {}): void => {
    p.setTextSize(m - 1, m - 1);
    if (opts.bold === true) p.bold(true);
    if (opts.invert === true) p.invert(true);
    for (const l of wrap(s, Math.floor(cols / m))) line(opts.invert === true ? ` ${l} ` : l);
    if (opts.invert === true) p.invert(false);
    if (opts.bold === true) p.bold(false);
    p.setTextSize(0, 0);
  };
  const rule = (ch = '-'): void => line(ch.repeat(cols));

  p.add(INIT);
  p.add(KANJI_ON);
  p.alignCenter();
  if (o.reprint !== undefined) {
    sized(2, '补打 REPRINT', { invert: true, bold: true });
    line(o.reprint === 'unknown' ? '上次打印结果未知 可能重复' : '应要求补打');
  }
  if (o.lateMinutes !== undefined) {
    sized(2, `超时 LATE ${o.lateMinutes}分钟`, { invert: true, bold: true });
    line(`${clock(t.at, tz)} 出单 · 已等 ${o.lateMinutes} 分钟`);
  }
  if (t.kind === 'urge') sized(2, `催单 URGE 第${t.urgeCount ?? 1}次`, { invert: true, bold: true });
  else if (t.kind === 'void') {
    sized(2, '退菜 VOID 取消', { invert: true, bold: true });
    if (t.refundId !== undefined) line(`退款 REFUND ${t.refundId}`);
  } else sized(2, '新单 NEW', { bold: true });
  line(stationLine(t.station, o.stationLabel));
  if (o.storeName !== undefined) line(o.storeName);

  // The table is what the runner looks for across the pass: as large as the paper allows
  // while it stays on one line (a table split over two lines reads as two tables).
  const table = tableText(t);
  if (table !== undefined) {
    const most = o.widthMm === 80 ? 4 : 3;
    let m = most;
    while (m > 1 && displayWidth(table) > Math.floor(cols / m)) m--;
    sized(m, table, { bold: true });
  }
  sized(2, `取餐号 ${t.pickupNo}`, { bold: true });
  p.alignLeft();
  lines(leftRight(CHANNEL_LABEL[t.channel] ?? t.channel, `下单 ${clock(t.placedAt, tz)}`, cols));
  rule();

  for (const l of t.lines) {
    const name = l.spec === '' ? l.name : `${l.name}(${l.spec})`;
    const qty = t.kind === 'void' ? `-${l.qty}` : `${l.qty}`;
    // Double height, normal width: readable from a step away, the full width stays usable.
    p.setTextDoubleHeight();
    p.bold(true);
    lines(leftRight(name, `x${qty}`, cols));
    p.bold(false);
    p.setTextNormal();
    if (l.options.length > 0) lines(wrap(`  + ${l.options.join('、')}`, cols));
    if (l.note !== undefined && l.note !== '') {
      p.invert(true);
      lines(wrap(` 备注: ${l.note} `, cols));
      p.invert(false);
    }
  }
  rule();
  const count = t.lines.reduce((n, l) => n + l.qty, 0);
  lines(leftRight(`共 ${t.lines.length} 项 ${count} 份`, `打印 ${clock(o.printedAt, tz)}`, cols));
  if (o.failoverFrom !== undefined) line(`备用打印机 (主机 ${o.failoverFrom} 故障)`);
  if (copies > 1) line(`第 ${copy}/${copies} 联`);

  p.alignCenter();
  p.printQR(t.orderId, { cellSize: o.widthMm === 80 ? 6 : 4, correction: 'M', model: 2 });
  p.newLine();
  line(t.orderId);
  line(`${TICKET_MARK}${t.ticketId}`);
  p.cut();
  return p.getBuffer();
}

/** The station line of the header: its label (热菜) and its id, the id alone when the label is the id. */
function stationLine(station: string, label: string | undefined): string {
  const l = label?.trim() ?? '';
  return l === '' || l.toLowerCase() === station.toLowerCase() ? station : `${l} ${station}`;
}

/**
 * The table as the kitchen calls it: its label (桌B01); without one, the area and table
 * numbers of its code (桌2区15号), never the 13 raw digits of the table id.
 */
function tableText(t: Pick<KitchenTicket, 'tableId' | 'tableLabel'>): string | undefined {
  const label = t.tableLabel?.trim() ?? '';
  if (label !== '') return `桌${label}`;
  if (t.tableId === undefined || t.tableId === '') return undefined;
  const code = tryParseTableCode(t.tableId);
  if (code !== undefined) return `桌${Number(code.area)}区${Number(code.table)}号`;
  return `桌${t.tableId}`;
}

/** Display width helper re-exported for callers laying out their own lines. */
export { displayWidth };
