// Exact decimal strings through BigInt scaled integers: amounts and weights are checked, normalised
// and compared here without ever passing through a JS number. Sums are left to PostgreSQL's numeric.

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
