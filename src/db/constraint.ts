// Which constraint a failed write violated, whether drizzle wrapped the driver's error or not, so
// services can turn a known violation into a typed error naming the input field.
import { ValidationError } from '../lib/errors.ts';

export function violatedConstraint(err: unknown): string | undefined {
  const e = err as { constraint_name?: string; cause?: { constraint_name?: string } };
  return e?.cause?.constraint_name ?? e?.constraint_name;
}

/** Runs `write`; a violation of `constraint` becomes a ValidationError on `field`, anything else is rethrown. */
export async function uniquely<T>(write: Promise<T>, constraint: string, field: string, message: string): Promise<T> {
  try {
    return await write;
  } catch (err) {
    if (violatedConstraint(err) === constraint) throw ValidationError.of(field, message);
    throw err;
  }
}

/**
 * `uniquely` for one unique constraint of a tenant's rows: `check(write, value)` turns a repeat of
 * `value` into a ValidationError on `field` saying "A <what> "<value>" already exists in your organization."
 */
export function uniqueIn(constraint: string, field: string, what: string) {
  return <T>(write: Promise<T>, value: string | undefined): Promise<T> =>
    uniquely(write, constraint, field, `A ${what} "${value}" already exists in your organization.`);
}
