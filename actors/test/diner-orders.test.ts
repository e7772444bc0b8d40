import { describe, expect, it } from 'vitest';
import { dinerOrderTag, parseDinerOrderTag } from '../src/index.js';

describe("a diner's placement tag", () => {
  it('names the diner, the order and when it was placed, and reads back', () => {
    const tag = dinerOrderTag('d_abc-DEF_1', 'o_001_xyz', 1_796_566_983_759);
    expect(tag).toBe('dol:d_abc-DEF_1:o_001_xyz:1796566983759');
    expect(parseDinerOrderTag(tag!)).toEqual({ dinerId: 'd_abc-DEF_1', orderId: 'o_001_xyz', at: 1_796_566_983_759 });
  });

  it('is not made for what is no diner id (nothing to list), and other tags read as nothing', () => {
    expect(dinerOrderTag('staff:w1', 'o_1', 1)).toBeUndefined();
    expect(dinerOrderTag('d 1', 'o_1', 1)).toBeUndefined();
    expect(parseDinerOrderTag('other:d1:o1:5')).toBeUndefined();
    expect(parseDinerOrderTag('dol:d1:o1')).toBeUndefined();
    expect(parseDinerOrderTag('dol:d1:o1:5:6')).toBeUndefined();
    expect(parseDinerOrderTag('dol:d1:o1:-5')).toBeUndefined();
  });
});
