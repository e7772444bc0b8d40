import { describe, expect, it } from 'vitest';
import { OwnerCache } from '../src/routes/diner.js';

describe('OwnerCache', () => {
  it('keeps the last two generations: a lookup finds recent owners, the oldest go whole', () => {
    const c = new OwnerCache(2);
    const owner = (n: number) => ({ dinerId: `d_${n}`, tableId: null });
    for (let i = 1; i <= 5; i++) c.set(`o${i}`, owner(i));
    // generations: {o1,o2} dropped when {o3,o4} filled and o5 began a new one
    expect(c.get('o1')).toBeUndefined();
    expect(c.get('o2')).toBeUndefined();
    expect(c.get('o3')).toEqual(owner(3));
    expect(c.get('o4')).toEqual(owner(4));
    expect(c.get('o5')).toEqual(owner(5));
  });
});
