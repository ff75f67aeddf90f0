// Which constraint a failed write violated, whether drizzle wrapped the driver's error or not, so
// services can turn a known violation into a typed error naming the input field.
export function violatedConstraint(err: unknown): string | undefined {
  const e = err as { constraint_name?: string; cause?: { constraint_name?: string } };
  return e?.cause?.constraint_name ?? e?.constraint_name;
}
