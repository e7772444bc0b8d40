/**
 * A JSON request body, refused rather than changed: the bytes must be UTF-8 and every
 * string well-formed UTF-16. `Buffer#toString` would turn a bad byte into U+FFFD, and
 * msgpackr writes a lone surrogate (`"\ud800"`, legal JSON) so that it reads back as
 * three U+FFFD: either way the engine would store something other than what it
 * acknowledged. Refusing is the only answer that keeps "stored = accepted".
 */
import { isUtf8 } from 'node:buffer';
import { ErrorCode, HttpError } from './errors.js';

// A lone surrogate can only enter through a `\u` escape (the bytes were checked as UTF-8),
// so the tree is walked only when the text has one: the common body pays one regex scan.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function parseJsonBody(body: Buffer): unknown {
  if (!isUtf8(body)) throw new HttpError(ErrorCode.BadRequest, 'the body is not valid UTF-8');
  const text = body.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new HttpError(ErrorCode.BadRequest, 'the body is not valid JSON');
  }
  if (SURROGATE_ESCAPE.test(text)) {
    const where = illFormedAt(json, 'body');
    if (where !== undefined)
      throw new HttpError(
        ErrorCode.BadRequest,
        `${where} has an unpaired UTF-16 surrogate (\\ud800–\\udfff): send well-formed text`,
        { details: { path: where } },
      );
  }
  return json;
}

/** The path of the first string (or key) holding a lone surrogate, if any. */
function illFormedAt(v: unknown, path: string): string | undefined {
  if (typeof v === 'string') return LONE_SURROGATE.test(v) ? path : undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const at = illFormedAt(v[i], `${path}.${i}`);
      if (at !== undefined) return at;
    }
    return undefined;
  }
  if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      if (LONE_SURROGATE.test(k)) return `${path} (a key)`;
      const at = illFormedAt(x, `${path}.${k}`);
      if (at !== undefined) return at;
    }
  }
  return undefined;
}
