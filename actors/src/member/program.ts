/**
 * The chain's member programme: levels by yearly spend, how points are earned,
 * what they are worth and when they expire, top-up bonuses, gifts and check-in.
 * A command that applies a rule carries the programme (the gateway holds the
 * chain's; `DEFAULT_MEMBER_PROGRAM` when absent) and the events record what the
 * rule gave, so replay never depends on the programme of the day.
 */
import { z } from 'zod';
import { FenSchema, type Fen } from '../money.js';

export const MemberLevelSchema = z.strictObject({
  level: z.number().int().min(0).max(20),
  name: z.string().trim().min(1).max(20),
  /** Spend in a calendar year (local time) that reaches this level. */
  minYearSpendFen: FenSchema,
  /** Extra points on orders, percent (金卡 +50%). */
  earnBonusPct: z.number().int().min(0).max(1000).default(0),
});

export const TopUpBonusSchema = z.strictObject({ minFen: FenSchema.min(1), bonusFen: FenSchema });

export const MemberProgramSchema = z
  .strictObject({
    levels: z.array(MemberLevelSchema).min(1).max(20),
    /** Points earned per whole yuan paid (cash and stored value; not points). */
    pointsPerYuan: z.number().int().min(0).max(100),
    /** Points that make one fen off: 1 is a point a fen (100 points a yuan). */
    pointsPerFen: z.number().int().min(1).max(10_000),
    /** At most this share of an order may be paid with points, percent. */
    maxPointsSharePct: z.number().int().min(0).max(100),
    /** Days a point lives from when it was earned. */
    pointsValidDays: z.number().int().min(1).max(3660),
    /** Top up at least `minFen`, get `bonusFen` (the highest tier reached). */
    topUpBonuses: z.array(TopUpBonusSchema).max(20),
    signUpPoints: z.number().int().min(0).max(1_000_000),
    birthdayPoints: z.number().int().min(0).max(1_000_000),
    checkInPoints: z.number().int().min(0).max(10_000),
    /** Every `streakDays`-th day in a row, `streakBonusPoints` more. */
    streakDays: z.number().int().min(2).max(366),
    streakBonusPoints: z.number().int().min(0).max(100_000),
    tzOffsetMin: z.number().int().min(-720).max(840),
  })
  .refine((p) => p.levels.some((l) => l.minYearSpendFen === 0), { message: 'one level must start at 0 spend' });
export type MemberProgramInput = z.input<typeof MemberProgramSchema>;
export type MemberProgram = z.output<typeof MemberProgramSchema>;

export const DEFAULT_MEMBER_PROGRAM: MemberProgram = {
  levels: [
    { level: 0, name: '普通会员', minYearSpendFen: 0, earnBonusPct: 0 },
    { level: 1, name: '银卡', minYearSpendFen: 100_000, earnBonusPct: 20 },
    { level: 2, name: '金卡', minYearSpendFen: 500_000, earnBonusPct: 50 },
    { level: 3, name: '黑金', minYearSpendFen: 2_000_000, earnBonusPct: 100 },
  ],
  pointsPerYuan: 1,
  pointsPerFen: 1,
  maxPointsSharePct: 50,
  pointsValidDays: 365,
  topUpBonuses: [
    { minFen: 20_000, bonusFen: 1_000 },
    { minFen: 50_000, bonusFen: 5_000 },
    { minFen: 100_000, bonusFen: 12_000 },
  ],
  signUpPoints: 100,
  birthdayPoints: 500,
  checkInPoints: 5,
  streakDays: 7,
  streakBonusPoints: 20,
  tzOffsetMin: 480,
};

export const DAY_MS = 86_400_000;

/** The local calendar day number (days since 1970-01-01 in the programme's time zone). */
export function localDay(at: number, tzOffsetMin: number): number {
  return Math.floor((at + tzOffsetMin * 60_000) / DAY_MS);
}

/** The local calendar year, month (1–12) and day of month. */
export function localDate(at: number, tzOffsetMin: number): { year: number; month: number; day: number } {
  const d = new Date(at + tzOffsetMin * 60_000);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The level a year's spend (or last year's, whichever is higher: a level is kept a year) reaches. */
export function levelFor(p: MemberProgram, spendFen: Fen, lastYearFen: Fen): number {
  const best = Math.max(spendFen, lastYearFen);
  let level = 0;
  for (const l of p.levels) if (best >= l.minYearSpendFen && l.level > level) level = l.level;
  return level;
}

export function levelName(p: MemberProgram, level: number): string {
  return p.levels.find((l) => l.level === level)?.name ?? `L${level}`;
}

/** Points an order of `paidFen` (cash and stored value) earns at `level`. */
export function orderPoints(p: MemberProgram, level: number, paidFen: Fen): number {
  const base = Math.floor(paidFen / 100) * p.pointsPerYuan;
  const bonus = p.levels.find((l) => l.level === level)?.earnBonusPct ?? 0;
  return base + Math.floor((base * bonus) / 100);
}

/** The bonus of a top-up: the highest tier it reaches, 0 under every tier. */
export function topUpBonus(p: MemberProgram, amountFen: Fen): Fen {
  let bonus = 0;
  for (const t of p.topUpBonuses) if (amountFen >= t.minFen && t.bonusFen > bonus) bonus = t.bonusFen;
  return bonus;
}
