// Exact decimal arithmetic on strings, through BigInt scaled integers. Amounts and weights never pass
// through a JS number: 0.1 + 0.2 is 0.3 here, and a 1e15 sum keeps its cents.

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

/** Decimal places of a decimal string ("12.50" → 2). */
export function scaleOf(value: string): number {
  return DECIMAL.exec(value)?.[3]?.length ?? 0;
}

/** The decimal string as an integer count of 10^-scale units; throws when it has more decimals than `scale`. */
export function toUnits(value: string, scale: number): bigint {
  const match = DECIMAL.exec(value.trim());
  if (!match) throw new RangeError(`"${value}" is not a decimal number`);
  const [, sign, whole, fraction = ''] = match;
  if (fraction.replace(/0+$/, '').length > scale) throw new RangeError(`"${value}" has more than ${scale} decimal places`);
  const units = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  return sign ? -units : units;
}

/** An integer count of 10^-scale units as a decimal string with exactly `scale` decimals. */
export function fromUnits(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(-scale)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** Exact comparison of two decimal strings of any scale: -1, 0 or 1. */
export function compareDecimals(a: string, b: string): number {
  const scale = Math.max(scaleOf(a), scaleOf(b));
  const x = toUnits(a, scale);
  const y = toUnits(b, scale);
  return x === y ? 0 : x > y ? 1 : -1;
}

/** Sum of decimal strings, with the largest scale among them. */
export function sumDecimals(values: readonly string[]): string {
  const scale = values.reduce((s, v) => Math.max(s, scaleOf(v)), 0);
  return fromUnits(
    values.reduce((total, v) => total + toUnits(v, scale), 0n),
    scale,
  );
}

/**
 * a × b rounded to `scale` decimals, half away from zero (what PostgreSQL's round(numeric) does),
 * so an amount computed here and one computed in SQL agree to the last digit.
 */
export function multiplyRounded(a: string, b: string, scale: number): string {
  const sa = scaleOf(a);
  const sb = scaleOf(b);
  const product = toUnits(a, sa) * toUnits(b, sb); // scale sa + sb
  const drop = sa + sb - scale;
  if (drop <= 0) return fromUnits(product * 10n ** BigInt(-drop), scale);
  const divisor = 10n ** BigInt(drop);
  const magnitude = product < 0n ? -product : product;
  let rounded = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) rounded += 1n;
  return fromUnits(product < 0n ? -rounded : rounded, scale);
}
