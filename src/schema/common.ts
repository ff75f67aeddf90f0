// Small schema helpers shared by every module: connection costs, id arguments, enum mapping, patches.
import { localId } from '../lib/global-id.ts';
import { ValidationError } from '../lib/errors.ts';
import { decodeGlobalId } from '../lib/global-id.ts';
import type { PageSize } from '../db/keyset.ts';

/** Cost of a connection field: its children are multiplied by the page size asked for. */
export function connectionComplexity(size: PageSize) {
  return (args: { first?: number | null; last?: number | null }) => ({
    field: 1,
    multiplier: Math.max(1, args.first ?? args.last ?? size.defaultSize),
  });
}

/** An id argument of a mutation input: a malformed or wrong-type id is a ValidationError on that field. */
export function inputId(globalId: string, typename: string, field: string): number {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalId(globalId);
  } catch {
    throw ValidationError.of(field, `"${globalId.slice(0, 64)}" is not a valid id; use an id returned by this API.`);
  }
  if (decoded.typename !== typename) {
    throw ValidationError.of(field, `Expected the id of a ${typename}, got the id of a ${decoded.typename}.`);
  }
  return Number(decoded.id);
}

/** An id argument of a query: a malformed or wrong-type id is a BAD_USER_INPUT error. */
export const queryId = localId;

/** GraphQL enum values (UPPER_CASE) for lower_case database values. */
export function enumValues<T extends string>(values: readonly T[]): Record<string, { value: T }> {
  return Object.fromEntries(values.map((v) => [v.toUpperCase(), { value: v }]));
}

/** Drops keys whose value is null or undefined, so a patch only touches what the client sent. */
export function defined<T extends Record<string, unknown>>(patch: T): Defined<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v != null)) as Defined<T>;
}
export type Defined<T> = { [K in keyof T]?: NonNullable<T[K]> };
