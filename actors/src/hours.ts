/**
 * Weekly time windows in a store's local time: opening hours and a menu
 * item's availability (e.g. breakfast 07:00–10:30 on weekdays). Pure: the
 * instant comes from the command and the UTC offset from configuration.
 */
import { z } from 'zod';

/** China Standard Time, UTC+8, has no daylight saving. */
export const DEFAULT_TZ_OFFSET_MIN = 480;

const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;

export const TimeWindowSchema = z
  .object({
    /** ISO weekdays 1 (Monday) … 7 (Sunday); absent means every day. */
    days: z.array(z.number().int().min(1).max(7)).min(1).max(7).optional(),
    from: z.string().regex(HHMM_RE, 'expected HH:MM'),
    to: z.string().regex(HHMM_RE, 'expected HH:MM'),
  })
  .refine((w) => w.from !== w.to, { message: 'from and to must differ' });
export type TimeWindow = z.infer<typeof TimeWindowSchema>;

export function minutesOf(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

/** Local ISO weekday (1–7) and minute of the day of an instant. */
export function localClock(at: number, tzOffsetMin: number): { day: number; minute: number } {
  const local = at + tzOffsetMin * 60_000;
  const dayNo = Math.floor(local / 86_400_000);
  const minute = Math.floor((local - dayNo * 86_400_000) / 60_000);
  // 1970-01-01 was a Thursday (ISO 4).
  const day = ((((dayNo + 3) % 7) + 7) % 7) + 1;
  return { day, minute };
}

/**
 * Whether `at` falls inside any window. No windows means always. A window whose
 * `to` is before its `from` runs over midnight and belongs to the day it starts.
 */
export function isWithin(windows: readonly TimeWindow[] | undefined, at: number, tzOffsetMin: number): boolean {
  if (windows === undefined || windows.length === 0) return true;
  const { day, minute } = localClock(at, tzOffsetMin);
  const yesterday = day === 1 ? 7 : day - 1;
  for (const w of windows) {
    const from = minutesOf(w.from);
    const to = minutesOf(w.to);
    const onDay = (d: number): boolean => w.days === undefined || w.days.includes(d);
    if (from < to) {
      if (onDay(day) && minute >= from && minute < to) return true;
    } else {
      if (onDay(day) && minute >= from) return true;
      if (onDay(yesterday) && minute < to) return true;
    }
  }
  return false;
}

/** "1-5@07:00-10:30;6,7@08:00-11:00" or "11:00-14:00" (every day). Used by the CSV format. */
export function formatWindows(windows: readonly TimeWindow[]): string {
  return windows
    .map((w) => {
      const span = `${w.from}-${w.to}`;
      if (w.days === undefined) return span;
      return `${compactDays(w.days)}@${span}`;
    })
    .join(';');
}

function compactDays(days: readonly number[]): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j - i >= 2 ? `${sorted[i]}-${sorted[j]}` : sorted.slice(i, j + 1).join(','));
    i = j + 1;
  }
  return parts.join(',');
}

/** Inverse of `formatWindows`; throws an Error with a readable message on bad text. */
export function parseWindows(text: string): TimeWindow[] {
  const out: TimeWindow[] = [];
  for (const raw of text.split(';')) {
    const part = raw.trim();
    if (part === '') continue;
    const at = part.indexOf('@');
    const span = at < 0 ? part : part.slice(at + 1);
    const m = /^(\d\d:\d\d)-(\d\d:\d\d)$/.exec(span.trim());
    if (m === null) throw new Error(`"${part}": expected [days@]HH:MM-HH:MM`);
    let days: number[] | undefined;
    if (at >= 0) {
      days = [];
      for (const d of part.slice(0, at).split(',')) {
        const r = /^([1-7])(?:-([1-7]))?$/.exec(d.trim());
        if (r === null) throw new Error(`"${part}": days are 1 (Mon) to 7 (Sun), e.g. 1-5 or 6,7`);
        const a = Number(r[1]);
        const b = r[2] === undefined ? a : Number(r[2]);
        if (b < a) throw new Error(`"${part}": day range ${a}-${b} runs backwards`);
        for (let k = a; k <= b; k++) days.push(k);
      }
    }
    const w = TimeWindowSchema.safeParse(
      days === undefined ? { from: m[1], to: m[2] } : { days, from: m[1], to: m[2] },
    );
    if (!w.success) throw new Error(`"${part}": ${w.error.issues[0]?.message ?? 'invalid window'}`);
    out.push(w.data);
  }
  return out;
}
