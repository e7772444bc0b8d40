/**
 * The ESC/POS bytes the daemon and the virtual printer agree on beyond what the
 * rendering library emits: real-time status (`DLE EOT n`), the in-order paper
 * status (`GS r 1`) that proves everything sent before it was processed, and
 * buffer clearing after a failed ticket. Reference: Epson ESC/POS command
 * reference (TM series), the same bytes Chinese 58/80 mm printers answer.
 */

export const ESC = 0x1b;
export const GS = 0x1d;
export const FS = 0x1c;
export const DLE = 0x10;
export const EOT = 0x04;
export const DC4 = 0x14;
export const LF = 0x0a;

/** `DLE EOT n`: real-time status, answered on receipt even while the printer is offline. */
export const statusQuery = (n: 1 | 2 | 3 | 4): Buffer => Buffer.from([DLE, EOT, n]);
/** All four real-time status bytes in one write; the printer answers four bytes in order. */
export const FULL_STATUS_QUERY = Buffer.concat([statusQuery(1), statusQuery(2), statusQuery(3), statusQuery(4)]);
/** `GS r 1`: paper sensor status, processed in order after everything sent before it. */
export const PROCESSED_MARKER = Buffer.from([GS, 0x72, 0x01]);
/** `DLE DC4 8 1 3 20 1 6 2 8`: clear the receive and print buffers (so a held ticket cannot print late). */
export const CLEAR_BUFFERS = Buffer.from([DLE, DC4, 0x08, 0x01, 0x03, 0x14, 0x01, 0x06, 0x02, 0x08]);
/** `ESC @` then `FS &`: initialise, then Chinese (two-byte) character mode for GB18030/GBK/Big5. */
export const INIT = Buffer.from([ESC, 0x40]);
export const KANJI_ON = Buffer.from([FS, 0x26]);
export const KANJI_OFF = Buffer.from([FS, 0x2e]);

/** A `DLE EOT` answer always has bit 4 and bit 1 set and bits 0 and 7 clear. */
export const isRealtimeStatusByte = (b: number): boolean => (b & 0x93) === 0x12;
/** A `GS r 1` answer has bit 4 clear (and bit 7 clear): never confused with a `DLE EOT` answer. */
export const isProcessedMarkerByte = (b: number): boolean => (b & 0x90) === 0x00;

export type StatusFlag =
  | 'offline'
  | 'cover_open'
  | 'paper_out'
  | 'paper_near_end'
  | 'cutter_error'
  | 'unrecoverable_error'
  | 'recoverable_error'
  | 'unreachable';

/** Flags that stop printing; `paper_near_end` is only a warning. */
export const BLOCKING_FLAGS: ReadonlySet<StatusFlag> = new Set<StatusFlag>([
  'offline',
  'cover_open',
  'paper_out',
  'cutter_error',
  'unrecoverable_error',
  'recoverable_error',
  'unreachable',
]);

export interface PrinterStatus {
  /** Raw answers to `DLE EOT 1..4`. */
  readonly bytes: readonly [number, number, number, number];
  readonly flags: readonly StatusFlag[];
  /** No blocking flag. */
  readonly ready: boolean;
}

/**
 * Decodes the answers to `DLE EOT 1`, `2`, `3`, `4`:
 * 1 printer: bit 3 offline; 2 offline cause: bit 2 cover open, bit 5 paper end stop, bit 6 error;
 * 3 error cause: bit 2 mechanical (recoverable), bit 3 autocutter, bit 5 unrecoverable, bit 6 auto-recoverable;
 * 4 roll paper sensor: bits 2–3 near end, bits 5–6 paper end.
 */
export function parseStatus(bytes: readonly number[]): PrinterStatus {
  const [p = 0x12, o = 0x12, e = 0x12, r = 0x12] = bytes;
  const flags: StatusFlag[] = [];
  if (o & 0x04) flags.push('cover_open');
  if (r & 0x60 || o & 0x20) flags.push('paper_out');
  else if (r & 0x0c) flags.push('paper_near_end');
  if (e & 0x08) flags.push('cutter_error');
  if (e & 0x20) flags.push('unrecoverable_error');
  if (e & 0x44 && !(e & 0x08)) flags.push('recoverable_error');
  // Offline is implied by any of the above; name it alone only when nothing explains it.
  if (p & 0x08 && !flags.some((f) => f !== 'paper_near_end')) flags.push('offline');
  return { bytes: [p, o, e, r], flags, ready: !flags.some((f) => BLOCKING_FLAGS.has(f)) };
}

export const UNREACHABLE: PrinterStatus = { bytes: [0, 0, 0, 0], flags: ['unreachable'], ready: false };
