import { describe, expect, it } from 'vitest';
import { EngineError } from '../src/errors.js';

describe('EngineError', () => {
  it('an answered error keeps code, retryability, reason and details, and carries no stack frames', () => {
    const e = EngineError.answered('rejected', 'only 2 left', { reason: 'sold_out', details: { left: 2 } });
    expect(e).toBeInstanceOf(EngineError);
    expect([e.code, e.retryable, e.reason, e.details, e.message]).toEqual([
      'rejected',
      false,
      'sold_out',
      { left: 2 },
      'only 2 left',
    ]);
    expect(EngineError.answered('overloaded', 'busy').retryable).toBe(true);
    expect(e.stack?.split('\n').filter((l) => l.trimStart().startsWith('at '))).toEqual([]);
    // Errors built afterwards still have their stacks.
    expect(new EngineError('internal', 'x').stack).toMatch(/\n\s+at /);
  });
});
