/** PostgreSQL's text form of a timestamptz ("2026-05-01 08:30:00.123+00") as ISO 8601. */
export function isoFromPg(value: string): string {
  return new Date(value.includes('T') ? value : value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00')).toISOString();
}
