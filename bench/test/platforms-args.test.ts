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

it('--party sets the orders a party places before its table turns over, or none', () => {
  expect(parseArgs(['lunch-rush']).ordersPerParty).toBeUndefined();
  expect(parseArgs(['lunch-rush', '--party', '1-1']).ordersPerParty).toEqual([1, 1]);
  expect(parseArgs(['compare', 'lunch-rush', '--party=6-12']).ordersPerParty).toEqual([6, 12]);
  expect(parseArgs(['max', '--party', 'none']).ordersPerParty).toEqual([Infinity, Infinity]);
  expect(() => parseArgs(['lunch-rush', '--party', '6-2'])).toThrow(/--party is min-max .* got 6-2/);
  expect(() => parseArgs(['lunch-rush', '--party', '0-3'])).toThrow(/--party is min-max/);
  expect(() => parseArgs(['lunch-rush', '--party', 'four'])).toThrow(/--party is min-max/);
  expect(() => parseArgs(['flash-sale', '--party', '2-6'])).toThrow(/--party is for lunch-rush and max/);
});
