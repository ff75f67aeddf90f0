// One customer row of a job's input, from a file cell set or a GraphQL input, checked the same way:
// a non-empty customer reference and, per spend category, a monthly amount in rupees (blank = 0,
// never negative, at most 2 decimals); gmv, when given, is at least the sum of the categories.
import { paiseFromRupees, rupeesFromPaise } from '../../../lib/money.ts';
import { SPEND_CATEGORIES, type CustomerSpend } from '../catalog/scoring.ts';

export const REQUIRED_COLUMNS = ['customer_ref', ...SPEND_CATEGORIES] as const;
export const OPTIONAL_COLUMNS = ['gmv'] as const;
export const INPUT_COLUMNS = [...REQUIRED_COLUMNS, ...OPTIONAL_COLUMNS] as const;
export type InputColumn = (typeof INPUT_COLUMNS)[number];

export const MAX_CUSTOMER_REF_LENGTH = 200;

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

/** "Online Shopping" / "online-shopping" / "ONLINE_SHOPPING" → "online_shopping". */
export function normalizeHeader(name: unknown): string {
  return String(name ?? '')
    .replace(/^\uFEFF/, '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');
}

export function parseAmount(raw: unknown, column: string): Parsed<number> {
  if (raw === null || raw === undefined) return { ok: true, value: 0 };
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) return { ok: false, message: `${column} is not a number` };
    if (raw < 0) return { ok: false, message: `${column} is negative (${raw}); spend amounts must be zero or more` };
    const paise = Math.round(raw * 100);
    // Spreadsheet numbers are binary floats: accept only values that are whole paise.
    if (Math.abs(raw * 100 - paise) > 1e-6 || !Number.isSafeInteger(paise)) {
      return { ok: false, message: `${column} (${raw}) has more than 2 decimal places` };
    }
    return { ok: true, value: paise };
  }
  const text = String(raw).trim().replace(/^₹\s*/, '').replace(/,/g, '');
  if (text === '') return { ok: true, value: 0 };
  if (/^-\s*\d/.test(text))
    return { ok: false, message: `${column} is negative (${text}); spend amounts must be zero or more` };
  const paise = paiseFromRupees(text);
  if (paise === null)
    return { ok: false, message: `${column} "${String(raw).slice(0, 40)}" is not an amount in rupees such as 1250.50` };
  return { ok: true, value: paise };
}

export function parseCustomerRef(raw: unknown): Parsed<string> {
  const ref = raw === null || raw === undefined ? '' : String(raw).trim();
  if (!ref) return { ok: false, message: 'customer_ref is empty' };
  if (ref.length > MAX_CUSTOMER_REF_LENGTH)
    return { ok: false, message: `customer_ref is longer than ${MAX_CUSTOMER_REF_LENGTH} characters` };
  // PostgreSQL text cannot hold NUL; other control characters are never part of a reference.
  if (/[\u0000-\u001f\u007f]/.test(ref))
    return {
      ok: false,
      message: 'customer_ref holds a control character (such as NUL); use printable characters only',
    };
  return { ok: true, value: ref };
}

/** Checks one row; returns the customer or every problem found, each naming its column. */
export function parseCustomerRecord(
  get: (column: InputColumn) => unknown,
): { ok: true; value: CustomerSpend } | { ok: false; problems: { column: InputColumn; message: string }[] } {
  const problems: { column: InputColumn; message: string }[] = [];
  const ref = parseCustomerRef(get('customer_ref'));
  if (!ref.ok) problems.push({ column: 'customer_ref', message: ref.message });
  const spend = {} as CustomerSpend['spend'];
  let sum = 0;
  for (const category of SPEND_CATEGORIES) {
    const amount = parseAmount(get(category), category);
    if (amount.ok) {
      spend[category] = amount.value;
      sum += amount.value;
    } else problems.push({ column: category, message: amount.message });
  }
  const rawGmv = get('gmv');
  let gmv: number | null = null;
  if (rawGmv !== undefined && rawGmv !== null && String(rawGmv).trim() !== '') {
    const parsed = parseAmount(rawGmv, 'gmv');
    if (!parsed.ok) problems.push({ column: 'gmv', message: parsed.message });
    else if (problems.length === 0 && parsed.value < sum) {
      problems.push({
        column: 'gmv',
        message: `gmv (${rupeesFromPaise(parsed.value)}) is less than the sum of the spend categories (${rupeesFromPaise(sum)})`,
      });
    } else gmv = parsed.value;
  }
  if (problems.length || !ref.ok) return { ok: false, problems };
  return { ok: true, value: { customerRef: ref.value, spend, gmv } };
}

/** The file header: every required column present, nothing unknown. Returns column positions. */
export function checkHeader(
  cells: unknown[],
): { ok: true; positions: Map<InputColumn, number> } | { ok: false; message: string } {
  const names = cells.map(normalizeHeader);
  while (names.length && names[names.length - 1] === '') names.pop();
  const known = new Set<string>(INPUT_COLUMNS);
  const unknown = names.filter((n) => n !== '' && !known.has(n));
  const missing = REQUIRED_COLUMNS.filter((c) => !names.includes(c));
  const repeated = names.filter((n, i) => n !== '' && names.indexOf(n) !== i);
  const expected = `Expected columns: ${INPUT_COLUMNS.join(', ')} (gmv is optional).`;
  if (unknown.length)
    return {
      ok: false,
      message: `Unknown column${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => `"${u}"`).join(', ')} in the header (line 1). ${expected}`,
    };
  if (missing.length)
    return {
      ok: false,
      message: `Missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} in the header (line 1). ${expected}`,
    };
  if (repeated.length)
    return { ok: false, message: `Column ${repeated[0]} appears twice in the header (line 1). ${expected}` };
  const positions = new Map<InputColumn, number>();
  names.forEach((n, i) => {
    if (n !== '') positions.set(n as InputColumn, i);
  });
  return { ok: true, positions };
}
