// Parsing of the custom scalars. Kept apart from the builder so services and tests can reuse them.
import { GraphQLError } from 'graphql';

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

// Years 1 to 9999: PostgreSQL has no year 0, and toISOString writes years past 9999 as "+010000".
function isCalendarDate(value: string): boolean {
  const d = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value && value >= '0001-01-01';
}

export function parseDate(value: unknown): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) && isCalendarDate(value)) return value;
  throw invalid(
    `Date must be a real calendar date written YYYY-MM-DD (years 0001-9999), got ${JSON.stringify(value).slice(0, 80)}.`,
  );
}

export function parseDateTime(value: unknown): string {
  const match =
    typeof value === 'string'
      ? /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,6})?)?(Z|[+-](0\d|1[0-4]):[0-5]\d)$/.exec(value)
      : null;
  if (match && isCalendarDate(match[1])) {
    const d = new Date(value as string);
    const iso = Number.isNaN(d.getTime()) ? '' : d.toISOString();
    if (/^\d{4}-/.test(iso) && iso >= '0001-01-01') return iso;
  }
  throw invalid(
    `DateTime must be ISO 8601 with a time zone, e.g. 2026-05-01T08:30:00Z (years 0001-9999), got ${JSON.stringify(value).slice(0, 80)}.`,
  );
}

const DECIMAL = /^-?(0|[1-9]\d{0,17})(\.\d{1,6})?$/;

/** Accepts decimal strings (and integers); refuses floats, which cannot carry exact amounts. */
export function parseDecimal(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return value.trim();
  throw invalid(
    `Decimal must be a string of digits with at most 6 decimal places, e.g. "1234.50", got ${JSON.stringify(value)}. ` +
      'Send amounts as strings so no digit is lost to floating point.',
  );
}
