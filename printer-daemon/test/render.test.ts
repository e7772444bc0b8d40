/**
 * Tickets as bytes and as paper: GB18030 round trip through a real TCP virtual
 * printer, layout by paper width, banners, the QR code read back from the PNG,
 * and the status bytes for each printer fault.
 */
import fs from 'node:fs';
import iconv from 'iconv-lite';
import jsqr from 'jsqr';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  COLUMNS,
  PrinterConnection,
  VirtualPrinter,
  displayWidth,
  parseStatus,
  renderTicket,
  type PrintedJob,
} from '@lunchrush/printer-daemon';
import { makeTableCode, tableId } from '@lunchrush/actors';
import { ticket } from './helpers.js';

/** Written by the tests for a person to look at (not committed): the PNG of a printed ticket. */
const ARTIFACTS = new URL('./artifacts/', import.meta.url);

// jsqr is CommonJS with `exports.default`: under NodeNext the default import is the module object.
const jsQR = ((jsqr as unknown as { default?: unknown }).default ?? jsqr) as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

let vp80: VirtualPrinter;
let vp58: VirtualPrinter;
let c80: PrinterConnection;
let c58: PrinterConnection;

beforeAll(async () => {
  vp80 = await VirtualPrinter.start({ widthMm: 80, controlPort: 0 });
  vp58 = await VirtualPrinter.start({ widthMm: 58 });
  c80 = new PrinterConnection('127.0.0.1', vp80.port, { connectTimeoutMs: 2_000, statusTimeoutMs: 2_000 });
  c58 = new PrinterConnection('127.0.0.1', vp58.port, { connectTimeoutMs: 2_000, statusTimeoutMs: 2_000 });
});

afterAll(async () => {
  c80.close();
  c58.close();
  await vp80.stop();
  await vp58.stop();
});

/** Sends bytes and waits until the printer processed them (its `GS r` answer): no sleeping. */
async function print(c: PrinterConnection, vp: VirtualPrinter, bytes: Buffer): Promise<PrintedJob> {
  const before = vp.jobs.length;
  await c.send(bytes);
  await c.waitProcessed(10_000, 50);
  const job = vp.jobs[before];
  if (job === undefined) throw new Error('nothing printed');
  return job;
}

describe('GB18030', () => {
  it('Chinese text goes out as GB18030 and comes back identical, four-byte characters included', async () => {
    const note = '不要葱，少盐 𠮷野家 㐀 €';
    const t = ticket('wok', {
      lines: [{ lineNo: 1, name: '麻婆豆腐', spec: '大份', qty: 1, options: ['特辣', '加米饭'], note }],
    });
    const bytes = renderTicket(t, { widthMm: 80, encoding: 'gb18030', printedAt: Date.now() });
    // GB18030 on the wire, not UTF-8.
    expect(bytes.includes(iconv.encode('麻婆豆腐', 'gb18030'))).toBe(true);
    expect(bytes.includes(Buffer.from('麻婆豆腐', 'utf8'))).toBe(false);
    // 𠮷 (U+20BB7) is one of GB18030's four-byte sequences (GBK has no code for it).
    expect([...iconv.encode('𠮷', 'gb18030')]).toEqual([0x95, 0x34, 0xb2, 0x35]);
    expect(bytes.includes(Buffer.from([0x95, 0x34, 0xb2, 0x35]))).toBe(true);

    const job = await print(c80, vp80, bytes);
    expect(job.complete).toBe(true);
    const lines = job.text.split('\n');
    expect(lines).toContain(`麻婆豆腐(大份)${' '.repeat(48 - displayWidth('麻婆豆腐(大份)') - 2)}x1`);
    expect(lines).toContain('  + 特辣、加米饭');
    expect(lines.some((l) => l.includes(`备注: ${note}`))).toBe(true);
    expect(lines).toContain(`#${t.ticketId}`);
  });

  it('lays lines out by display columns: 48 on 80 mm, 32 on 58 mm', async () => {
    const long = '招牌酸菜鱼配秘制酱料加量不加价'; // 15 CJK = 30 columns
    const t = ticket('wok', { lines: [{ lineNo: 1, name: long, spec: '', qty: 1, options: [] }] });
    const j80 = await print(c80, vp80, renderTicket(t, { widthMm: 80, encoding: 'gb18030', printedAt: Date.now() }));
    const j58 = await print(c58, vp58, renderTicket(t, { widthMm: 58, encoding: 'gb18030', printedAt: Date.now() }));
    const widest = (j: PrintedJob): number => Math.max(...j.text.split('\n').map(displayWidth));
    expect(widest(j80)).toBe(COLUMNS[80]);
    expect(widest(j58)).toBe(COLUMNS[58]);
    // On 58 mm the name and the quantity no longer fit one line.
    expect(j58.text.split('\n')).toContain(long);
    expect(j80.text.split('\n')).toContain(`${long}${' '.repeat(48 - 30 - 2)}x1`);
  });
});

describe('what a ticket shows: numbers, the QR code and Chinese glyphs', () => {
  it('a large table number, the pickup number and a QR code of the order id that scans back from the PNG', async () => {
    const t = ticket('wok', { tableLabel: 'B07', order: 'o_qrTest123' });
    const job = await print(c80, vp80, renderTicket(t, { widthMm: 80, encoding: 'gb18030', printedAt: Date.now() }));
    const table = job.blocks.find((b) => b.kind === 'line' && b.segments.some((s) => s.text === '桌B07'));
    expect(table?.kind === 'line' && table.segments[0]?.style).toMatchObject({ width: 4, height: 4, bold: true });
    expect(job.text).toContain('取餐号 t123');
    expect(job.blocks.filter((b) => b.kind === 'qr')).toEqual([
      { kind: 'qr', align: 'center', data: 'o_qrTest123', moduleSize: 6 },
    ]);

    const png = PNG.sync.read(vp80.png(job));
    expect(png.width).toBe(576);
    const code = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
    expect(code?.data).toBe('o_qrTest123');
  });

  it('draws Chinese as glyphs on the PNG, not as the missing-glyph box (Unifont installed); the PNG is saved', async () => {
    const printedAt = Date.now();
    const job = await print(
      c80,
      vp80,
      renderTicket(ticket('wok', { tableLabel: 'B01' }), {
        widthMm: 80,
        encoding: 'gb18030',
        printedAt,
        stationLabel: '热菜',
        storeName: '湘川小馆·长沙五一广场店',
      }),
    );
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    // Saved before the check below, so a failure leaves the picture to look at.
    fs.writeFileSync(new URL('ticket.png', ARTIFACTS), vp80.png(job));

    const named = (name: string): Promise<PrintedJob> =>
      print(
        c80,
        vp80,
        renderTicket(
          ticket('wok', {
            order: 'o_glyphs',
            placedAt: printedAt,
            at: printedAt,
            lines: [{ lineNo: 1, name, spec: '', qty: 1, options: [] }],
          }),
          {
            widthMm: 80,
            encoding: 'gb18030',
            printedAt,
          },
        ),
      );
    // Two tickets alike but for one double-width character: 中, and 𠮷 (beyond the BMP: a box
    // in any case). Equal pixels mean 中 was drawn as the box too, and so was all the Chinese.
    const han = PNG.sync.read(vp80.png(await named('中')));
    const box = PNG.sync.read(vp80.png(await named('𠮷')));
    expect([han.width, han.height]).toEqual([box.width, box.height]);
    expect(
      Buffer.compare(han.data, box.data) !== 0,
      "Chinese prints as boxes on the virtual printer: install Debian's unifont (npm test does it as root)",
    ).toBe(true);
  });
});

describe('what a ticket shows: the table and the station', () => {
  it('the table prints as its label on one line; without a label, its area and number, never the 13-digit id', async () => {
    /** Every printed line that names the table, with its magnification. */
    const tableLines = (j: PrintedJob): { text: string; width: number }[] =>
      j.blocks.flatMap((b) =>
        b.kind === 'line' && b.segments.some((s) => s.text.includes('桌'))
          ? [{ text: b.segments.map((s) => s.text).join(''), width: b.segments[0]?.style.width ?? 0 }]
          : [],
      );
    const id = tableId(makeTableCode('001', 2, 15));
    const unlabelled = ticket('wok', { tableId: id, tableLabel: undefined });
    const long = ticket('wok', { tableLabel: '露台VIP包间A区08' });
    for (const [c, vp, widthMm, most] of [
      [c80, vp80, 80, 4],
      [c58, vp58, 58, 3],
    ] as const) {
      const render = (t: typeof unlabelled): Buffer =>
        renderTicket(t, { widthMm, encoding: 'gb18030', printedAt: Date.now() });
      const labelled = await print(c, vp, render(ticket('wok', { tableLabel: 'B01' })));
      expect(tableLines(labelled)).toEqual([{ text: '桌B01', width: most }]);

      const bare = await print(c, vp, render(unlabelled));
      expect(tableLines(bare)).toEqual([{ text: '桌2区15号', width: most }]);
      // Not the raw id, whole or broken over lines.
      expect(bare.text.replace(/\s/g, '')).not.toContain(id.slice(0, 8));

      // A long label shrinks until it fits one line rather than wrapping.
      const wide = await print(c, vp, render(long));
      expect(tableLines(wide)).toHaveLength(1);
      expect(tableLines(wide)[0]!.text).toBe('桌露台VIP包间A区08');
    }
  });

  it('the header names the station once: its label and its id, or the id alone', async () => {
    /** The line under the 新单 NEW banner. */
    const header = async (stationLabel: string | undefined): Promise<string | undefined> => {
      const job = await print(
        c80,
        vp80,
        renderTicket(ticket('wok'), {
          widthMm: 80,
          encoding: 'gb18030',
          printedAt: Date.now(),
          ...(stationLabel === undefined ? {} : { stationLabel }),
        }),
      );
      const lines = job.text.split('\n');
      return lines[lines.indexOf('新单 NEW') + 1];
    };
    expect(await header('wok')).toBe('wok');
    expect(await header(undefined)).toBe('wok');
    expect(await header('热菜')).toBe('热菜 wok');
  });
});

describe('what a ticket shows: urge, void and banner tickets', () => {
  it('urge, void (refund) and banner tickets say so in inverted large type', async () => {
    const urge = await print(
      c80,
      vp80,
      renderTicket(ticket('wok', { kind: 'urge', urgeCount: 2 }), {
        widthMm: 80,
        encoding: 'gb18030',
        printedAt: Date.now(),
      }),
    );
    expect(urge.text).toContain('催单 URGE 第2次');
    const voided = await print(
      c80,
      vp80,
      renderTicket(ticket('wok', { kind: 'void', refundId: 'r_7' }), {
        widthMm: 80,
        encoding: 'gb18030',
        printedAt: Date.now(),
      }),
    );
    expect(voided.text).toContain('退菜 VOID 取消');
    expect(voided.text).toContain('退款 REFUND r_7');
    expect(voided.text).toMatch(/x-2$/m);
    const banner = voided.blocks.find((b) => b.kind === 'line' && b.segments.some((s) => s.text.includes('VOID')));
    expect(banner?.kind === 'line' && banner.segments[0]?.style).toMatchObject({ invert: true, width: 2 });

    const t = ticket('wok');
    const late = await print(
      c80,
      vp80,
      renderTicket(t, {
        widthMm: 80,
        encoding: 'gb18030',
        printedAt: t.at + 42 * 60_000,
        lateMinutes: 42,
        reprint: 'unknown',
        copies: 2,
        failoverFrom: 'wok',
      }),
    );
    expect(late.text).toContain('补打 REPRINT');
    expect(late.text).toContain('超时 LATE 42分钟');
    expect(late.text).toContain('第 1/2 联');
    expect(late.text).toContain('备用打印机 (主机 wok 故障)');
    // The second copy is its own cut job.
    expect(vp80.jobs[vp80.jobs.indexOf(late) + 1]?.text).toContain('第 2/2 联');
  });
});

describe('printer status', () => {
  it('answers DLE EOT for every fault, and the daemon decodes it', async () => {
    const cases: [Partial<Parameters<VirtualPrinter['setState']>[0]>, string[], boolean][] = [
      [{}, [], true],
      [{ paper: 'near-end' }, ['paper_near_end'], true],
      [{ paper: 'out' }, ['paper_out'], false],
      [{ coverOpen: true }, ['cover_open'], false],
      [{ offline: true }, ['offline'], false],
      [{ cutterError: true }, ['cutter_error'], false],
    ];
    for (const [state, flags, ready] of cases) {
      vp80.setState({ paper: 'ok', coverOpen: false, offline: false, cutterError: false, ...state });
      const s = await c80.status();
      expect({ state, flags: s.flags, ready: s.ready }).toEqual({ state, flags, ready });
    }
    vp80.setState({ paper: 'ok', coverOpen: false, offline: false, cutterError: false });
    expect(parseStatus([0x1a, 0x12, 0x12, 0x12]).flags).toEqual(['offline']);
  });

  it('holds print data while not ready, prints it on recovery, and drops it on DLE DC4 8', async () => {
    const before = vp80.completeJobs().length;
    vp80.setState({ coverOpen: true });
    await c80.send(renderTicket(ticket('wok'), { widthMm: 80, encoding: 'gb18030', printedAt: Date.now() }));
    await c80.status(); // answered at once although printing is held
    expect(vp80.completeJobs().length).toBe(before);
    vp80.setState({ coverOpen: false });
    await c80.waitProcessed(10_000, 50);
    expect(vp80.completeJobs().length).toBe(before + 1);

    vp80.setState({ paper: 'out' });
    await c80.send(renderTicket(ticket('wok'), { widthMm: 80, encoding: 'gb18030', printedAt: Date.now() }));
    await c80.clearBuffers();
    await c80.status();
    vp80.setState({ paper: 'ok' });
    await c80.waitProcessed(10_000, 50);
    expect(vp80.completeJobs().length).toBe(before + 1);
  });

  it('is switched and read through its control API', async () => {
    const base = `http://127.0.0.1:${vp80.controlPort}`;
    const r = await fetch(`${base}/state`, { method: 'POST', body: JSON.stringify({ paper: 'out' }) });
    expect(await r.json()).toMatchObject({ ready: false, state: { paper: 'out' } });
    expect((await c80.status()).flags).toEqual(['paper_out']);
    await fetch(`${base}/state`, { method: 'POST', body: JSON.stringify({ paper: 'ok' }) });
    expect((await c80.status()).ready).toBe(true);
    const jobs = (await (await fetch(`${base}/jobs`)).json()) as { n: number; text: string }[];
    expect(jobs.length).toBe(vp80.jobs.length);
    const png = await fetch(`${base}/jobs/1.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await png.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
    expect(await (await fetch(`${base}/jobs/1.txt`)).text()).toBe(`${vp80.jobs[0]?.text}\n`);
  });
});
