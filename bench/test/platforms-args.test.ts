import { expect, it } from 'vitest';
import { parseArgs } from '../src/cli.js';

it('lunch-rush --platforms takes its rates, and is refused elsewhere', () => {
  expect(parseArgs(['lunch-rush', '--platforms']).platforms).toEqual({ orders: 20, changes: 20 });
  expect(
    parseArgs(['lunch-rush', '--platforms', '--platform-orders', '50', '--stock-changes', '5', '--rate', '100']),
  ).toMatchObject({ platforms: { orders: 50, changes: 5 }, rate: 100 });
  expect(parseArgs(['lunch-rush']).platforms).toBeUndefined();
  expect(() => parseArgs(['flash-sale', '--platforms'])).toThrow(/--platforms is for lunch-rush/);
  expect(() => parseArgs(['compare', 'lunch-rush', '--platforms'])).toThrow(/--platforms is for lunch-rush/);
  expect(() => parseArgs(['lunch-rush', '--platforms', '--target', 'http://x'])).toThrow(/--platforms/);
  expect(() => parseArgs(['lunch-rush', '--platform-orders', '5'])).toThrow(/go with --platforms/);
});
