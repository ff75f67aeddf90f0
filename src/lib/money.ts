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
  if (fraction.replace(/0+$/, '').length > scale)
    throw new RangeError(`"${value}" has more than ${scale} decimal places`);
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

// ---- rupees and paise (card scoring: integer paise fit a JS number exactly) --------------------

const RUPEES = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

/** "1234.5" → 123450 paise; null when the text is not a non-negative amount with at most 2 decimals. */
export function paiseFromRupees(text: string): number | null {
  const match = RUPEES.exec(text.trim());
  if (!match) return null;
  const paise = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return Number.isSafeInteger(paise) ? paise : null;
}

/** 123450 → "1234.50"; negative amounts keep their sign. */
export function rupeesFromPaise(paise: number): string {
  if (!Number.isSafeInteger(paise)) throw new RangeError(`${paise} is not a whole number of paise`);
  const sign = paise < 0 ? '-' : '';
  const abs = Math.abs(paise);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const PERCENT = /^(\d{1,3})(?:\.(\d{1,2}))?$/;

/** "3.25" (percent) → 325 basis points; null when malformed or above 100%. */
export function bpsFromPercent(text: string): number | null {
  const match = PERCENT.exec(text.trim());
  if (!match) return null;
  const bps = Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
  return bps <= 10_000 ? bps : null;
}

/** 325 basis points → "3.25". */
export function percentFromBps(bps: number): string {
  return `${Math.floor(bps / 100)}.${String(bps % 100).padStart(2, '0')}`;
}
