// Opaque keyset cursors. A cursor names the list and ordering it belongs to and carries the sort
// values of one row, so a page continues exactly after that row even when sort values repeat.
// A cursor from another list or ordering, or one that was edited, is refused with a clear message.
import { badUserInput } from './errors.ts';

export type CursorValue = string | number;
export type CursorValueKind = 'int' | 'date' | 'timestamp' | 'text' | 'decimal';

// An edited cursor must fail here, not in PostgreSQL: ints are int4 (every id and position
// in a keyset), dates real calendar dates of years 1-9999, text without NUL.
const realDate = (v: string) => {
  const d = new Date(`${v.slice(0, 10)}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v.slice(0, 10) && v >= '0001-01-01';
};

const validators: Record<CursorValueKind, (v: unknown) => boolean> = {
  int: (v) => typeof v === 'number' && Number.isSafeInteger(v) && Math.abs(v) <= 2_147_483_647,
  date: (v) => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && realDate(v),
  // PostgreSQL writes offsets as "+00", which Date.parse refuses: normalise to "+00:00" to check.
  timestamp: (v) =>
    typeof v === 'string' &&
    /^\d{4}-\d{2}-\d{2}[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/.test(v) &&
    realDate(v) &&
    !Number.isNaN(Date.parse(v.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00'))),
  text: (v) => typeof v === 'string' && v.length <= 1000 && !v.includes('\u0000'),
  decimal: (v) => typeof v === 'string' && /^-?\d{1,20}(\.\d{1,10})?$/.test(v),
};

export function encodeCursor(list: string, values: CursorValue[]): string {
  return Buffer.from(JSON.stringify([list, ...values]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, list: string, kinds: CursorValueKind[]): CursorValue[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'string') {
    throw badUserInput(`The cursor "${cursor.slice(0, 40)}" is malformed. Use a cursor returned by this list.`, {
      argument: 'cursor',
    });
  }
  const [owner, ...values] = parsed as [string, ...unknown[]];
  if (owner !== list) {
    throw badUserInput(
      `The cursor belongs to another list or ordering (${owner}), not ${list}. Cursors only work with the list and orderBy they came from.`,
      { argument: 'cursor' },
    );
  }
  if (values.length !== kinds.length || !values.every((v, i) => validators[kinds[i]](v))) {
    throw badUserInput(`The cursor "${cursor.slice(0, 40)}" is malformed. Use a cursor returned by this list.`, {
      argument: 'cursor',
    });
  }
  return values as CursorValue[];
}
