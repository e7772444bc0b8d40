/**
 * What both platforms' wire shapes share: a platform's own error codes for ours, both ways (one
 * table per platform: what we answer a push we refuse with, and what a platform's refusal of our
 * call means); reading a body or a value off the wire (a bad one is `bad_request`); yuan and fen.
 */
import type { z } from 'zod';
import { PlatformError, PlatformErrorCode, type PlatformErrorCode as Code } from './errors.js';

export class CodeTable<P extends string | number> {
  private readonly back: Map<P, Code>;

  constructor(
    private readonly to: Readonly<Record<Code, P>>,
    private readonly unknownCode: Code = PlatformErrorCode.Refused,
  ) {
    this.back = new Map(Object.entries(to).map(([ours, theirs]) => [theirs, ours as Code]));
  }

  theirs(code: Code): P {
    return this.to[code];
  }

  ours(code: P): Code {
    return this.back.get(code) ?? this.unknownCode;
  }
}

/** Reads a JSON body; a body that is not an object is `bad_request`. */
export function jsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A platform's wire value as `schema` reads it; anything else is `bad_request` naming `what` (the field). */
export function parseWire<T>(schema: z.ZodType<T>, v: unknown, what: string): T {
  const r = schema.safeParse(v);
  if (!r.success)
    throw new PlatformError(PlatformErrorCode.BadRequest, `${what} 格式错误: ${r.error.issues[0]?.message ?? ''}`);
  return r.data;
}

export const yuan = (fen: number): string => (fen / 100).toFixed(2);
export const fenOf = (yuanText: unknown): number => Math.round(Number(yuanText) * 100);
