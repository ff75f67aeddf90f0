import { describe, expect, it } from 'vitest';
import { compareDecimals, fromUnits, toUnits } from './money.ts';

describe('decimal strings as BigInt minor units', () => {
  it('round-trips at any scale, signs included', () => {
    expect(toUnits('12.5', 2)).toBe(1250n);
    expect(fromUnits(1250n, 2)).toBe('12.50');
    expect(toUnits('-0.07', 2)).toBe(-7n);
    expect(fromUnits(-7n, 2)).toBe('-0.07');
    expect(toUnits('1200', 0)).toBe(1200n);
    expect(fromUnits(1200n, 0)).toBe('1200');
    expect(fromUnits(toUnits('999999999999999.99', 2) * 3n + 4n, 2)).toBe('3000000000000000.01');
  });

  it('refuses more decimals than the scale, but not trailing zeros', () => {
    expect(() => toUnits('1.005', 2)).toThrow(/more than 2 decimal places/);
    expect(toUnits('1.500', 2)).toBe(150n);
    expect(() => toUnits('1e3', 2)).toThrow(/not a decimal/);
  });

  it('compares exactly across scales', () => {
    expect(compareDecimals('100', '100.000')).toBe(0);
    expect(compareDecimals('0.30', '0.3')).toBe(0);
    expect(compareDecimals('9007199254740993.01', '9007199254740993.001')).toBe(1);
    expect(compareDecimals('-1', '0')).toBe(-1);
  });
});
