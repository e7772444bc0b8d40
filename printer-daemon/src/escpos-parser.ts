/**
 * An incremental ESC/POS parser for the virtual printer: bytes in (in any
 * chunking), tokens out, and a document builder that turns print tokens into
 * lines of styled text, QR codes and cuts — what the paper would show.
 */
import iconv from 'iconv-lite';
import { DLE, ESC, FS, GS } from './escpos.js';

export type Token =
  /** `DLE EOT n`: answered at once, even while printing is held. */
  | { readonly t: 'realtime-status'; readonly n: number }
  /** `DLE DC4 8 …`: drop held data. */
  | { readonly t: 'clear-buffers' }
  /** Other real-time commands (`DLE ENQ`, `DLE DC4 1` drawer pulse…): no effect here. */
  | { readonly t: 'realtime-other'; readonly bytes: Buffer }
  | { readonly t: 'text'; readonly bytes: Buffer }
  | { readonly t: 'lf' }
  | { readonly t: 'cmd'; readonly bytes: Buffer };

const codes = (s: string): ReadonlySet<number> => new Set([...s].map((ch) => ch.charCodeAt(0)));
/** `ESC x n` commands: one argument byte. */
const ESC_ONE_ARG = codes(' !-3EGJKMRUVadetr{');
/** `GS x n` commands: one argument byte. */
const GS_ONE_ARG = codes('!BEHIabfhrw');

/** Length of the command at `b[i]` (which is ESC, GS, FS or DLE), or 0 if more bytes are needed. */
function commandLength(b: Buffer, i: number): number {
  const avail = b.length - i;
  if (avail < 2) return 0;
  const lead = b[i] as number;
  const c = b[i + 1] as number;
  const need = (n: number): number => (avail >= n ? n : 0);
  const u16 = (at: number): number => (b[i + at] as number) + 256 * (b[i + at + 1] as number);
  if (lead === DLE) {
    if (c === 0x04 || c === 0x05) return need(3);
    if (c === 0x14) {
      if (avail < 3) return 0;
      const fn = b[i + 2] as number;
      return need(fn === 8 ? 10 : fn === 7 ? 8 : 5);
    }
    return 2;
  }
  if (lead === ESC) {
    if (ESC_ONE_ARG.has(c)) return need(3);
    if (c === 0x63) return need(4); // ESC c 3 n, ESC c 4 n, ESC c 5 n
    if (c === 0x70) return need(5); // ESC p m t1 t2
    if (c === 0x42) return need(4); // ESC B n t (buzzer)
    if (c === 0x24) return need(4); // ESC $ nL nH
    if (c === 0x2a) {
      if (avail < 5) return 0;
      const m = b[i + 2] as number;
      const k = u16(3) * (m >= 32 ? 3 : 1);
      return need(5 + k);
    }
    if (c === 0x44) {
      const end = b.indexOf(0, i + 2);
      return end < 0 ? 0 : end - i + 1;
    }
    return 2; // ESC @, ESC 2, …
  }
  if (lead === GS) {
    if (c === 0x56) {
      if (avail < 3) return 0;
      const m = b[i + 2] as number;
      return m === 0 || m === 1 || m === 48 || m === 49 ? 3 : need(4);
    }
    if (c === 0x28) return avail < 5 ? 0 : need(5 + u16(3));
    if (c === 0x4c || c === 0x57 || c === 0x50) return need(4);
    if (c === 0x6b) {
      if (avail < 3) return 0;
      const m = b[i + 2] as number;
      if (m <= 6) {
        const end = b.indexOf(0, i + 3);
        return end < 0 ? 0 : end - i + 1;
      }
      return avail < 4 ? 0 : need(4 + (b[i + 3] as number));
    }
    if (c === 0x76) return avail < 8 ? 0 : need(8 + u16(4) * u16(6));
    if (GS_ONE_ARG.has(c)) return need(3);
    return 2;
  }
  // FS
  if (c === 0x21 || c === 0x43 || c === 0x57 || c === 0x2d) return need(3);
  if (c === 0x53 || c === 0x70) return need(4);
  return 2; // FS &, FS .
}

/** Splits a byte stream into tokens; keeps an incomplete command until its last byte arrives. */
export class EscPosTokenizer {
  private rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Token[] {
    const b = this.rest.length === 0 ? chunk : Buffer.concat([this.rest, chunk]);
    const out: Token[] = [];
    let i = 0;
    while (i < b.length) {
      const x = b[i] as number;
      if (x === ESC || x === GS || x === FS || x === DLE) {
        const n = commandLength(b, i);
        if (n === 0) break;
        const bytes = b.subarray(i, i + n);
        if (x === DLE && bytes[1] === 0x04) out.push({ t: 'realtime-status', n: bytes[2] as number });
        else if (x === DLE && bytes[1] === 0x14 && bytes[2] === 8) out.push({ t: 'clear-buffers' });
        else if (x === DLE) out.push({ t: 'realtime-other', bytes: Buffer.from(bytes) });
        else out.push({ t: 'cmd', bytes: Buffer.from(bytes) });
        i += n;
      } else if (x === 0x0a) {
        out.push({ t: 'lf' });
        i++;
      } else if (x < 0x20) {
        i++; // CR, HT, FF, NUL…: nothing to draw
      } else {
        let j = i;
        while (j < b.length && (b[j] as number) >= 0x20) j++;
        out.push({ t: 'text', bytes: Buffer.from(b.subarray(i, j)) });
        i = j;
      }
    }
    this.rest = Buffer.from(b.subarray(i));
    return out;
  }
}

export interface Style {
  readonly bold: boolean;
  readonly invert: boolean;
  readonly underline: boolean;
  /** Character magnification (1–8), from `ESC !` bits and `GS !`. */
  readonly width: number;
  readonly height: number;
}

export interface Segment {
  readonly text: string;
  readonly style: Style;
}

export type Block =
  | { readonly kind: 'line'; readonly align: 'left' | 'center' | 'right'; readonly segments: readonly Segment[] }
  | {
      readonly kind: 'qr';
      readonly align: 'left' | 'center' | 'right';
      readonly data: string;
      readonly moduleSize: number;
    }
  | { readonly kind: 'feed'; readonly lines: number };

export interface PrintedJob {
  /** 1, 2, … in the order jobs left the printer. */
  readonly n: number;
  readonly blocks: readonly Block[];
  /** Ended by a cut (false: torn off by a fault, or cleared). */
  readonly complete: boolean;
  /** Plain text of the job: one line per text line, `[QR data]` for a QR code. */
  readonly text: string;
  readonly bytes: number;
  /** When the first byte of the job arrived and when the job ended (ms since the epoch). */
  readonly firstByteAt: number;
  readonly at: number;
}

const ALIGN = ['left', 'center', 'right'] as const;

/** Applies print tokens to a page: styles, lines, QR codes; a cut ends a job. */
export class DocumentBuilder {
  private blocks: Block[] = [];
  private segments: Segment[] = [];
  private pendingText: Buffer[] = [];
  private align: 'left' | 'center' | 'right' = 'left';
  private escMode = 0;
  private gsWidth = 1;
  private gsHeight = 1;
  private bold = false;
  private invert = false;
  private underline = false;
  private kanji: boolean;
  private qrData = '';
  private qrModule = 3;
  private bytes = 0;
  private firstByteAt = 0;

  constructor(
    private readonly encoding: string,
    /** Chinese printers power on in two-byte character mode. */
    private readonly kanjiDefault = true,
  ) {
    this.kanji = kanjiDefault;
  }

  get empty(): boolean {
    return this.blocks.length === 0 && this.segments.length === 0 && this.pendingText.length === 0;
  }

  /** Counts bytes of the job being built (for the job record). */
  noteBytes(n: number, at: number): void {
    if (this.bytes === 0) this.firstByteAt = at;
    this.bytes += n;
  }

  /** Applies one print token; returns a finished job on a cut. */
  apply(tok: Token, n: number, at: number): PrintedJob | undefined {
    if (tok.t === 'text') {
      this.pendingText.push(tok.bytes);
      return undefined;
    }
    if (tok.t === 'lf') {
      this.flushSegment();
      this.blocks.push({ kind: 'line', align: this.align, segments: this.segments });
      this.segments = [];
      return undefined;
    }
    if (tok.t !== 'cmd') return undefined;
    const b = tok.bytes;
    const lead = b[0];
    const c = b[1];
    const arg = b[2] ?? 0;
    // A style change applies from here on: close the text written so far under the old style.
    this.flushSegment();
    if (lead === ESC) {
      if (c === 0x40) this.reset();
      else if (c === 0x61) this.align = ALIGN[arg % 48 > 2 ? 0 : arg % 48] ?? 'left';
      else if (c === 0x45 || c === 0x47) this.bold = (arg & 1) === 1;
      else if (c === 0x21) this.escMode = arg;
      else if (c === 0x2d) this.underline = arg % 48 > 0;
      else if (c === 0x64) this.feed(arg);
    } else if (lead === GS) {
      if (c === 0x21) {
        this.gsWidth = ((arg >> 4) & 7) + 1;
        this.gsHeight = (arg & 7) + 1;
      } else if (c === 0x42) this.invert = (arg & 1) === 1;
      else if (c === 0x56) return this.cut(n, at, true);
      else if (c === 0x28 && b[2] !== undefined && b[5] === 0x31) this.qr(b);
    } else if (lead === FS) {
      if (c === 0x26) this.kanji = true;
      else if (c === 0x2e) this.kanji = false;
    }
    return undefined;
  }

  /** Ends the current job without a cut (printer fault, buffer cleared). */
  tearOff(n: number, at: number): PrintedJob | undefined {
    this.flushSegment();
    if (this.segments.length > 0) {
      this.blocks.push({ kind: 'line', align: this.align, segments: this.segments });
      this.segments = [];
    }
    if (this.blocks.length === 0) return undefined;
    return this.cut(n, at, false);
  }

  private style(): Style {
    return {
      bold: this.bold || (this.escMode & 0x08) !== 0,
      invert: this.invert,
      underline: this.underline || (this.escMode & 0x80) !== 0,
      width: Math.max(this.gsWidth, this.escMode & 0x20 ? 2 : 1),
      height: Math.max(this.gsHeight, this.escMode & 0x10 ? 2 : 1),
    };
  }

  private flushSegment(): void {
    if (this.pendingText.length === 0) return;
    const raw = Buffer.concat(this.pendingText);
    this.pendingText = [];
    const text = this.kanji ? iconv.decode(raw, this.encoding) : raw.toString('latin1');
    this.segments.push({ text, style: this.style() });
  }

  private feed(lines: number): void {
    if (this.segments.length > 0) {
      this.blocks.push({ kind: 'line', align: this.align, segments: this.segments });
      this.segments = [];
    }
    if (lines > 0) this.blocks.push({ kind: 'feed', lines });
  }

  private qr(b: Buffer): void {
    // GS ( k pL pH cn fn …: cn 49 = QR; fn 67 module size, 80 store data, 81 print.
    if (b[5] !== 0x31) return;
    const fn = b[6];
    if (fn === 0x43) this.qrModule = b[7] ?? 3;
    else if (fn === 0x50) this.qrData = b.subarray(8).toString('utf8');
    else if (fn === 0x51)
      this.blocks.push({ kind: 'qr', align: this.align, data: this.qrData, moduleSize: this.qrModule });
  }

  private reset(): void {
    this.align = 'left';
    this.escMode = 0;
    this.gsWidth = 1;
    this.gsHeight = 1;
    this.bold = false;
    this.invert = false;
    this.underline = false;
    this.kanji = this.kanjiDefault;
  }

  private cut(n: number, at: number, complete: boolean): PrintedJob {
    if (this.segments.length > 0) {
      this.blocks.push({ kind: 'line', align: this.align, segments: this.segments });
      this.segments = [];
    }
    const blocks = this.blocks;
    const job: PrintedJob = {
      n,
      blocks,
      complete,
      text: jobText(blocks),
      bytes: this.bytes,
      firstByteAt: this.firstByteAt,
      at,
    };
    this.blocks = [];
    this.bytes = 0;
    return job;
  }
}

export function jobText(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    if (b.kind === 'line')
      out.push(
        b.segments
          .map((s) => s.text)
          .join('')
          .trimEnd(),
      );
    else if (b.kind === 'qr') out.push(`[QR ${b.data}]`);
  }
  // Feeds at the end (before the cut) are paper, not content.
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}
