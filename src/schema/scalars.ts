// Parsing of the custom scalars. Kept apart from the builder so services and tests can reuse them.
import { GraphQLError } from 'graphql';

function invalid(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

export function parseDate(value: unknown): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const d = new Date(`${value}T00:00:00Z`);
    if (!Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === value) return value;
  }
  throw invalid(`Date must be a real calendar date written YYYY-MM-DD, got ${JSON.stringify(value)}.`);
}

export function parseDateTime(value: unknown): string {
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const d = new Date(value);
    if (!Number.isNaN(d.getTime())) return d.toISOString();
  }
  throw invalid(`DateTime must be ISO 8601 with a time zone, e.g. 2026-05-01T08:30:00Z, got ${JSON.stringify(value)}.`);
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
